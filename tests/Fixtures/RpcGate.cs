using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Sharemint.Fixtures;

/// <summary>What an <see cref="RpcGate"/> does with the requests it receives.</summary>
public enum RpcGateMode
{
    /// <summary>Forward everything and relay every answer.</summary>
    Open,
    /// <summary>Answer every request with 503: the node is unreachable.</summary>
    Down,
    /// <summary>Answer broadcasts (eth_sendRawTransaction / sendTransaction) with 503 without forwarding them: refused before delivery.</summary>
    RefuseSends,
    /// <summary>Forward broadcasts to the node, then cut the connection instead of answering: delivered, reply lost.</summary>
    DropSendReplies,
}

/// <summary>
/// A real HTTP forwarder between a chain client and a chain node (anvil, the Solana devnet) that tests use to inject the
/// faults of a chain boundary: <see cref="RpcGateMode"/> for the whole gate, <see cref="DropNextSendReplies"/> for a
/// one-shot "the transaction was delivered but its reply was lost", and <see cref="NullResultFor"/> to make the node answer
/// <c>null</c> for one method (a node that lists a transaction it cannot return yet). Counts what it forwarded and dropped.
/// </summary>
public sealed class RpcGate : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _forward = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentDictionary<string, bool> _nullMethods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ulong> _staleContexts = new(StringComparer.Ordinal);
    private readonly Uri _target;
    private readonly Task _loop;
    private int _dropBudget;
    private int _sendsForwarded;
    private int _requestsForwarded;
    private int _repliesDropped;

    /// <summary>Starts a gate on a free loopback port in front of <paramref name="target"/>.</summary>
    public RpcGate(Uri target)
    {
        _target = target;
        Url = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    /// <summary>Where clients should send their requests.</summary>
    public Uri Url { get; }

    /// <summary>The gate's standing behaviour.</summary>
    public RpcGateMode Mode { get; set; } = RpcGateMode.Open;

    /// <summary>Broadcasts forwarded to the node so far.</summary>
    public int SendsForwarded => Volatile.Read(ref _sendsForwarded);

    /// <summary>Requests of any method forwarded to the node so far.</summary>
    public int RequestsForwarded => Volatile.Read(ref _requestsForwarded);

    /// <summary>Broadcasts whose reply the gate dropped so far.</summary>
    public int RepliesDropped => Volatile.Read(ref _repliesDropped);

    /// <summary>Forwards the next <paramref name="count"/> broadcasts and drops their replies (then behaves per <see cref="Mode"/>).</summary>
    public void DropNextSendReplies(int count) => Interlocked.Exchange(ref _dropBudget, count);

    /// <summary>Answers <c>{"result": null}</c> for <paramref name="method"/> (without forwarding) until <see cref="Forward"/>.</summary>
    public void NullResultFor(string method) => _nullMethods[method] = true;

    /// <summary>Stops answering null for <paramref name="method"/>, or reporting a stale context slot for it.</summary>
    public void Forward(string method)
    {
        _nullMethods.TryRemove(method, out _);
        _staleContexts.TryRemove(method, out _);
    }

    /// <summary>
    /// Relays <paramref name="method"/>'s answers with <c>context.slot</c> replaced by <paramref name="slot"/>: a node behind
    /// the others (as a load-balanced RPC may be) until <see cref="Forward"/>.
    /// </summary>
    public void StaleContextFor(string method, ulong slot) => _staleContexts[method] = slot;

    private async Task AcceptAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var isSend = body.Contains("\"eth_sendRawTransaction\"", StringComparison.Ordinal) || body.Contains("\"sendTransaction\"", StringComparison.Ordinal);
        if (Mode == RpcGateMode.Down || (Mode == RpcGateMode.RefuseSends && isSend))
        {
            await AnswerAsync(context, 503, Encoding.UTF8.GetBytes("gate closed"));
            return;
        }
        if (NullAnswer(body) is { } nulled)
        {
            await AnswerAsync(context, 200, nulled);
            return;
        }
        byte[] answer;
        int status;
        Interlocked.Increment(ref _requestsForwarded);
        try
        {
            using var forwarded = await _forward.PostAsync(_target, new StringContent(body, Encoding.UTF8, "application/json"));
            status = (int)forwarded.StatusCode;
            answer = await forwarded.Content.ReadAsByteArrayAsync();
        }
        catch (HttpRequestException)
        {
            await AnswerAsync(context, 502, Encoding.UTF8.GetBytes("node unreachable"));
            return;
        }
        if (!_staleContexts.IsEmpty && Stale(body, answer) is { } stale)
        {
            answer = stale;
        }
        if (isSend)
        {
            Interlocked.Increment(ref _sendsForwarded);
            if (Mode == RpcGateMode.DropSendReplies || TakeDrop())
            {
                // The node has the transaction; the client never learns it.
                Interlocked.Increment(ref _repliesDropped);
                context.Response.Abort();
                return;
            }
        }
        await AnswerAsync(context, status, answer);
    }

    private bool TakeDrop()
    {
        while (true)
        {
            var left = Volatile.Read(ref _dropBudget);
            if (left <= 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _dropBudget, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private byte[]? NullAnswer(string body)
    {
        if (_nullMethods.IsEmpty)
        {
            return null;
        }
        using var document = System.Text.Json.JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != System.Text.Json.JsonValueKind.Object || !root.TryGetProperty("method", out var method)
            || !_nullMethods.ContainsKey(method.GetString() ?? ""))
        {
            return null;
        }
        var id = root.TryGetProperty("id", out var idElement) ? idElement.GetRawText() : "null";
        return Encoding.UTF8.GetBytes($"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":null}}");
    }

    private byte[]? Stale(string request, byte[] answer)
    {
        using var document = System.Text.Json.JsonDocument.Parse(request);
        if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object || !document.RootElement.TryGetProperty("method", out var method)
            || !_staleContexts.TryGetValue(method.GetString() ?? "", out var slot))
        {
            return null;
        }
        var node = System.Text.Json.Nodes.JsonNode.Parse(answer);
        if (node?["result"]?["context"] is System.Text.Json.Nodes.JsonObject context)
        {
            context["slot"] = slot;
            return Encoding.UTF8.GetBytes(node.ToJsonString());
        }
        return null;
    }

    private static async Task AnswerAsync(HttpListenerContext context, int status, byte[] answer)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = answer.Length;
        await context.Response.OutputStream.WriteAsync(answer);
        context.Response.Close();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
        _forward.Dispose();
    }
}
