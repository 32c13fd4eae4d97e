using System.Net;
using System.Text;

namespace Sharemint.Signers.Tests;

/// <summary>
/// A real HTTP forwarder between a chain signer and a chain node that tests can close: <see cref="GateMode.Down"/> answers
/// every request with 503 (the node is unreachable), <see cref="GateMode.RefuseSends"/> only the broadcasts
/// (eth_sendRawTransaction / sendTransaction), as when a node dies right after the signer read what it needed.
/// </summary>
public sealed class RpcGate : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _forward = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly Uri _target;
    private readonly Task _loop;

    public RpcGate(Uri target)
    {
        _target = target;
        var port = Sharemint.Chains.Tests.Solana.SolanaDevnet.FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public Uri Url { get; }

    public GateMode Mode { get; set; } = GateMode.Open;

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
        byte[] answer;
        if (Mode == GateMode.Down || (Mode == GateMode.RefuseSends && isSend))
        {
            context.Response.StatusCode = 503;
            answer = Encoding.UTF8.GetBytes("gate closed");
        }
        else
        {
            try
            {
                using var forwarded = await _forward.PostAsync(_target, new StringContent(body, Encoding.UTF8, "application/json"));
                context.Response.StatusCode = (int)forwarded.StatusCode;
                context.Response.ContentType = "application/json";
                answer = await forwarded.Content.ReadAsByteArrayAsync();
            }
            catch (HttpRequestException)
            {
                context.Response.StatusCode = 502;
                answer = Encoding.UTF8.GetBytes("node unreachable");
            }
        }
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

public enum GateMode
{
    Open,
    Down,
    RefuseSends,
}
