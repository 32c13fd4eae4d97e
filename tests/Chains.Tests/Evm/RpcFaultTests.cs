using System.Net;
using System.Net.Sockets;
using System.Text;
using Sharemint.Chains.Evm;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>The JSON-RPC client against a misbehaving node: garbage, silence, dropped connections, HTTP errors, node errors.</summary>
public sealed class RpcFaultTests
{
    private static readonly JsonRpcClientOptions Fast = new() { RequestTimeout = TimeSpan.FromSeconds(10), ReadRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(10) };

    [Fact]
    public async Task Garbage_is_a_malformed_response_and_reads_are_retried()
    {
        await using var node = FakeNode.Start(_ => FakeReply.Http(200, "<html>502 bad gateway</html>"));
        using var rpc = new JsonRpcClient(node.Url, Fast);
        var error = await Assert.ThrowsAsync<EvmRpcTransportException>(() => rpc.CallAsync("eth_blockNumber", []));
        Assert.Equal(EvmErrorCode.RpcMalformedResponse, error.Code);
        Assert.Equal(3, node.Requests.Count);
    }

    [Fact]
    public async Task Writes_are_never_retried()
    {
        await using var node = FakeNode.Start(_ => FakeReply.Close());
        using var rpc = new JsonRpcClient(node.Url, Fast);
        var error = await Assert.ThrowsAsync<EvmRpcTransportException>(() => rpc.CallAsync("eth_sendRawTransaction", ["0x00"]));
        Assert.Equal(EvmErrorCode.RpcConnectionFailed, error.Code);
        Assert.Single(node.Requests);
    }

    [Fact]
    public async Task A_silent_node_times_out()
    {
        await using var node = FakeNode.Start(_ => FakeReply.Hang());
        using var rpc = new JsonRpcClient(node.Url, Fast with { RequestTimeout = TimeSpan.FromMilliseconds(300), ReadRetries = 0 });
        var error = await Assert.ThrowsAsync<EvmRpcTransportException>(() => rpc.CallAsync("eth_chainId", []));
        Assert.Equal(EvmErrorCode.RpcTimeout, error.Code);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_a_timeout()
    {
        await using var node = FakeNode.Start(_ => FakeReply.Hang());
        using var rpc = new JsonRpcClient(node.Url, Fast with { RequestTimeout = TimeSpan.FromSeconds(30) });
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rpc.CallAsync("eth_chainId", [], cancel.Token));
        Assert.Single(node.Requests);
    }

    [Fact]
    public async Task A_dropped_connection_and_a_refused_port_are_connection_failures()
    {
        await using var node = FakeNode.Start(_ => FakeReply.Close());
        using var rpc = new JsonRpcClient(node.Url, Fast with { ReadRetries = 0 });
        Assert.Equal(EvmErrorCode.RpcConnectionFailed, (await Assert.ThrowsAsync<EvmRpcTransportException>(() => rpc.CallAsync("eth_chainId", []))).Code);

        var closedPort = node.Url.Port;
        await node.DisposeAsync();
        using var refused = new JsonRpcClient(new Uri($"http://127.0.0.1:{closedPort}/"), Fast with { ReadRetries = 0 });
        Assert.Equal(EvmErrorCode.RpcConnectionFailed, (await Assert.ThrowsAsync<EvmRpcTransportException>(() => refused.CallAsync("eth_chainId", []))).Code);
    }

    [Fact]
    public async Task Http_errors_and_answers_for_other_ids_are_typed()
    {
        await using var node = FakeNode.Start(request => request.Index == 0
            ? FakeReply.Http(500, "internal error")
            : FakeReply.Http(200, """{"jsonrpc":"2.0","id":999999,"result":"0x1"}"""));
        using var rpc = new JsonRpcClient(node.Url, Fast with { ReadRetries = 0 });
        Assert.Equal(EvmErrorCode.RpcHttpStatus, (await Assert.ThrowsAsync<EvmRpcTransportException>(() => rpc.CallAsync("eth_chainId", []))).Code);
        Assert.Equal(EvmErrorCode.RpcMalformedResponse, (await Assert.ThrowsAsync<EvmRpcTransportException>(() => rpc.CallAsync("eth_chainId", []))).Code);
    }

    [Fact]
    public async Task Node_errors_keep_code_message_and_data_and_are_not_retried()
    {
        await using var node = FakeNode.Start(request => FakeReply.Http(200,
            $$$"""{"jsonrpc":"2.0","id":{{{request.Id}}},"error":{"code":-32000,"message":"header not found","data":"0xdead"}}"""));
        using var rpc = new JsonRpcClient(node.Url, Fast);
        var error = await Assert.ThrowsAsync<JsonRpcException>(() => rpc.CallAsync("eth_getBalance", ["0x0000000000000000000000000000000000000000", "latest"]));
        Assert.Equal(-32000, error.NodeCode);
        Assert.Equal("header not found", error.NodeMessage);
        Assert.Equal("0xdead", error.NodeData);
        Assert.Equal("eth_getBalance", error.Method);
        Assert.Single(node.Requests);
    }

    [Fact]
    public async Task Malformed_values_inside_a_valid_answer_are_typed_errors()
    {
        await using var node = FakeNode.Start(request => FakeReply.Http(200, $$"""{"jsonrpc":"2.0","id":{{request.Id}},"result":"not-hex"}"""));
        using var client = new EvmClient(new EvmChainConfig("fake", 1, node.Url, 1, EvmFeeModel.Eip1559) { Rpc = Fast with { ReadRetries = 0 } });
        Assert.Equal(EvmErrorCode.RpcMalformedResponse, (await Assert.ThrowsAsync<EvmRpcTransportException>(() => client.GetBlockNumberAsync())).Code);
    }

    [Fact]
    public async Task Batches_return_answers_in_request_order_with_per_call_errors()
    {
        await using var node = FakeNode.Start(request =>
        {
            // Answer in reverse order, the second call failing, to prove matching by id.
            var ids = System.Text.Json.JsonDocument.Parse(request.Body).RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetInt64()).ToList();
            var answers = ids.Select((id, i) => i == 1
                ? $$$"""{"jsonrpc":"2.0","id":{{{id}}},"error":{"code":-32601,"message":"method not found"}}"""
                : $$"""{"jsonrpc":"2.0","id":{{id}},"result":"0x{{i + 10:x}}"}""").Reverse();
            return FakeReply.Http(200, "[" + string.Join(",", answers) + "]");
        });
        using var rpc = new JsonRpcClient(node.Url, Fast);
        var responses = await rpc.BatchAsync([new JsonRpcRequest("eth_chainId"), new JsonRpcRequest("nope"), new JsonRpcRequest("eth_blockNumber")]);
        Assert.Equal("0xa", responses[0].GetResultOrThrow().GetString());
        Assert.Equal(-32601, Assert.Throws<JsonRpcException>(() => responses[1].GetResultOrThrow()).NodeCode);
        Assert.Equal("0xc", responses[2].GetResultOrThrow().GetString());
    }

    [Fact]
    public void Invalid_chain_configurations_are_refused()
    {
        var url = new Uri("http://127.0.0.1:1/");
        Assert.Equal(EvmErrorCode.InvalidArgument, Assert.Throws<EvmException>(() => new EvmClient(new EvmChainConfig("x", 0, url, 1, EvmFeeModel.Eip1559))).Code);
        Assert.Equal(EvmErrorCode.InvalidArgument, Assert.Throws<EvmException>(() => new EvmClient(new EvmChainConfig("x", 1, url, 0, EvmFeeModel.Eip1559))).Code);
        Assert.Equal(EvmErrorCode.InvalidArgument, Assert.Throws<EvmException>(() => new EvmClient(new EvmChainConfig("x", 1, new Uri("ftp://h/"), 1, EvmFeeModel.Eip1559))).Code);
        Assert.Equal(EvmErrorCode.InvalidArgument, Assert.Throws<EvmException>(() => new EvmClient(new EvmChainConfig("x", 1, url, 1, (EvmFeeModel)7))).Code);
    }
}

public sealed record FakeRequest(int Index, string Body, long Id);

public sealed record FakeReply(int Status, string? Body, bool HangUp, bool CloseConnection)
{
    public static FakeReply Http(int status, string body) => new(status, body, false, false);
    public static FakeReply Hang() => new(0, null, true, false);
    public static FakeReply Close() => new(0, null, false, true);
}

/// <summary>A minimal HTTP/1.1 server on a free loopback port that answers each request as the test says.</summary>
public sealed class FakeNode : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<FakeRequest, FakeReply> _reply;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly List<Socket> _held = [];

    private FakeNode(Func<FakeRequest, FakeReply> reply)
    {
        _reply = reply;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Url { get; }
    public List<FakeRequest> Requests { get; } = [];

    public static FakeNode Start(Func<FakeRequest, FakeReply> reply) => new(reply);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(socket));
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: false);
        while (!_stop.IsCancellationRequested)
        {
            var body = await ReadRequestAsync(stream);
            if (body is null) break;
            FakeRequest request;
            lock (Requests)
            {
                request = new FakeRequest(Requests.Count, body, ParseId(body));
                Requests.Add(request);
            }
            var reply = _reply(request);
            if (reply.HangUp)
            {
                lock (_held) _held.Add(socket);
                return;
            }
            if (reply.CloseConnection)
            {
                socket.Close();
                return;
            }
            var payload = Encoding.UTF8.GetBytes(reply.Body ?? "");
            var head = $"HTTP/1.1 {reply.Status} X\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
            await stream.WriteAsync(payload);
        }
        socket.Dispose();
    }

    private static long ParseId(string body)
    {
        var trimmed = body.TrimStart();
        if (!trimmed.StartsWith('{')) return 0;
        using var document = System.Text.Json.JsonDocument.Parse(body);
        return document.RootElement.TryGetProperty("id", out var id) ? id.GetInt64() : 0;
    }

    private static async Task<string?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one) == 0) return null;
            buffer.Add(one[0]);
            if (buffer.Count >= 4 && buffer[^1] == '\n' && buffer[^2] == '\r' && buffer[^3] == '\n' && buffer[^4] == '\r') break;
        }
        var headers = Encoding.ASCII.GetString([.. buffer]);
        var lengthLine = headers.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return Encoding.UTF8.GetString(body);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        lock (_held)
        {
            foreach (var socket in _held) socket.Dispose();
        }
        _stop.Dispose();
    }
}
