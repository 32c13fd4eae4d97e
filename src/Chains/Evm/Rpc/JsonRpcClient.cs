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
/// RpcMalformedResponse). Only idempotent methods are retried, and only after transport problems.
/// Caller cancellation surfaces as <see cref="OperationCanceledException"/>. Thread-safe.
/// </summary>
public sealed class JsonRpcClient : IDisposable
{
    private readonly Uri _endpoint;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private long _nextId;

    public JsonRpcClient(Uri endpoint, JsonRpcClientOptions? options = null, HttpClient? httpClient = null)
    {
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        Options = options ?? new JsonRpcClientOptions();
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public JsonRpcClientOptions Options { get; }
    public Uri Endpoint => _endpoint;

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
        var attempts = retryable ? 1 + Math.Max(0, Options.ReadRetries) : 1;
        for (var attempt = 1; ; attempt++)
        {
            var ids = requests.Select(_ => Interlocked.Increment(ref _nextId)).ToArray();
            var body = WriteBody(requests, ids, batch);
            try
            {
                var json = await PostAsync(label, body, cancellationToken);
                return ParseResponses(label, requests, ids, json, batch);
            }
            catch (EvmRpcTransportException) when (attempt < attempts)
            {
                await Task.Delay(Options.RetryDelay, cancellationToken);
            }
        }
    }

    private async Task<string> PostAsync(string label, byte[] body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.RequestTimeout);
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _http.PostAsync(_endpoint, content, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                // Some nodes send a JSON-RPC error with a non-2xx status; keep it when it parses.
                if (LooksLikeJson(text)) return text;
                throw new EvmRpcTransportException(EvmErrorCode.RpcHttpStatus, label,
                    $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
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
