using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api.Security;

/// <summary>
/// Guards every route under <c>/v1</c> and <c>/admin/v1</c>, cheapest refusal first:
/// <list type="number">
/// <item>the client address's rate limit (429), before anything is read;</item>
/// <item>the declared body size (413) before a byte is buffered, and the actual size while reading;</item>
/// <item>the signature headers' presence and shape, the timestamp's skew window (401);</item>
/// <item>the address's budget of failed authentications (429): a source of bad signatures stops reaching the key store;</item>
/// <item>the key (from a short-lived cache, else PostgreSQL) and the HMAC, under the current secret or, during a rotation
/// overlap, the previous one: an unknown key, a revoked key and a bad signature get the same answer, 401
/// <c>signature_invalid</c>; the log says which;</item>
/// <item>the key's address allow-list, kind, role and scopes (403); the key's rate limit (429);</item>
/// <item>the nonce, recorded once per key across all silos (401 <c>signature_replayed</c> on reuse).</item>
/// </list>
/// Secrets and signatures are never logged.
/// </summary>
public sealed class SignatureMiddleware(
    RequestDelegate next, ApiKeyCache keys, ReplayGuard replays, ApiRateLimiter limiter, ApiDatabaseCounter counter,
    IOptions<ApiOptions> options, TimeProvider clock, ILogger<SignatureMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!ApiRoutes.IsApiPath(path))
        {
            await next(context);
            return;
        }
        var address = context.Connection.RemoteIpAddress;
        var addressKey = "ip:" + address;
        // Before routing's answer, the body, the headers or any key: the cheapest refusal there is.
        RateLimit(context, limiter.AcquireForAddress(addressKey));

        var endpoint = context.GetEndpoint();
        if (endpoint is null || IsMethodMismatch(endpoint))
        {
            // Unknown route or method: let routing answer 404/405 (as problem+json) without touching keys.
            await next(context);
            return;
        }
        // An API endpoint that forgot to say who may call it gets the strictest rule, never none.
        var access = endpoint.Metadata.GetMetadata<ApiAccess>()
            ?? (path.StartsWithSegments(ApiRoutes.AdminPrefix) ? ApiAccess.Operator(OperatorRole.Admin) : ApiAccess.Partner);

        var request = context.Request;
        var max = options.Value.MaxRequestBodyBytes;
        if (request.ContentLength > max)
        {
            throw Refuse(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"Request bodies are limited to {max} bytes.");
        }
        // Kestrel stops a chunked body at the limit too, so nothing larger is ever read into memory.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = max;
        }

        var keyHeader = request.Headers[RequestSignature.KeyHeader];
        if (access.Kind is null && StringValues.IsNullOrEmpty(keyHeader))
        {
            await next(context);
            return;
        }

        var keyId = Single(request.Headers, RequestSignature.KeyHeader);
        var timestamp = Single(request.Headers, RequestSignature.TimestampHeader);
        var nonce = Single(request.Headers, RequestSignature.NonceHeader);
        var signatureHex = Single(request.Headers, RequestSignature.SignatureHeader);
        if (keyId is null || timestamp is null || nonce is null || signatureHex is null)
        {
            throw Refuse(StatusCodes.Status401Unauthorized, "signature_missing",
                $"Sign the request: one each of {RequestSignature.KeyHeader}, {RequestSignature.TimestampHeader}, {RequestSignature.NonceHeader} and {RequestSignature.SignatureHeader} is required.");
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var millis))
        {
            throw Refuse(StatusCodes.Status401Unauthorized, "timestamp_invalid", $"{RequestSignature.TimestampHeader} must be Unix time in milliseconds.");
        }
        var now = clock.GetUtcNow();
        if (Math.Abs(now.ToUnixTimeMilliseconds() - millis) > options.Value.ClockSkewSeconds * 1000L)
        {
            throw Refuse(StatusCodes.Status401Unauthorized, "timestamp_expired", $"The request timestamp is more than {options.Value.ClockSkewSeconds} s from the server clock.");
        }
        if (!RequestSignature.IsValidNonce(nonce))
        {
            throw Refuse(StatusCodes.Status401Unauthorized, "nonce_invalid", $"{RequestSignature.NonceHeader} must be 16-64 letters, digits, '-' or '_', random per request.");
        }
        // The idempotency key is signed, so it is checked here: malformed or repeated, it cannot be signed unambiguously.
        var idempotencyKey = ApiRoutes.OptionalIdempotencyKey(context) ?? "";
        var signature = RequestSignature.ParseSignature(signatureHex);

        // A source that keeps failing is refused here, before it costs a key lookup.
        if (!limiter.HasFailuresLeft(addressKey))
        {
            context.Response.Headers.RetryAfter = "1";
            throw Refuse(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many failed authentications from this address; retry after 1 s.");
        }

        var body = await ReadBodyAsync(context, max);
        if (HasNul(body))
        {
            // PostgreSQL cannot store U+0000 in text or jsonb; refused here rather than failing in a grain's write.
            throw Refuse(StatusCodes.Status400BadRequest, "string_invalid", "Strings in the body may not contain NUL (U+0000).");
        }
        ApiKeyCredentials? record = null;
        string? failure = null;
        if (signature is null)
        {
            failure = "malformed signature";
        }
        else if (!ApiKeyStore.IsValidKeyId(keyId))
        {
            failure = "malformed key id";
        }
        else
        {
            record = await keys.FindAsync(keyId, context.RequestAborted);
            var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.PathBase + request.Path + request.QueryString).ToString();
            var canonical = RequestSignature.CanonicalString(timestamp, nonce, request.Method, target, idempotencyKey, body);
            failure = record switch
            {
                null => "unknown key",
                { Key.IsRevoked: true } => "revoked key",
                _ when !record.SecretsAt(now).Any(secret => RequestSignature.Verify(secret, canonical, signature)) => "signature mismatch",
                _ => null,
            };
        }
        if (failure is not null)
        {
            // Consumed, not checked: the budget is read before this address's next lookup.
            limiter.SpendFailure(addressKey);
            // One answer for every case, so a caller cannot probe which key ids exist; the log keeps the difference.
            logger.LogInformation("Refused API request {Method} {Path} from {Address} with key id {KeyId}: {Reason}",
                request.Method, path, address, Printable(keyId), failure);
            throw Refuse(StatusCodes.Status401Unauthorized, "signature_invalid", "Unknown or revoked API key, or the signature does not match the request.");
        }

        var key = record!.Key;
        if (!key.AllowsAddress(address))
        {
            logger.LogWarning("Refused API request from {Address} with key {KeyId}: address not on the key's allow-list", address, key.KeyId);
            throw Refuse(StatusCodes.Status403Forbidden, "address_not_allowed", "This key may not be used from this address.");
        }
        if (access.Kind == ApiKeyKind.Operator && key.Kind != ApiKeyKind.Operator)
        {
            throw Refuse(StatusCodes.Status403Forbidden, "operator_key_required", "Operator routes refuse partner keys.");
        }
        if (access.Kind == ApiKeyKind.Partner && key.Kind != ApiKeyKind.Partner)
        {
            throw Refuse(StatusCodes.Status403Forbidden, "partner_key_required", "Partner routes need a partner key.");
        }
        if (access.Kind == ApiKeyKind.Operator && key.Role < access.MinimumRole)
        {
            throw Refuse(StatusCodes.Status403Forbidden, "role_insufficient", $"This route needs the {ApiKeyStore.RoleName(access.MinimumRole)} role or higher.");
        }
        if (key.Kind == ApiKeyKind.Partner && access.Kind == ApiKeyKind.Partner)
        {
            var needed = endpoint.Metadata.GetMetadata<ApiScopeRequirement>()?.Scopes ?? ApiScope.All;
            if ((key.Scopes & needed) != needed)
            {
                throw Refuse(StatusCodes.Status403Forbidden, "scope_insufficient",
                    $"This route needs a key with the {string.Join(", ", ApiKeyStore.ScopeNames(needed))} scope.");
            }
        }

        RateLimit(context, limiter.AcquireForKey("key:" + key.KeyId));
        if (!await replays.TryRecordAsync(key.KeyId, nonce, context.RequestAborted))
        {
            throw Refuse(StatusCodes.Status401Unauthorized, "signature_replayed", "This nonce was already used with this key; sign every request afresh with a new nonce.");
        }

        context.Items[ApiPrincipal.ItemKey] = new ApiPrincipal(key.KeyId, key.Kind, key.AccountId, key.Role, key.Scopes);
        await next(context);
    }

    /// <summary>A raw NUL byte or a JSON <c>\u0000</c> escape anywhere in the body.</summary>
    private static bool HasNul(ReadOnlySpan<byte> body)
    {
        if (body.IndexOf((byte)0) >= 0)
        {
            return true;
        }
        var from = 0;
        while (body[from..].IndexOf("\\u"u8) is var relative and >= 0)
        {
            var at = from + relative;
            if (body.Length >= at + 6 && body.Slice(at + 2, 4).SequenceEqual("0000"u8))
            {
                // A backslash escaped before it (JSON text \\\\u0000) is not a NUL: only an odd run of backslashes starts an escape.
                var run = 0;
                while (at - run >= 0 && body[at - run] == (byte)'\\')
                {
                    run++;
                }
                if (run % 2 == 1)
                {
                    return true;
                }
            }
            from = at + 1;
        }
        return false;
    }

    private static bool IsMethodMismatch(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<ApiAccess>() is null && endpoint.DisplayName?.StartsWith("405 ", StringComparison.Ordinal) == true;

    /// <summary>The header's only value; null when absent, empty or sent more than once.</summary>
    private static string? Single(IHeaderDictionary headers, string name) =>
        headers[name] is { Count: 1 } values && !string.IsNullOrEmpty(values[0]) ? values[0] : null;

    /// <summary>A key id as it may appear in a log line: bounded and printable.</summary>
    private static string Printable(string keyId)
    {
        var shown = keyId.Length > 64 ? keyId[..64] : keyId;
        return string.Concat(shown.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '?'));
    }

    private void RateLimit(HttpContext context, RateLimitLease lease)
    {
        if (lease.IsAcquired)
        {
            lease.Dispose();
            return;
        }
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        lease.Dispose();
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        throw Refuse(StatusCodes.Status429TooManyRequests, "rate_limited", $"Too many requests; retry after {seconds} s.");
    }

    private static async Task<byte[]> ReadBodyAsync(HttpContext context, int max)
    {
        var request = context.Request;
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"Request bodies are limited to {max} bytes.");
                }
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException bad) when (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"Request bodies are limited to {max} bytes.");
        }
        var bytes = buffer.ToArray();
        // The endpoint reads the same bytes that were hashed.
        request.Body = new MemoryStream(bytes, writable: false);
        return bytes;
    }

    private ApiProblemException Refuse(int status, string code, string message)
    {
        counter.Refused(code);
        return new ApiProblemException(status, code, message);
    }
}

/// <summary>
/// Token buckets: per client address (every API request, checked first), per address for failed authentications
/// (checked before a key lookup, consumed by each failure), and per key (after authentication).
/// </summary>
public sealed class ApiRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _addresses;
    private readonly FailureBudget _failures;
    private readonly PartitionedRateLimiter<string> _keys;

    public ApiRateLimiter(IOptions<ApiOptions> options)
    {
        var api = options.Value;
        _addresses = Create(api.AddressRateLimitBurst, api.AddressRateLimitPerSecond);
        _failures = new FailureBudget(Math.Max(1, api.AuthFailureBurst), Math.Max(1, api.AuthFailuresPerSecond));
        _keys = Create(api.RateLimitBurst, api.RateLimitPerSecond);
    }

    private static PartitionedRateLimiter<string> Create(int burst, int perSecond) =>
        PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, burst),
            TokensPerPeriod = Math.Max(1, perSecond),
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>Takes one permit from the address's bucket, without waiting.</summary>
    public RateLimitLease AcquireForAddress(string address) => _addresses.AttemptAcquire(address);

    /// <summary>Whether the address has failed authentications left (takes nothing).</summary>
    public bool HasFailuresLeft(string address) => _failures.HasLeft(address);

    /// <summary>Spends one of the address's failed authentications.</summary>
    public void SpendFailure(string address) => _failures.Spend(address);

    /// <summary>Takes one permit from the key's bucket, without waiting.</summary>
    public RateLimitLease AcquireForKey(string key) => _keys.AttemptAcquire(key);

    public void Dispose()
    {
        _addresses.Dispose();
        _keys.Dispose();
    }

    /// <summary>
    /// A token bucket per address that is read without spending (before a key lookup) and spent only by a failure; the
    /// framework's limiters have no reliable "peek". Bounded: addresses whose bucket refilled completely are dropped.
    /// </summary>
    private sealed class FailureBudget(int burst, int perSecond)
    {
        private readonly Dictionary<string, (double Tokens, long At)> _buckets = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public bool HasLeft(string address)
        {
            lock (_lock)
            {
                return Refilled(address, System.Diagnostics.Stopwatch.GetTimestamp()) >= 1;
            }
        }

        public void Spend(string address)
        {
            lock (_lock)
            {
                var now = System.Diagnostics.Stopwatch.GetTimestamp();
                _buckets[address] = (Math.Max(0, Refilled(address, now) - 1), now);
                if (_buckets.Count > 100_000)
                {
                    foreach (var (key, _) in _buckets.Where(b => b.Value.Tokens + Elapsed(b.Value.At, now) * perSecond >= burst).ToList())
                    {
                        _buckets.Remove(key);
                    }
                }
            }
        }

        private double Refilled(string address, long now) =>
            _buckets.TryGetValue(address, out var bucket) ? Math.Min(burst, bucket.Tokens + Elapsed(bucket.At, now) * perSecond) : burst;

        private static double Elapsed(long from, long to) => (to - from) / (double)System.Diagnostics.Stopwatch.Frequency;
    }
}
