using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sharemint.Chains.Tron;

/// <summary>
/// POSTs JSON to a Tron full node's HTTP API (/wallet/*, /walletsolidity/*). HTTP 429 and 503 are retried a bounded
/// number of times, honouring Retry-After, with jittered backoff; a node's {"Error": …} answer becomes NodeError. With
/// fallback endpoints (other providers of the same chain), a node that cannot be reached, does not answer in time or
/// answers an HTTP error moves the client to the next one, for this request and the ones after it. Every request may
/// be repeated: reads have no effect, and a broadcast of the same signed bytes is the same txID (a duplicate is success).
/// </summary>
public sealed class TronHttpClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly int _maxAttempts;
    private readonly Uri[] _endpoints;
    private int _current;
    private int _failovers;

    public TronHttpClient(Uri endpoint, TimeSpan? timeout = null, int maxAttempts = 5, HttpClient? http = null, IReadOnlyList<Uri>? fallbacks = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        _endpoints = [endpoint, .. (fallbacks ?? []).Where(f => f != endpoint)];
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(20) };
        _maxAttempts = Math.Max(1, maxAttempts);
    }

    /// <summary>The endpoint requests go to now (moves on after a transport failure when there are fallbacks).</summary>
    public Uri Endpoint => _endpoints[Volatile.Read(ref _current) % _endpoints.Length];

    /// <summary>Times this client moved to the next endpoint.</summary>
    public int Failovers => Volatile.Read(ref _failovers);

    /// <summary>Requests answered 429/503 and retried since this client was made (for tests and metrics).</summary>
    public int ThrottledRetries { get; private set; }

    public async Task<JsonNode> PostAsync(string path, object body, CancellationToken cancellationToken = default)
    {
        var moves = 0;
        for (var attempt = 1; ; attempt++)
        {
            var index = Volatile.Read(ref _current);
            var endpoint = _endpoints[index % _endpoints.Length];
            HttpResponseMessage response;
            try
            {
                response = await _http.PostAsJsonAsync(new Uri(endpoint, path), body, cancellationToken);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                if (MoveOn(index, ref moves)) continue;
                throw new TronException(TronErrorCode.Timeout, $"{path}: no answer from {endpoint} in time", e);
            }
            catch (HttpRequestException e)
            {
                if (MoveOn(index, ref moves)) continue;
                throw new TronException(TronErrorCode.ConnectionFailed, $"{path}: cannot reach {endpoint}: {e.Message}", e);
            }
            using (response)
            {
                if ((int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.ServiceUnavailable && MoveOn(index, ref moves))
                {
                    continue;
                }
                if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < _maxAttempts)
                {
                    ThrottledRetries++;
                    await Task.Delay(RetryDelay(response, attempt), cancellationToken);
                    continue;
                }
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                    throw new TronException(TronErrorCode.HttpStatus, $"{path}: HTTP {(int)response.StatusCode} from {endpoint}: {Truncate(text)}");
                JsonNode? node;
                try
                {
                    node = JsonNode.Parse(string.IsNullOrWhiteSpace(text) ? "{}" : text);
                }
                catch (JsonException e)
                {
                    throw new TronException(TronErrorCode.MalformedResponse, $"{path}: not JSON: {Truncate(text)}", e);
                }
                if (node is JsonObject obj && obj["Error"] is JsonNode error)
                    throw new TronException(TronErrorCode.NodeError, $"{path}: {error}");
                return node ?? new JsonObject();
            }
        }
    }

    /// <summary>Moves past the failed endpoint, at most once per other endpoint in one request; false when none is left.</summary>
    private bool MoveOn(int failed, ref int moves)
    {
        if (moves >= _endpoints.Length - 1)
        {
            return false;
        }
        moves++;
        if (Interlocked.CompareExchange(ref _current, failed + 1, failed) == failed)
        {
            Interlocked.Increment(ref _failovers);
        }
        return true;
    }

    private static TimeSpan RetryDelay(HttpResponseMessage response, int attempt)
    {
        var hinted = response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        var backoff = TimeSpan.FromMilliseconds(100 * Math.Pow(2, attempt - 1) * (0.5 + Random.Shared.NextDouble()));
        var delay = hinted is { } h && h > backoff ? h : backoff;
        return delay > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : delay;
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
