using System.Collections;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Sharemint.Chains.Evm;

/// <summary>Options of <see cref="JsonRpcClient"/>.</summary>
public sealed record JsonRpcClientOptions
{
    /// <summary>Time allowed for one HTTP attempt (request and full response).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Extra attempts for idempotent reads after a transport failure (never for writes, never after a node error).</summary>
    public int ReadRetries { get; init; } = 2;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Further endpoints of the same chain (other providers). A transport failure (no connection, no answer in time, an
    /// HTTP error status) moves the client to the next endpoint, for this call's retries and for the calls after it.
    /// </summary>
    public IReadOnlyList<Uri> FallbackEndpoints { get; init; } = [];

    /// <summary>
    /// Extra attempts after HTTP 429 (any method: the provider refused the request unprocessed) or 503 (idempotent methods),
    /// each after the provider's Retry-After or an exponential backoff with jitter, whichever is longer.
    /// </summary>
    public int RateLimitRetries { get; init; } = 4;

    /// <summary>The first backoff after a 429/503 without Retry-After; it doubles per attempt, jittered by ±50 %.</summary>
    public TimeSpan RateLimitBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest single wait for a rate limit, whatever Retry-After asks (a provider asking for minutes is down).</summary>
    public TimeSpan MaxRateLimitWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Methods that may be repeated without effect. <c>eth_sendRawTransaction</c> is deliberately absent: the sender rebroadcasts itself.</summary>
    public IReadOnlySet<string> IdempotentMethods { get; init; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "eth_chainId", "eth_blockNumber", "eth_getBalance", "eth_getTransactionCount", "eth_call", "eth_estimateGas",
        "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory", "eth_getBlockByNumber", "eth_getBlockByHash",
        "eth_getTransactionReceipt", "eth_getTransactionByHash", "eth_getLogs", "eth_getCode", "net_version",
    };
}

/// <summary>One call in a batch.</summary>
public sealed record JsonRpcRequest(string Method, params object?[] Parameters);

/// <summary>One answer of a batch: either <see cref="Result"/> or <see cref="Error"/>.</summary>
public sealed record JsonRpcResponse(JsonElement Result, JsonRpcException? Error)
{
    public JsonElement GetResultOrThrow() => Error is null ? Result : throw Error;
}

/// <summary>
/// JSON-RPC 2.0 over HTTP. Node errors surface as <see cref="JsonRpcException"/> with the node's code and message;
/// transport problems as <see cref="EvmRpcTransportException"/> (RpcTimeout, RpcConnectionFailed, RpcHttpStatus,
/// RpcMalformedResponse). Only idempotent methods are retried after transport problems, on the next configured endpoint
/// when there are several; a 429 is waited out and retried for any method (Retry-After honoured, jittered backoff).
/// Caller cancellation surfaces as <see cref="OperationCanceledException"/>. Thread-safe.
/// </summary>
public sealed class JsonRpcClient : IDisposable
{
    private readonly RpcEndpointSet _endpoints;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private long _nextId;
    private long _rateLimited;

    public JsonRpcClient(Uri endpoint, JsonRpcClientOptions? options = null, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Options = options ?? new JsonRpcClientOptions();
        _endpoints = new RpcEndpointSet(endpoint, Options.FallbackEndpoints);
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public JsonRpcClientOptions Options { get; }
    /// <summary>The configured first endpoint.</summary>
    public Uri Endpoint => _endpoints.Primary;

    /// <summary>The endpoint calls go to now (moves on after transport failures).</summary>
    public Uri CurrentEndpoint => _endpoints.Current;

    /// <summary>Requests answered 429/503 and waited out since this client was made.</summary>
    public long RateLimitedRequests => Interlocked.Read(ref _rateLimited);

    /// <summary>Times this client moved to the next endpoint after a transport failure.</summary>
    public long Failovers => _endpoints.Failovers;

    /// <summary>Calls one method and returns its <c>result</c> (a detached element, valid after the call).</summary>
    public async Task<JsonElement> CallAsync(string method, object?[] parameters, CancellationToken cancellationToken = default)
    {
        var responses = await SendAsync([new JsonRpcRequest(method, parameters)], batch: false, cancellationToken);
        return responses[0].GetResultOrThrow();
    }

    /// <summary>
    /// Sends several calls in one HTTP request; answers come back in request order. Each answer carries its own node error;
    /// a transport failure fails the whole batch. Retried only when every method in it is idempotent.
    /// </summary>
    public Task<IReadOnlyList<JsonRpcResponse>> BatchAsync(IReadOnlyList<JsonRpcRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0) return Task.FromResult<IReadOnlyList<JsonRpcResponse>>([]);
        return SendAsync(requests, batch: true, cancellationToken);
    }

    private async Task<IReadOnlyList<JsonRpcResponse>> SendAsync(IReadOnlyList<JsonRpcRequest> requests, bool batch, CancellationToken cancellationToken)
    {
        var label = batch ? $"batch[{string.Join(",", requests.Select(r => r.Method))}]" : requests[0].Method;
        var retryable = requests.All(r => Options.IdempotentMethods.Contains(r.Method));
        // With several endpoints a read gets at least one try on each.
        var attempts = retryable ? 1 + Math.Max(Math.Max(0, Options.ReadRetries), _endpoints.Count - 1) : 1;
        var waits = 0;
        for (var attempt = 1; ; attempt++)
        {
            var ids = requests.Select(_ => Interlocked.Increment(ref _nextId)).ToArray();
            var body = WriteBody(requests, ids, batch);
            var index = _endpoints.Position;
            try
            {
                var json = await PostAsync(_endpoints.At(index), label, body, cancellationToken);
                return ParseResponses(label, requests, ids, json, batch);
            }
            catch (EvmRpcTransportException e) when (e.HttpStatus is 429 || (e.HttpStatus is 503 && retryable))
            {
                // Refused unprocessed: wait as asked (or back off) and ask again; another endpoint is tried when there is one.
                if (waits >= Options.RateLimitRetries) throw;
                waits++;
                attempt--;
                Interlocked.Increment(ref _rateLimited);
                _endpoints.MoveOn(index);
                await Task.Delay(RpcEndpointSet.RateLimitWait(waits, e.RetryAfter, Options.RateLimitBackoff, Options.MaxRateLimitWait), cancellationToken);
            }
            catch (EvmRpcTransportException e) when (e.Code is EvmErrorCode.RpcConnectionFailed or EvmErrorCode.RpcTimeout or EvmErrorCode.RpcHttpStatus)
            {
                _endpoints.MoveOn(index);
                if (attempt >= attempts) throw;
                await Task.Delay(Options.RetryDelay, cancellationToken);
            }
            catch (EvmRpcTransportException) when (attempt < attempts)
            {
                await Task.Delay(Options.RetryDelay, cancellationToken);
            }
        }
    }


    private async Task<string> PostAsync(Uri endpoint, string label, byte[] body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.RequestTimeout);
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _http.PostAsync(endpoint, content, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                // Some nodes send a JSON-RPC error with a non-2xx status; keep it when it parses (not for 429/503: those are refusals).
                var status = (int)response.StatusCode;
                if (status is not (429 or 503) && LooksLikeJson(text)) return text;
                var hinted = response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
                throw new EvmRpcTransportException(EvmErrorCode.RpcHttpStatus, label, $"HTTP {status} {response.ReasonPhrase} from {endpoint.Authority}")
                {
                    HttpStatus = status,
                    RetryAfter = hinted is { } h && h > TimeSpan.Zero ? h : null,
                };
            }
            return text;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EvmRpcTransportException(EvmErrorCode.RpcTimeout, label, $"no answer within {Options.RequestTimeout.TotalMilliseconds:0} ms");
        }
        catch (HttpRequestException e)
        {
            throw new EvmRpcTransportException(EvmErrorCode.RpcConnectionFailed, label, $"connection failed: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new EvmRpcTransportException(EvmErrorCode.RpcConnectionFailed, label, $"connection dropped: {e.Message}", e);
        }
    }

    private static bool LooksLikeJson(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        return trimmed.Length > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && text.Contains("\"jsonrpc\"", StringComparison.Ordinal);
    }

    private static IReadOnlyList<JsonRpcResponse> ParseResponses(string label, IReadOnlyList<JsonRpcRequest> requests, long[] ids, string json, bool batch)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, label, $"the answer is not JSON: '{Shorten(json)}'", e);
        }
        using (document)
        {
            var root = document.RootElement;
            var byId = new Dictionary<long, JsonElement>();
            if (batch && root.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in root.EnumerateArray()) AddById(label, item, byId, json);
            }
            else if (root.ValueKind == JsonValueKind.Object)
            {
                // A node may answer a whole batch with one error object (e.g. batches disabled); apply it to every call.
                if (batch)
                {
                    var error = ReadError(label, requests[0].Method, root, json)
                        ?? throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, label, $"a batch was answered by a single object: '{Shorten(json)}'");
                    return requests.Select(r => new JsonRpcResponse(default, new JsonRpcException(r.Method, error.NodeCode, error.NodeMessage, error.NodeData))).ToList();
                }
                AddById(label, root, byId, json);
            }
            else
            {
                throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, label, $"unexpected JSON-RPC answer: '{Shorten(json)}'");
            }

            var responses = new List<JsonRpcResponse>(requests.Count);
            for (var i = 0; i < requests.Count; i++)
            {
                if (!byId.TryGetValue(ids[i], out var item))
                    throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, label, $"no answer for request id {ids[i]} in '{Shorten(json)}'");
                var error = ReadError(label, requests[i].Method, item, json);
                if (error is not null)
                {
                    responses.Add(new JsonRpcResponse(default, error));
                    continue;
                }
                if (!item.TryGetProperty("result", out var result))
                    throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, label, $"answer has neither result nor error: '{Shorten(json)}'");
                responses.Add(new JsonRpcResponse(result.Clone(), null));
            }
            return responses;
        }
    }

    private static void AddById(string label, JsonElement item, Dictionary<long, JsonElement> byId, string json)
    {
        if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt64(out var value))
            throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, label, $"answer without a numeric id: '{Shorten(json)}'");
        byId[value] = item;
    }

    private static JsonRpcException? ReadError(string label, string method, JsonElement item, string json)
    {
        if (!item.TryGetProperty("error", out var error) || error.ValueKind == JsonValueKind.Null) return null;
        if (error.ValueKind != JsonValueKind.Object || !error.TryGetProperty("code", out var code) || !code.TryGetInt64(out var codeValue))
            throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, label, $"malformed error object: '{Shorten(json)}'");
        var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "";
        string? data = error.TryGetProperty("data", out var d) && d.ValueKind != JsonValueKind.Null
            ? d.ValueKind == JsonValueKind.String ? d.GetString() : d.GetRawText()
            : null;
        return new JsonRpcException(method, codeValue, message, data);
    }

    private static byte[] WriteBody(IReadOnlyList<JsonRpcRequest> requests, long[] ids, bool batch)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            if (batch) writer.WriteStartArray();
            for (var i = 0; i < requests.Count; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("jsonrpc", "2.0");
                writer.WriteNumber("id", ids[i]);
                writer.WriteString("method", requests[i].Method);
                writer.WritePropertyName("params");
                writer.WriteStartArray();
                foreach (var parameter in requests[i].Parameters) WriteValue(writer, parameter);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            if (batch) writer.WriteEndArray();
        }
        return stream.ToArray();
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case string s: writer.WriteStringValue(s); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case int i: writer.WriteNumberValue(i); break;
            case long l: writer.WriteNumberValue(l); break;
            case ulong ul: writer.WriteNumberValue(ul); break;
            case JsonElement element: element.WriteTo(writer); break;
            case IEnumerable<KeyValuePair<string, object?>> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    WriteValue(writer, item);
                }
                writer.WriteEndObject();
                break;
            case IEnumerable list:
                writer.WriteStartArray();
                foreach (var item in list) WriteValue(writer, item);
                writer.WriteEndArray();
                break;
            default:
                throw new EvmException(EvmErrorCode.InvalidArgument, $"cannot send a {value.GetType().Name} as a JSON-RPC parameter");
        }
    }

    private static string Shorten(string s) => s.Length <= 200 ? s : s[..197] + "...";

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
    }
}
