using Sharemint.Orders;
using Sharemint.Saga.Tests.StandIns;

namespace Sharemint.Saga.Tests;

/// <summary>
/// The bridge keeps a requested mint in memory until the batch that takes it is written, so a lost bridge activation
/// forgets it. The order's intent is durable: its next look at the mint hears "unknown", asks again, and settles once.
/// </summary>
public sealed class BridgeForgettingTests
{
    [Theory]
    [InlineData("solana")]
    [InlineData("ethereum")]
    public async Task A_mint_the_bridge_forgot_is_asked_for_again_and_settles_once(string chain)
    {
        var harness = new SagaHarness(NoFaults.Instance);
        harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 100m;
        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p1", chain, 2m));
        await harness.TickAsync("m1");
        var bridge = harness.World.Bridges[chain];
        Assert.True(bridge.IsPending("m1/mint"));

        Assert.Equal(1, bridge.ForgetQueuedMints());
        await harness.SettleAllAsync();

        Assert.Equal(OrderStatus.Settled, harness.Stored("m1")!.Status);
        Assert.Equal(Units.CanonicalAmount.FromTokens(2m), bridge.BalanceOf(SagaWorld.WalletOf(chain, "p1")));
        Assert.Equal(Units.CanonicalAmount.FromTokens(2m), bridge.OnChainSupply);
        Assert.Empty(harness.Violations(quiescent: true));
    }
}
