using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Sharemint.Fixtures;

/// <summary>
/// A JSON-RPC forwarder in front of a real node (anvil) that behaves as a hosted provider under stress, on switches:
/// the next requests answered 429 with a <c>Retry-After</c>, the next answered 503, and <c>eth_getLogs</c> refused with
/// the providers' "block range too large" node error when a request spans more than <see cref="MaxLogRange"/> blocks, and
/// batches over <see cref="MaxBatchSize"/> calls refused with one error for the whole batch.
/// Counts what it refused and forwarded.
/// </summary>
public sealed class RpcFaultProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _forward = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Uri _target;
    private readonly Task _loop;
    private int _tooMany;
    private int _unavailable;
    private int _retryAfterSeconds;
    private int _refused;
    private int _rangeRefusals;
    private int _batchRefusals;
    private int _forwarded;

    public RpcFaultProxy(Uri target)
    {
        _target = target;
        Url = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public Uri Url { get; }

    /// <summary>eth_getLogs spanning more blocks than this is refused with a node error (null: no limit).</summary>
    public ulong? MaxLogRange { get; set; }

    /// <summary>JSON-RPC batches of more calls than this are refused with one error object for the batch (null: no limit).</summary>
    public int? MaxBatchSize { get; set; }

    /// <summary>Batches refused for their size so far.</summary>
    public int BatchRefusals => Volatile.Read(ref _batchRefusals);

    /// <summary>Requests answered 429 or 503 so far.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>eth_getLogs requests refused for their range so far.</summary>
    public int RangeRefusals => Volatile.Read(ref _rangeRefusals);

    /// <summary>Requests forwarded to the node so far.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    /// <summary>Answers the next <paramref name="count"/> requests 429 with <c>Retry-After: seconds</c> (0: no header).</summary>
    public void TooManyRequests(int count, int retryAfterSeconds)
    {
        Volatile.Write(ref _retryAfterSeconds, retryAfterSeconds);
        Volatile.Write(ref _tooMany, count);
    }

    /// <summary>Answers the next <paramref name="count"/> requests 503 (no Retry-After).</summary>
    public void Unavailable(int count) => Volatile.Write(ref _unavailable, count);

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
        if (Take(ref _tooMany))
        {
            Interlocked.Increment(ref _refused);
            var seconds = Volatile.Read(ref _retryAfterSeconds);
            if (seconds > 0)
            {
                context.Response.Headers["Retry-After"] = seconds.ToString(CultureInfo.InvariantCulture);
            }
            await AnswerAsync(context, 429, "{\"message\":\"rate limited\"}");
            return;
        }
        if (Take(ref _unavailable))
        {
            Interlocked.Increment(ref _refused);
            await AnswerAsync(context, 503, "service unavailable");
            return;
        }
        if (MaxBatchSize is { } most && BatchSize(body) > most)
        {
            Interlocked.Increment(ref _batchRefusals);
            await AnswerAsync(context, 200, $$$"""{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch size exceeds {{{most}}}"}}""");
            return;
        }
        if (MaxLogRange is { } max && TooWide(body, max) is { } id)
        {
            Interlocked.Increment(ref _rangeRefusals);
            await AnswerAsync(context, 200,
                $$$"""{"jsonrpc":"2.0","id":{{{id}}},"error":{"code":-32005,"message":"query exceeds max block range {{{max}}}"}}""");
            return;
        }
        Interlocked.Increment(ref _forwarded);
        try
        {
            using var forwarded = await _forward.PostAsync(_target, new StringContent(body, Encoding.UTF8, "application/json"));
            await AnswerAsync(context, (int)forwarded.StatusCode, await forwarded.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException)
        {
            await AnswerAsync(context, 502, "node unreachable");
        }
    }

    private static bool Take(ref int budget)
    {
        while (true)
        {
            var left = Volatile.Read(ref budget);
            if (left <= 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref budget, left - 1, left) == left)
            {
                return true;
            }
        }
    }

    private static int BatchSize(string body)
    {
        using var document = JsonDocument.Parse(body);
        return document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.GetArrayLength() : 1;
    }

    /// <summary>The request id of a single eth_getLogs request spanning more than <paramref name="max"/> blocks, else null.</summary>
    private static string? TooWide(string body, ulong max)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || root.GetProperty("method").GetString() != "eth_getLogs")
        {
            return null;
        }
        var query = root.GetProperty("params")[0];
        static ulong Block(JsonElement value) => ulong.Parse(value.GetString()!.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var span = Block(query.GetProperty("toBlock")) - Block(query.GetProperty("fromBlock")) + 1;
        return span > max ? root.GetProperty("id").GetRawText() : null;
    }

    private static async Task AnswerAsync(HttpListenerContext context, int status, string answer)
    {
        var bytes = Encoding.UTF8.GetBytes(answer);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
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
