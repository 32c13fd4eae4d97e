using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Sharemint.Operations;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api;

/// <summary>Route prefixes and the request conventions every endpoint shares (idempotency keys, operation ids, enums).</summary>
public static partial class ApiRoutes
{
    /// <summary>The problems every signed route can answer with: bad input, auth, size, rate limit, server error.</summary>
    public static RouteGroupBuilder ProducesCommonProblems(this RouteGroupBuilder group) => group
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .ProducesProblem(StatusCodes.Status500InternalServerError);

    public const string PartnerPrefix = "/v1";
    public const string AdminPrefix = "/admin/v1";
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Whether a path is under the partner or operator API (and so signed, limited and answered in problem+json).</summary>
    public static bool IsApiPath(PathString path) => path.StartsWithSegments(PartnerPrefix) || path.StartsWithSegments(AdminPrefix);

    /// <summary>The request's Idempotency-Key; 400 <c>idempotency_key_required</c> when absent (money-moving routes).</summary>
    public static string RequireIdempotencyKey(HttpContext context) =>
        OptionalIdempotencyKey(context) ?? throw new ApiProblemException(StatusCodes.Status400BadRequest, "idempotency_key_required",
            $"Money-moving requests need an {IdempotencyHeader} header (1-64 letters, digits, '-', '_', ':' or '.').");

    /// <summary>The request's Idempotency-Key, or null; 400 <c>idempotency_key_invalid</c> when malformed.</summary>
    public static string? OptionalIdempotencyKey(HttpContext context)
    {
        var key = context.Request.Headers[IdempotencyHeader].ToString();
        if (string.IsNullOrEmpty(key))
        {
            return null;
        }
        return IdempotencyKeyPattern().IsMatch(key)
            ? key
            : throw new ApiProblemException(StatusCodes.Status400BadRequest, "idempotency_key_invalid",
                $"{IdempotencyHeader} must be 1-64 letters, digits, '-', '_', ':' or '.'.");
    }

    /// <summary>
    /// The operation id of a mutating call: derived from the Idempotency-Key (so a retried request is the same operation,
    /// and the grain returns the recorded outcome) within <paramref name="scope"/>, or fresh when no key was sent.
    /// </summary>
    public static OperationId OperationFor(HttpContext context, string scope)
    {
        var key = OptionalIdempotencyKey(context);
        return key is null ? OperationId.New("api") : OperationId.From("api:" + Hash(scope + "\n" + key));
    }

    /// <summary>26 hex characters of SHA-256.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..26];

    /// <summary>Parses an enum by name (case-insensitive, '_' and '-' ignored); 400 with <paramref name="code"/> otherwise.</summary>
    public static TEnum ParseEnum<TEnum>(string? value, string code, string field) where TEnum : struct, Enum
    {
        var normalized = value?.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (normalized is { Length: > 0 } && !char.IsDigit(normalized[0]) && Enum.TryParse<TEnum>(normalized, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed))
        {
            return parsed;
        }
        throw new ApiProblemException(StatusCodes.Status400BadRequest, code,
            $"{field} must be one of: {string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}.");
    }

    /// <summary>An enum value as the API writes it: lower snake case (<c>InProgress</c> is <c>in_progress</c>), the form requests use.</summary>
    public static string EnumName<TEnum>(TEnum value) where TEnum : struct, Enum
    {
        var name = value.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('_');
            }
            text.Append(char.ToLowerInvariant(name[i]));
        }
        return text.ToString();
    }

    /// <summary>The most tokens one request may name: far above any real order, far below where unit arithmetic overflows.</summary>
    public const decimal MaxTokens = 1_000_000_000m;

    /// <summary>The most USD one request may name (cash credits, limits).</summary>
    public const decimal MaxCash = 1_000_000_000_000m;

    /// <summary>The highest price per share the API accepts.</summary>
    public const decimal MaxPrice = 10_000_000m;

    /// <summary>
    /// A token amount from a request in canonical units: positive (400 <c>amount_invalid</c>), at most
    /// <see cref="MaxTokens"/> (400 <c>amount_overflow</c>), whole canonical units (422 <c>amount_has_dust</c>); checked
    /// before any arithmetic, so no size of number can overflow the conversion.
    /// </summary>
    public static Sharemint.Units.CanonicalAmount Tokens(decimal amount, string field = "amount")
    {
        if (amount <= 0)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "amount_invalid", $"{field} must be greater than 0.");
        }
        if (amount > MaxTokens)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "amount_overflow", $"{field} must be at most {MaxTokens:0} tokens.");
        }
        return Sharemint.Units.CanonicalAmount.FromTokens(amount);
    }

    /// <summary>A USD amount from a request: greater than 0, or 0 when <paramref name="allowZero"/> (400 <c>amount_invalid</c>), at most <see cref="MaxCash"/> (400 <c>amount_overflow</c>).</summary>
    public static decimal Cash(decimal amount, string field, bool allowZero = false)
    {
        if (amount < 0 || (amount == 0 && !allowZero))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "amount_invalid", $"{field} must be {(allowZero ? "at least 0" : "greater than 0")}.");
        }
        if (amount > MaxCash)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "amount_overflow", $"{field} must be at most {MaxCash:0} USD.");
        }
        return amount;
    }

    /// <summary>A price per share from a request: greater than 0 and at most <see cref="MaxPrice"/>; 400 <c>price_invalid</c> otherwise.</summary>
    public static decimal Price(decimal price) =>
        price > 0 && price <= MaxPrice
            ? price
            : throw new ApiProblemException(StatusCodes.Status400BadRequest, "price_invalid", $"price must be greater than 0 and at most {MaxPrice:0} USD.");

    /// <summary>A rotation overlap in seconds: 0 to <paramref name="max"/>; 400 <c>overlap_invalid</c> otherwise.</summary>
    public static TimeSpan Overlap(int? seconds, int fallback, int max) => (seconds ?? fallback) switch
    {
        < 0 => throw new ApiProblemException(StatusCodes.Status400BadRequest, "overlap_invalid", $"overlapSeconds must be 0-{max}."),
        var s when s > max => throw new ApiProblemException(StatusCodes.Status400BadRequest, "overlap_invalid", $"overlapSeconds must be 0-{max}."),
        var s => TimeSpan.FromSeconds(s),
    };

    /// <summary>A listing limit: 1–500, default 50.</summary>
    public static int Limit(int? limit) => limit switch
    {
        null => 50,
        < 1 or > 500 => throw new ApiProblemException(StatusCodes.Status400BadRequest, "limit_invalid", "limit must be 1-500."),
        { } l => l,
    };

    /// <summary>
    /// A symbol from a request: anything not shaped like one (2-16 letters, digits or '.') names no asset, 404
    /// <c>asset_not_found</c>, without reaching a grain (a grain key of control characters or lone surrogates cannot be encoded).
    /// </summary>
    public static string Symbol(string? symbol) =>
        symbol is not null && SymbolPattern().IsMatch(symbol)
            ? symbol
            : throw new Sharemint.Errors.LedgerException(Sharemint.Errors.LedgerError.AssetNotFound, "No such asset.");

    /// <summary>An account id from a request path: anything not shaped like one names no account (404 <c>account_not_found</c>).</summary>
    public static string Account(string? accountId) =>
        accountId is not null && AccountIdPattern().IsMatch(accountId)
            ? accountId
            : throw new Sharemint.Errors.LedgerException(Sharemint.Errors.LedgerError.AccountNotFound, "No such account.");

    /// <summary>A ticker from a request: 1-16 letters, digits or '.' (400 <c>ticker_invalid</c>).</summary>
    public static string Ticker(string? ticker) =>
        ticker is not null && TickerPattern().IsMatch(ticker)
            ? ticker
            : throw new ApiProblemException(StatusCodes.Status400BadRequest, "ticker_invalid", "A ticker is 1-16 letters, digits or '.'.");

    /// <summary>Order ids as the platform issues them (<c>ord_</c>/<c>dep_</c> + 26 hex); anything else is simply not found.</summary>
    public static bool IsOrderId(string id) => OrderIdPattern().IsMatch(id);

    /// <summary>Account ids: 3–64 lower-case letters, digits and '-'.</summary>
    public static bool IsAccountId(string id) => AccountIdPattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_:.-]{1,64}$")]
    private static partial Regex IdempotencyKeyPattern();

    [GeneratedRegex("^(ord|dep)_[0-9a-f]{26}$")]
    private static partial Regex OrderIdPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{2,63}$")]
    private static partial Regex AccountIdPattern();

    [GeneratedRegex("^[A-Za-z0-9.]{2,16}$")]
    private static partial Regex SymbolPattern();

    [GeneratedRegex("^[A-Za-z0-9.]{1,16}$")]
    private static partial Regex TickerPattern();
}
