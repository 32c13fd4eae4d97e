using Sharemint.Chains.Tests.Solana;
using Sharemint.Chains.Tron;
using Xunit;

namespace Sharemint.Chains.Tests.Tron;

/// <summary>The Tron HTTP client with several providers: a dead first endpoint fails over to the local node, reads and broadcasts alike.</summary>
[Collection(TronDevnetCollection.Name)]
public sealed class TronFailoverTests(TronDevnetFixture fixture)
{
    [Fact]
    public async Task A_dead_first_endpoint_fails_over_and_a_transfer_is_built_signed_and_lands_through_the_next()
    {
        var dead = new Uri($"http://127.0.0.1:{SolanaDevnet.FreePort()}/");
        using var http = new TronHttpClient(dead, TimeSpan.FromSeconds(5), fallbacks: [fixture.Devnet.Endpoint]);
        var client = new TronClient(http);
        var head = await client.GetNowBlockAsync();
        Assert.True(head.Number >= 0);
        Assert.Equal(1, http.Failovers);
        Assert.Equal(fixture.Devnet.Endpoint, http.Endpoint);

        // Later requests stay on the endpoint that answers; a broadcast through it lands once.
        var key = await fixture.Devnet.FundedKeyAsync(1_000_000_000);
        var to = TronAddress.FromPublicKey(Sharemint.Chains.Evm.EvmPrivateKey.Generate().PublicKey);
        var raw = await client.BuildAsync(new TronTransfer(TronAddress.FromPublicKey(key.PublicKey), to, 1_234_567), 0);
        var status = await client.SendAndWaitAsync(raw.Sign(key));
        Assert.Equal(TronTxState.Succeeded, status.State);
        Assert.Equal(1_234_567, (await fixture.Devnet.Client.GetAccountAsync(to))!.Balance);
        Assert.Equal(1, http.Failovers);

        // With no endpoint left, the failure is the typed one of the last endpoint tried.
        using var alone = new TronHttpClient(dead, TimeSpan.FromSeconds(5));
        var error = await Assert.ThrowsAsync<TronException>(() => new TronClient(alone).GetNowBlockAsync());
        Assert.Equal(TronErrorCode.ConnectionFailed, error.Code);
    }
}
