using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Sharemint.Orders;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api.Paging;

/// <summary>
/// The query of an order listing (every filter optional, combined with AND). Times are RFC 3339 with an offset;
/// <c>created_from</c> is inclusive and <c>created_before</c> exclusive. Enum values are lower snake case.
/// </summary>
public sealed record OrderListParameters(
    [property: FromQuery(Name = "status")] string? Status,
    [property: FromQuery(Name = "kind")] string? Kind,
    [property: FromQuery(Name = "symbol")] string? Symbol,
    [property: FromQuery(Name = "chain")] string? Chain,
    [property: FromQuery(Name = "created_from")] string? CreatedFrom,
    [property: FromQuery(Name = "created_before")] string? CreatedBefore,
    [property: FromQuery(Name = "client_reference")] string? ClientReference,
    [property: FromQuery(Name = "cursor")] string? Cursor,
    [property: FromQuery(Name = "limit")] string? Limit);

/// <summary>Turns listing parameters into an index query, refusing anything malformed with a stable code.</summary>
public static partial class OrderListing
{
    private static readonly string[] PartnerKeys =
        ["status", "kind", "symbol", "chain", "created_from", "created_before", "client_reference", "cursor", "limit"];

    /// <summary>
    /// The index query for <paramref name="parameters"/>, limited to <paramref name="accountId"/> when given. 400 with
    /// <c>filter_unknown</c> (a parameter this listing does not have, or one given twice), <c>filter_invalid</c>,
    /// <c>status_invalid</c>, <c>kind_invalid</c>, <c>client_reference_invalid</c>, <c>cursor_invalid</c> or
    /// <c>limit_invalid</c>.
    /// </summary>
    public static OrderListQuery Query(HttpContext context, OrderListParameters parameters, string? accountId, params string[] extraKeys)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var (key, values) in context.Request.Query)
        {
            // A misspelt filter silently ignored would list everything: refuse it.
            if (!PartnerKeys.Contains(key, StringComparer.Ordinal) && !extraKeys.Contains(key, StringComparer.Ordinal))
            {
                throw Problem("filter_unknown", $"'{key}' is not a filter of this listing; filters: {string.Join(", ", PartnerKeys.Concat(extraKeys))}.");
            }
            if (values.Count > 1)
            {
                throw Problem("filter_unknown", $"'{key}' is given more than once.");
            }
        }
        var from = Time(parameters.CreatedFrom, "created_from");
        var before = Time(parameters.CreatedBefore, "created_before");
        if (from is not null && before is not null && from >= before)
        {
            throw Problem("filter_invalid", "created_from must be earlier than created_before.");
        }
        return new OrderListQuery(
            AccountId: accountId,
            Status: parameters.Status is null ? null : ApiRoutes.ParseEnum<OrderStatus>(parameters.Status, "status_invalid", "status"),
            Kind: parameters.Kind is null ? null : ApiRoutes.ParseEnum<OrderKind>(parameters.Kind, "kind_invalid", "kind"),
            Symbol: parameters.Symbol is null ? null
                : SymbolPattern().IsMatch(parameters.Symbol) ? parameters.Symbol
                : throw Problem("filter_invalid", "symbol must be 2-16 letters, digits or '.'."),
            Chain: parameters.Chain is null ? null
                : ChainPattern().IsMatch(parameters.Chain) ? parameters.Chain
                : throw Problem("filter_invalid", "chain must be 1-32 lower-case letters, digits or '-'."),
            CreatedFrom: from,
            CreatedBefore: before,
            ClientReference: parameters.ClientReference is null ? null : ClientReferences.Require(parameters.ClientReference),
            After: ListCursor.Decode(parameters.Cursor),
            Limit: Limit(parameters.Limit));
    }

    /// <summary>The page as the API answers it.</summary>
    public static PageView<T> View<T>(OrderListPage page, Func<OrderIndexEntry, T> view)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(view);
        return new PageView<T>(page.Entries.Select(view).ToArray(), page.HasMore, page.Next is { } next ? ListCursor.Encode(next) : null);
    }

    private static int Limit(string? limit) =>
        limit is null ? 50
        : int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 500 ? value
        : throw new ApiProblemException(StatusCodes.Status400BadRequest, "limit_invalid", "limit must be 1-500.");

    private static DateTimeOffset? Time(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }
        // RFC 3339 only: a time without an offset would mean different instants on different machines.
        if (value.Length is < 20 or > 40 || !(value.EndsWith('Z') || value[^6] is '+' or '-')
            || !DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed))
        {
            throw Problem("filter_invalid", $"{field} must be an RFC 3339 time with an offset, e.g. 2026-01-31T14:00:00Z.");
        }
        return parsed.ToUniversalTime();
    }

    private static ApiProblemException Problem(string code, string detail) => new(StatusCodes.Status400BadRequest, code, detail);

    [GeneratedRegex("^[A-Za-z0-9.]{2,16}$")]
    private static partial Regex SymbolPattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex ChainPattern();
}

/// <summary>The partner's own reference for a money-moving request: echoed on the order and searchable.</summary>
public static partial class ClientReferences
{
    /// <summary>1-64 printable ASCII characters without spaces; 400 <c>client_reference_invalid</c> otherwise.</summary>
    public static string Require(string reference) =>
        ReferencePattern().IsMatch(reference)
            ? reference
            : throw new ApiProblemException(StatusCodes.Status400BadRequest, "client_reference_invalid",
                "client_reference must be 1-64 printable ASCII characters without spaces.");

    [GeneratedRegex("^[\\x21-\\x7E]{1,64}$")]
    private static partial Regex ReferencePattern();
}
