using Sharemint.Orders;
using Sharemint.Saga.Tests.StandIns;

namespace Sharemint.Saga.Tests;

/// <summary>
/// A mint short of inventory buys before it saves anything (the buy and its custody credit replay under the same ids).
/// What a crash between the buy and the reserved save leaves must still add up: the bought shares end in custody
/// whether the order then carries on or is cancelled.
/// </summary>
public sealed class BuyWithoutSaveTests
{
    [Theory]
    [InlineData(Fault.FailBeforeDelivery)]
    [InlineData(Fault.ReplyLost)]
    public async Task A_cancel_after_a_buy_whose_custody_credit_was_lost_puts_the_bought_shares_in_custody(Fault fault)
    {
        // The broker fills; the custody credit never arrives (or lands with its reply lost) and the process dies before the
        // order saves anything after its acceptance. The partner then cancels: the stored order is still at Start, so the
        // cancel is accepted, and the shares bought for it must end in custody exactly once, not stay at the broker
        // outside the ledger, nor be credited twice.
        var harness = new SagaHarness(new ScriptedFaults(("asset.reserve-with-purchase", fault)));
        var account = harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 0m;
        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p1", "solana", 2m));
        await harness.CallAsync("m1", e => e.AdvanceAsync());
        Assert.Equal(2m, harness.World.Broker.Bought);
        harness.Crash("m1");

        var cancel = await harness.CancelAsync("m1");
        await harness.SettleAllAsync();

        var stored = harness.Stored("m1")!;
        Assert.True(cancel == "ok" || cancel == "order_not_cancellable", $"cancel answered {cancel}");
        if (stored.Status == OrderStatus.Cancelled)
        {
            Assert.Equal(10_000m, account.Cash);
            Assert.Equal(0m, account.Held);
        }
        Assert.Equal(harness.World.Broker.Bought, harness.World.Asset.Custody);
        Assert.Empty(harness.Violations(quiescent: true));
    }

    [Fact]
    public async Task A_mint_that_buys_saves_its_acceptance_its_reservation_and_its_settlement_only()
    {
        var harness = new SagaHarness(NoFaults.Instance);
        harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 0m;
        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p1", "solana", 2m));
        await harness.SettleAllAsync();

        var stored = harness.Stored("m1")!;
        Assert.Equal(OrderStatus.Settled, stored.Status);
        Assert.Equal(3, harness.World.Orders["m1"].History.Count);
        Assert.Equal(["accepted", "inventory", "bought", "reserved", "mint-queued", "minted", "captured"], stored.Steps.Select(s => s.Name));
        Assert.Empty(harness.Violations(quiescent: true));
    }
}
