using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sharemint.Client.Http;

/// <summary>
/// Sends API requests: serialises bodies, signs every attempt afresh, and retries transient failures — but only
/// requests that are safe to repeat (GETs, and requests carrying an Idempotency-Key, which the API applies once).
/// </summary>
public sealed class ApiTransport
{
    public const string IdempotencyHeader = "Idempotency-Key";

    private static readonly HttpStatusCode[] Transient =
        [HttpStatusCode.RequestTimeout, HttpStatusCode.TooManyRequests, HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout];

    private readonly HttpClient _http;
    private readonly SharemintClientOptions _options;
    private RequestSigner? _signer;

    public ApiTransport(HttpClient http, SharemintClientOptions options)
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
    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(method, path, body, idempotencyKey, cancellationToken);
        await SharemintApiException.ThrowIfFailedAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(SharemintJson.Options, cancellationToken)
            ?? throw new SharemintApiException(response.StatusCode, "empty_response", "The API answered with no body.");
    }

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
                query.Add("limit=" + limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
        var bytes = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), SharemintJson.Options);
        var repeatable = method == HttpMethod.Get || idempotencyKey is not null;
        var delay = _options.RetryDelay;
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
            catch (HttpRequestException) when (canRetry)
            {
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
                continue;
            }
            catch (TaskCanceledException) when (canRetry && !cancellationToken.IsCancellationRequested)
            {
                // HttpClient's own timeout, not the caller's cancellation.
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
                continue;
            }
            if (canRetry && Transient.Contains(response.StatusCode))
            {
                var wait = response.Headers.RetryAfter?.Delta is { } retryAfter && retryAfter > delay ? retryAfter : delay;
                response.Dispose();
                await Task.Delay(wait, cancellationToken);
                delay *= 2;
                continue;
            }
            return response;
        }
    }
}

/// <summary>A page as the API writes it.</summary>
internal sealed record ListPage<T>(
    [property: JsonPropertyName("data")] IReadOnlyList<T>? Data,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("next_cursor")] string? NextCursor);
