using System.Globalization;
using System.Security.Cryptography;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api.Security;

/// <summary>
/// Guards every route under <c>/v1</c> and <c>/admin/v1</c>, in this order: body size (413), signature headers, timestamp
/// within the skew window, known and unrevoked key, HMAC, key kind and role for the route, per-key rate limit (429 with
/// Retry-After), and finally the replay check (a signature accepted once is refused everywhere). The body is buffered so
/// the endpoint can read it after it was hashed. Secrets and signatures are never logged.
/// </summary>
public sealed class SignatureMiddleware(
    RequestDelegate next, ApiKeyStore keys, ReplayGuard replays, ApiRateLimiter limiter, IOptions<ApiOptions> options, TimeProvider clock)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!ApiRoutes.IsApiPath(path))
        {
            await next(context);
            return;
        }
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

        var body = await ReadBodyAsync(context);
        var request = context.Request;
        var keyId = request.Headers[RequestSignature.KeyHeader].ToString();
        if (access.Kind is null && string.IsNullOrEmpty(keyId))
        {
            await RateLimitAsync(context, "ip:" + context.Connection.RemoteIpAddress);
            await next(context);
            return;
        }

        var timestamp = request.Headers[RequestSignature.TimestampHeader].ToString();
        var signature = request.Headers[RequestSignature.SignatureHeader].ToString();
        if (string.IsNullOrEmpty(keyId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            throw Unauthorized("signature_missing",
                $"Sign the request: {RequestSignature.KeyHeader}, {RequestSignature.TimestampHeader} and {RequestSignature.SignatureHeader} are required.");
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var millis))
        {
            throw Unauthorized("timestamp_invalid", $"{RequestSignature.TimestampHeader} must be Unix time in milliseconds.");
        }
        var skew = TimeSpan.FromSeconds(options.Value.ClockSkewSeconds);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (Math.Abs(now - millis) > skew.TotalMilliseconds)
        {
            throw Unauthorized("timestamp_expired", $"The request timestamp is more than {options.Value.ClockSkewSeconds} s from the server clock.");
        }
        if (!ApiKeyStore.IsValidKeyId(keyId))
        {
            throw Unauthorized("key_invalid", "Unknown or revoked API key.");
        }

        (ApiKeyInfo Key, string Secret)? found;
        try
        {
            found = await keys.FindWithSecretAsync(keyId, context.RequestAborted);
        }
        catch (CryptographicException)
        {
            // Stored under another encryption key (or tampered with): the key cannot be used.
            found = null;
        }
        if (found is not { } record || record.Key.IsRevoked)
        {
            throw Unauthorized("key_invalid", "Unknown or revoked API key.");
        }
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.PathBase + request.Path + request.QueryString).ToString();
        if (!RequestSignature.Verify(record.Secret, timestamp, request.Method, target, body, signature))
        {
            throw Unauthorized("signature_invalid", "The signature does not match the request.");
        }

        var key = record.Key;
        if (access.Kind == ApiKeyKind.Operator && key.Kind != ApiKeyKind.Operator)
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, "operator_key_required", "Operator routes refuse partner keys.");
        }
        if (access.Kind == ApiKeyKind.Partner && key.Kind != ApiKeyKind.Partner)
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, "partner_key_required", "Partner routes need a partner key.");
        }
        if (access.Kind == ApiKeyKind.Operator && key.Role < access.MinimumRole)
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, "role_insufficient",
                $"This route needs the {ApiKeyStore.RoleName(access.MinimumRole)} role or higher.");
        }

        await RateLimitAsync(context, "key:" + key.KeyId);
        if (!await replays.TryRecordAsync(signature.ToLowerInvariant(), key.KeyId, context.RequestAborted))
        {
            throw Unauthorized("signature_replayed", "This signature was already used; sign every request afresh.");
        }

        context.Items[ApiPrincipal.ItemKey] = new ApiPrincipal(key.KeyId, key.Kind, key.AccountId, key.Role);
        await next(context);
    }

    private static bool IsMethodMismatch(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<ApiAccess>() is null && endpoint.DisplayName?.StartsWith("405 ", StringComparison.Ordinal) == true;

    private Task RateLimitAsync(HttpContext context, string partition)
    {
        using var lease = limiter.Acquire(partition);
        if (lease.IsAcquired)
        {
            return Task.CompletedTask;
        }
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        throw new ApiProblemException(StatusCodes.Status429TooManyRequests, "rate_limited", $"Too many requests; retry after {seconds} s.");
    }

    private async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        var max = options.Value.MaxRequestBodyBytes;
        var request = context.Request;
        if (request.ContentLength > max)
        {
            throw TooLarge(max);
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw TooLarge(max);
            }
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.ToArray();
        // The endpoint reads the same bytes that were hashed.
        request.Body = new MemoryStream(bytes, writable: false);
        return bytes;
    }

    private static ApiProblemException TooLarge(int max) =>
        new(StatusCodes.Status413PayloadTooLarge, "payload_too_large", $"Request bodies are limited to {max} bytes.");

    private static ApiProblemException Unauthorized(string code, string message) => new(StatusCodes.Status401Unauthorized, code, message);
}

/// <summary>Per-key token buckets (anonymous public calls are limited per client address).</summary>
public sealed class ApiRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public ApiRateLimiter(IOptions<ApiOptions> options)
    {
        var burst = Math.Max(1, options.Value.RateLimitBurst);
        var perSecond = Math.Max(1, options.Value.RateLimitPerSecond);
        _limiter = PartitionedRateLimiter.Create<string, string>(partition => RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Takes one permit from the partition's bucket, without waiting.</summary>
    public RateLimitLease Acquire(string partition) => _limiter.AttemptAcquire(partition);

    public void Dispose() => _limiter.Dispose();
}
