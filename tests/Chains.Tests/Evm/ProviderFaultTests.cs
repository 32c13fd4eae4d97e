using System.Diagnostics;
using System.Text.Json;
using Sharemint.Chains.Evm;
using Sharemint.Fixtures;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>
/// The EVM client against anvil behind a provider that misbehaves as hosted RPCs do (<see cref="RpcFaultProxy"/>):
/// failover to the next endpoint, 429/503 waited out honouring Retry-After, and eth_getLogs ranges shrunk when refused.
/// </summary>
[Collection(AnvilCollection.Name)]
public sealed class ProviderFaultTests(AnvilFixture anvil)
{
    private static readonly JsonRpcClientOptions Fast = new() { RetryDelay = TimeSpan.FromMilliseconds(10), RateLimitBackoff = TimeSpan.FromMilliseconds(20) };

    [Fact]
    public async Task A_dead_first_endpoint_fails_over_to_the_next_and_later_calls_stay_there()
    {
        var dead = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        using var rpc = new JsonRpcClient(dead, Fast with { ReadRetries = 0, FallbackEndpoints = [anvil.NodeA.RpcUrl] });
        Assert.Equal("0x7a69", (await rpc.CallAsync("eth_chainId", [])).GetString());
        Assert.Equal(1, rpc.Failovers);
        Assert.Equal(anvil.NodeA.RpcUrl, rpc.CurrentEndpoint);
        // A write is never retried within a call, but it goes to the endpoint that works now.
        var from = (await AnvilFixture.FundedKeyAsync(new EvmClient(anvil.ConfigA()))).Address.ToString();
        await rpc.CallAsync("anvil_impersonateAccount", [from]);
        var hash = (await rpc.CallAsync("eth_sendTransaction", [new Dictionary<string, object?> { ["from"] = from, ["to"] = from, ["value"] = "0x1" }])).GetString();
        Assert.NotNull(hash);
        Assert.Equal(1, rpc.Failovers);
    }

    [Fact]
    public async Task A_429_is_waited_out_as_retry_after_asks_and_a_write_lands_once()
    {
        await using var proxy = new RpcFaultProxy(anvil.NodeA.RpcUrl);
        using var rpc = new JsonRpcClient(proxy.Url, Fast);
        var key = await AnvilFixture.FundedKeyAsync(new EvmClient(anvil.ConfigA()));
        var from = key.Address.ToString();
        await rpc.CallAsync("anvil_impersonateAccount", [from]);

        proxy.TooManyRequests(2, retryAfterSeconds: 1);
        var watch = Stopwatch.StartNew();
        var nonce = (await rpc.CallAsync("eth_getTransactionCount", [from, "latest"])).GetString();
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"waited {watch.Elapsed} for two Retry-After: 1");
        Assert.Equal(2, proxy.Refused);
        Assert.Equal(2, rpc.RateLimitedRequests);

        // A 429 refuses a request unprocessed, so even a write is asked again, and it lands exactly once.
        proxy.TooManyRequests(1, retryAfterSeconds: 0);
        await rpc.CallAsync("eth_sendTransaction", [new Dictionary<string, object?> { ["from"] = from, ["to"] = from, ["value"] = "0x1" }]);
        Assert.Equal(3, proxy.Refused);
        // pending counts the mempool too: whether or not the node has mined yet, one send is one nonce.
        var after = (await rpc.CallAsync("eth_getTransactionCount", [from, "pending"])).GetString();
        Assert.Equal(Convert.ToInt64(nonce, 16) + 1, Convert.ToInt64(after, 16));
    }

    [Fact]
    public async Task A_503_is_retried_for_reads_only_and_a_provider_that_keeps_refusing_is_a_typed_error()
    {
        await using var proxy = new RpcFaultProxy(anvil.NodeA.RpcUrl);
        using var rpc = new JsonRpcClient(proxy.Url, Fast with { RateLimitRetries = 2 });
        proxy.Unavailable(2);
        Assert.Equal("0x7a69", (await rpc.CallAsync("eth_chainId", [])).GetString());

        // A write answered 503 may or may not have been taken: not repeated here (the sender rebroadcasts its own bytes).
        proxy.Unavailable(1);
        var write = await Assert.ThrowsAsync<EvmRpcTransportException>(() => rpc.CallAsync("eth_sendRawTransaction", ["0x00"]));
        Assert.Equal(503, write.HttpStatus);
        Assert.Equal(3, proxy.Refused);

        proxy.TooManyRequests(10, retryAfterSeconds: 0);
        var refused = await Assert.ThrowsAsync<EvmRpcTransportException>(() => rpc.CallAsync("eth_blockNumber", []));
        Assert.Equal(EvmErrorCode.RpcHttpStatus, refused.Code);
        Assert.Equal(429, refused.HttpStatus);
        // One attempt and RateLimitRetries more, then the error: a bounded number of requests.
        Assert.Equal(6, proxy.Refused);
        proxy.TooManyRequests(0, 0);
    }

    [Fact]
    public async Task A_refused_log_range_is_halved_until_the_provider_accepts_and_the_logs_are_the_same()
    {
        var direct = new EvmClient(anvil.ConfigA());
        var key = await AnvilFixture.FundedKeyAsync(direct);
        var token = await SharemintToken.DeployAsync(new EvmTransactionSender(direct, key, new InMemorySignedTransactionStore()), anvil.Artifact,
            "Range", "RNGx", key.Address, SharemintToken.MultiplierOne, $"deploy-{Guid.NewGuid():N}");
        await direct.Rpc.CallAsync("anvil_mine", ["0x28"]);
        var head = (ulong)Convert.ToInt64((await direct.Rpc.CallAsync("eth_blockNumber", [])).GetString(), 16);
        var filter = new EvmLogFilter(token.Address, []);
        var expected = await direct.GetLogsAsync(filter, 0, head);
        Assert.NotEmpty(expected);

        await using var proxy = new RpcFaultProxy(anvil.NodeA.RpcUrl) { MaxLogRange = 8 };
        var client = new EvmClient(anvil.ConfigA() with { MaxLogBlockRange = 1_000 }, new JsonRpcClient(proxy.Url, Fast));
        var scan = await client.ScanLogsAsync(filter, null, firstBlock: expected[0].BlockNumber);
        Assert.False(scan.ReorgDetected);
        Assert.Equal(expected.Select(l => (l.TransactionHash, l.LogIndex)), scan.Logs.Select(l => (l.TransactionHash, l.LogIndex)));
        Assert.Equal(head, scan.Cursor!.BlockNumber);
        Assert.True(proxy.RangeRefusals > 0);
        Assert.True(client.LogRangeShrinks >= 1, $"{client.LogRangeShrinks} shrinks");

        // A provider that refuses even one block is a real error, not an endless loop.
        proxy.MaxLogRange = 0;
        var error = await Assert.ThrowsAsync<JsonRpcException>(() => client.ScanLogsAsync(filter, null, firstBlock: expected[0].BlockNumber));
        Assert.Contains("max block range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_header_batch_is_halved_until_the_provider_accepts_and_the_scan_is_the_same()
    {
        var direct = new EvmClient(anvil.ConfigA());
        var key = await AnvilFixture.FundedKeyAsync(direct);
        var sender = new EvmTransactionSender(direct, key, new InMemorySignedTransactionStore());
        var token = await SharemintToken.DeployAsync(sender, anvil.Artifact, "Headers", "HDRx", key.Address, SharemintToken.MultiplierOne, $"deploy-{Guid.NewGuid():N}");
        // Logs in several blocks: the scan checks one header per block that produced a log.
        for (var i = 0; i < 5; i++)
        {
            await token.MintAsync(sender, key.Address, new UInt256(1UL), Hash32.FromKey($"hdr-{Guid.NewGuid():N}"));
        }
        var filter = new EvmLogFilter(token.Address, []);
        var expected = await direct.ScanLogsAsync(filter, null, firstBlock: 0);
        Assert.True(expected.Logs.Select(l => l.BlockNumber).Distinct().Count() >= 6);

        await using var proxy = new RpcFaultProxy(anvil.NodeA.RpcUrl) { MaxBatchSize = 2 };
        var client = new EvmClient(anvil.ConfigA() with { MaxHeaderBatch = 16 }, new JsonRpcClient(proxy.Url, Fast));
        var scan = await client.ScanLogsAsync(filter, null, firstBlock: 0);
        Assert.False(scan.ReorgDetected);
        Assert.Equal(expected.Logs.Select(l => (l.TransactionHash, l.LogIndex)), scan.Logs.Select(l => (l.TransactionHash, l.LogIndex)));
        Assert.True(proxy.BatchRefusals > 0);
        Assert.True(client.HeaderBatchShrinks >= 1, $"{client.HeaderBatchShrinks} shrinks");
        // The smaller batch is kept: a second scan is not refused again.
        var refusals = proxy.BatchRefusals;
        await client.ScanLogsAsync(filter, null, firstBlock: 0);
        Assert.Equal(refusals, proxy.BatchRefusals);
    }
}
