using System.Diagnostics;
using System.Text.Json.Nodes;
using Sharemint.Chains.Solana;
using Sharemint.Fixtures;
using Xunit;

namespace Sharemint.Chains.Tests.Solana;

/// <summary>
/// The Solana client against the devnet behind providers that misbehave as hosted RPCs do: a dead endpoint failed over,
/// 429 waited out as Retry-After asks (the devnet's own switch and <see cref="RpcFaultProxy"/>), 503 retried for repeatable
/// methods only, and a provider that keeps refusing surfaces as a typed error after a bounded number of requests.
/// </summary>
[Collection(SolanaDevnetCollection.Name)]
public sealed class SolanaProviderFaultTests(SolanaDevnetFixture fixture)
{
    private static readonly SolanaRpcClientOptions Fast = new() { RetryDelay = TimeSpan.FromMilliseconds(10), RateLimitBackoff = TimeSpan.FromMilliseconds(20) };

    private SolanaDevnet Devnet => fixture.Devnet;

    [Fact]
    public async Task A_dead_first_endpoint_fails_over_to_the_next_and_writes_follow()
    {
        var dead = new Uri($"http://127.0.0.1:{FreePort.Next()}/");
        using var rpc = new SolanaRpcClient(dead, TimeSpan.FromSeconds(5), options: Fast with { ReadRetries = 0, FallbackEndpoints = [Devnet.Endpoint] });
        Assert.Equal("ok", await rpc.GetHealthAsync());
        Assert.Equal(1, rpc.Failovers);
        Assert.Equal(Devnet.Endpoint, rpc.CurrentEndpoint);

        // The sender on this client writes through the endpoint that works, exactly once.
        var payer = await Devnet.FundedKeypairAsync();
        var to = Keypair.Generate().PublicKey;
        var sender = new TransactionSender(rpc, new InMemorySignedTransactionStore(), Issuer.FastSender);
        await sender.SendAsync("failover-pay", b => new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(b.Blockhash)
            .Add(SystemProgram.Transfer(payer.PublicKey, to, 1_000_777)).Build(payer));
        Assert.Equal(1_000_777UL, await Devnet.Rpc.GetBalanceAsync(to));
        Assert.Equal(1, rpc.Failovers);
    }

    [Fact]
    public async Task A_429_is_waited_out_as_retry_after_asks_and_a_send_lands_once()
    {
        using var rpc = new SolanaRpcClient(Devnet.Endpoint, TimeSpan.FromSeconds(10), options: Fast);
        var payer = await Devnet.FundedKeypairAsync();
        var to = Keypair.Generate().PublicKey;
        // The devnet's own switch: the next two HTTP requests are answered 429 with Retry-After: 1.
        await Devnet.Rpc.CallAsync("devnet_setFaults", [new JsonObject { ["http429"] = 2 }]);
        var watch = Stopwatch.StartNew();
        var blockhash = await rpc.GetLatestBlockhashAsync();
        Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(1.9), $"waited {watch.Elapsed} for two Retry-After: 1");
        Assert.Equal(2, rpc.RateLimitedRequests);

        // A 429 refuses a request unprocessed, so a send is asked again, and it lands once.
        var tx = new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(blockhash.Blockhash)
            .Add(SystemProgram.Transfer(payer.PublicKey, to, 1_004_242)).Build(payer);
        await Devnet.Rpc.CallAsync("devnet_setFaults", [new JsonObject { ["http429"] = 1 }]);
        Assert.Equal(tx.Signature, await rpc.SendTransactionAsync(tx));
        Assert.Equal(3, rpc.RateLimitedRequests);
        Assert.Equal(1_004_242UL, await Devnet.Rpc.GetBalanceAsync(to));
        Assert.Single(await Devnet.Rpc.GetSignaturesForAddressAsync(to));
    }

    [Fact]
    public async Task A_503_is_retried_for_repeatable_methods_only_and_a_provider_that_keeps_refusing_is_a_typed_error()
    {
        await using var proxy = new RpcFaultProxy(Devnet.Endpoint);
        using var rpc = new SolanaRpcClient(proxy.Url, TimeSpan.FromSeconds(10), options: Fast with { RateLimitRetries = 2 });
        proxy.Unavailable(2);
        Assert.Equal("ok", await rpc.GetHealthAsync());

        // An airdrop answered 503 may or may not have been made: not repeated.
        proxy.Unavailable(1);
        var airdrop = await Assert.ThrowsAsync<SolanaTransportException>(() => rpc.RequestAirdropAsync(Keypair.Generate().PublicKey, 1_000));
        Assert.Equal(503, airdrop.HttpStatus);
        Assert.Equal(SolanaErrorKind.RpcUnavailable, airdrop.Kind);
        Assert.Equal(3, proxy.Refused);

        proxy.TooManyRequests(10, retryAfterSeconds: 0);
        var refused = await Assert.ThrowsAsync<SolanaTransportException>(() => rpc.GetSlotAsync());
        Assert.Equal(429, refused.HttpStatus);
        // One attempt and RateLimitRetries more, then the error: a bounded number of requests.
        Assert.Equal(6, proxy.Refused);
        proxy.TooManyRequests(0, 0);
        Assert.True(await rpc.GetSlotAsync() > 0);
    }

    [Fact]
    public async Task A_provider_that_keeps_refusing_is_left_for_the_next_one()
    {
        await using var proxy = new RpcFaultProxy(Devnet.Endpoint);
        using var rpc = new SolanaRpcClient(proxy.Url, TimeSpan.FromSeconds(10), options: Fast with { FallbackEndpoints = [Devnet.Endpoint] });
        proxy.TooManyRequests(100, retryAfterSeconds: 0);
        Assert.True(await rpc.GetBlockHeightAsync() > 0);
        Assert.Equal(Devnet.Endpoint, rpc.CurrentEndpoint);
        Assert.Equal(1, proxy.Refused);
        proxy.TooManyRequests(0, 0);
    }
}
