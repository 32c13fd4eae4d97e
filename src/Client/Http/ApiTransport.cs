using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Sharemint.Client.Http;

/// <summary>
/// Sends API requests: serialises bodies, signs every attempt afresh, traces each call (<see cref="ActivitySourceName"/>),
/// logs it, and retries transient failures with capped, jittered exponential backoff — but only requests that are safe
/// to repeat (GETs, and requests carrying an Idempotency-Key, which the API applies once).
/// </summary>
public sealed partial class ApiTransport
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>The name of the SDK's <see cref="ActivitySource"/>: one client span per API call, one event per retry.</summary>
    public const string ActivitySourceName = "Sharemint.Client";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    private static readonly HttpStatusCode[] Transient =
        [HttpStatusCode.RequestTimeout, HttpStatusCode.TooManyRequests, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout];

    private readonly HttpClient _http;
    private readonly SharemintClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private RequestSigner? _signer;

    public ApiTransport(HttpClient http, SharemintClientOptions options) : this(http, options, null, null)
    {
    }

    public ApiTransport(HttpClient http, SharemintClientOptions options, ILogger? logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        if (http.BaseAddress is null && options.BaseAddress is not null)
        {
            http.BaseAddress = options.BaseAddress;
        }
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("HttpClient.BaseAddress (or SharemintClientOptions.BaseAddress) must be the API root.", nameof(http));
        }
        if (string.IsNullOrEmpty(options.KeyId) != string.IsNullOrEmpty(options.Secret))
        {
            throw new ArgumentException("Give both KeyId and Secret, or neither.", nameof(options));
        }
        _http = http;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _signer = options.KeyId is { Length: > 0 } keyId ? new RequestSigner(keyId, options.Secret!) : null;
    }

    /// <summary>Signs from now on with <paramref name="secret"/> (after this key was rotated).</summary>
    public void UseSecret(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        var keyId = _signer?.KeyId ?? throw new InvalidOperationException("This client has no key to re-secret.");
        _signer = new RequestSigner(keyId, secret);
    }

    /// <summary>A fresh idempotency key.</summary>
    public static string NewIdempotencyKey() => Guid.NewGuid().ToString("N");

    /// <summary>Sends and reads the JSON answer; throws <see cref="SharemintApiException"/> for a refusal.</summary>
    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken) =>
        (await SendForResponseAsync<T>(method, path, body, idempotencyKey, cancellationToken)).Value;

    /// <summary>Sends and reads the JSON answer with its status and headers; throws <see cref="SharemintApiException"/> for a refusal.</summary>
    public async Task<Response<T>> SendForResponseAsync<T>(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, idempotencyKey, cancellationToken);
        await SharemintApiException.ThrowIfFailedAsync(response, cancellationToken);
        var value = await response.Content.ReadFromJsonAsync<T>(SharemintJson.Options, cancellationToken)
            ?? throw new SharemintApiException(response.StatusCode, "empty_response", "The API answered with no body.");
        return new Response<T>(value, Response.From(response));
    }

    /// <summary>A listing served by cursor from <paramref name="path"/> (which may already carry a query).</summary>
    public AsyncPageable<T> Pageable<T>(string path, CancellationToken cancellationToken) =>
        AsyncPageable<T>.FromPages(async (cursor, size, ct) =>
        {
            var query = new List<string>();
            if (cursor is not null)
            {
                query.Add("cursor=" + Uri.EscapeDataString(cursor));
            }
            if (size is { } limit)
            {
                query.Add("limit=" + limit.ToString(CultureInfo.InvariantCulture));
            }
            var separator = path.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            var response = await SendForResponseAsync<ListPage<T>>(HttpMethod.Get,
                query.Count == 0 ? path : path + separator + string.Join('&', query), null, null, ct);
            var page = response.Value;
            return new Page<T>(page.Data ?? [], page.HasMore ? page.NextCursor : null, response);
        }, cancellationToken);

    /// <summary>Sends with signing and retries; the caller reads (and disposes) the answer.</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), SharemintJson.Options);
        var repeatable = method == HttpMethod.Get || idempotencyKey is not null;
        using var activity = Source.StartActivity("Sharemint " + method.Method, ActivityKind.Client);
        activity?.SetTag("http.request.method", method.Method);
        activity?.SetTag("url.path", path);
        var started = _time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            var canRetry = repeatable && attempt < _options.MaxRetries;
            using var request = new HttpRequestMessage(method, new Uri(_http.BaseAddress!, path));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(bytes);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            }
            if (idempotencyKey is not null)
            {
                request.Headers.TryAddWithoutValidation(IdempotencyHeader, idempotencyKey);
            }
            _signer?.Sign(request, bytes);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            }
            catch (HttpRequestException e) when (canRetry)
            {
                await BackOffAsync(method, path, attempt, null, e.Message, activity, cancellationToken);
                continue;
            }
            catch (TaskCanceledException) when (canRetry && !cancellationToken.IsCancellationRequested)
            {
                // HttpClient's own timeout, not the caller's cancellation.
                await BackOffAsync(method, path, attempt, null, "timed out", activity, cancellationToken);
                continue;
            }
            if (canRetry && IsTransient(response.StatusCode))
            {
                var retryAfter = RetryAfter(response.Headers.RetryAfter);
                var status = (int)response.StatusCode;
                response.Dispose();
                await BackOffAsync(method, path, attempt, retryAfter, "HTTP " + status.ToString(CultureInfo.InvariantCulture), activity, cancellationToken);
                continue;
            }
            activity?.SetTag("http.response.status_code", (int)response.StatusCode);
            activity?.SetTag("sharemint.attempts", attempt + 1);
            if (!response.IsSuccessStatusCode)
            {
                activity?.SetStatus(ActivityStatusCode.Error);
            }
            LogCompleted(_logger, method.Method, path, (int)response.StatusCode, attempt + 1, _time.GetElapsedTime(started).TotalMilliseconds);
            return response;
        }
    }

    /// <summary>
    /// The wait before retry <paramref name="attempt"/> + 1: a uniformly random time up to RetryDelay × 2^attempt ("full
    /// jitter", so that many clients refused together do not come back together), at least the server's Retry-After when
    /// it gave one, and never more than MaxRetryDelay.
    /// </summary>
    public static TimeSpan Backoff(SharemintClientOptions options, int attempt, TimeSpan? retryAfter, double random)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ceiling = Math.Min(options.MaxRetryDelay.TotalMilliseconds, options.RetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        var wait = TimeSpan.FromMilliseconds(ceiling * Math.Clamp(random, 0, 1));
        if (retryAfter is { } after && after > wait)
        {
            wait = after;
        }
        return wait > options.MaxRetryDelay ? options.MaxRetryDelay : wait;
    }

    private async Task BackOffAsync(HttpMethod method, string path, int attempt, TimeSpan? retryAfter, string reason, Activity? activity, CancellationToken cancellationToken)
    {
        var wait = Backoff(_options, attempt, retryAfter, Random.Shared.NextDouble());
        activity?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection { ["reason"] = reason, ["attempt"] = attempt + 1, ["wait_ms"] = wait.TotalMilliseconds }));
        LogRetry(_logger, method.Method, path, reason, attempt + 1, wait.TotalMilliseconds);
        await Task.Delay(wait, _time, cancellationToken);
    }

    private static bool IsTransient(HttpStatusCode status) => Transient.Contains(status);

    /// <summary>Retry-After as a delay (seconds) or an HTTP date, relative to now.</summary>
    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _time.GetUtcNow() is var until && until > TimeSpan.Zero ? until : TimeSpan.Zero,
        _ => null,
    };

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Sharemint {Method} {Path}: {Status} after {Attempts} attempt(s), {ElapsedMs:0.0} ms")]
    private static partial void LogCompleted(ILogger logger, string method, string path, int status, int attempts, double elapsedMs);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Sharemint {Method} {Path}: {Reason}; retry {Attempt} in {WaitMs:0} ms")]
    private static partial void LogRetry(ILogger logger, string method, string path, string reason, int attempt, double waitMs);
}

/// <summary>A page as the API writes it.</summary>
internal sealed record ListPage<T>(
    [property: JsonPropertyName("data")] IReadOnlyList<T>? Data,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("next_cursor")] string? NextCursor);
