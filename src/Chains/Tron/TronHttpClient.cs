using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sharemint.Chains.Tron;

/// <summary>
/// POSTs JSON to a Tron full node's HTTP API (/wallet/*, /walletsolidity/*). HTTP 429 and 503 are retried a bounded
/// number of times, honouring Retry-After, with jittered backoff; a node's {"Error": …} answer becomes NodeError.
/// </summary>
public sealed class TronHttpClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly int _maxAttempts;

    public TronHttpClient(Uri endpoint, TimeSpan? timeout = null, int maxAttempts = 5, HttpClient? http = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
        _ownsHttp = http is null;
        _http = http ?? new HttpClient { Timeout = timeout ?? TimeSpan.FromSeconds(20) };
        _maxAttempts = Math.Max(1, maxAttempts);
    }

    public Uri Endpoint { get; }

    /// <summary>Requests answered 429/503 and retried since this client was made (for tests and metrics).</summary>
    public int ThrottledRetries { get; private set; }

    public async Task<JsonNode> PostAsync(string path, object body, CancellationToken cancellationToken = default)
    {
        var uri = new Uri(Endpoint, path);
        for (var attempt = 1; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.PostAsJsonAsync(uri, body, cancellationToken);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TronException(TronErrorCode.Timeout, $"{path}: no answer from {Endpoint} in time", e);
            }
            catch (HttpRequestException e)
            {
                throw new TronException(TronErrorCode.ConnectionFailed, $"{path}: cannot reach {Endpoint}: {e.Message}", e);
            }
            using (response)
            {
                if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < _maxAttempts)
                {
                    ThrottledRetries++;
                    await Task.Delay(RetryDelay(response, attempt), cancellationToken);
                    continue;
                }
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                if (!response.IsSuccessStatusCode)
                    throw new TronException(TronErrorCode.HttpStatus, $"{path}: HTTP {(int)response.StatusCode} from {Endpoint}: {Truncate(text)}");
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
