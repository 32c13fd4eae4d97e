using Sharemint.Orders;
using Sharemint.Saga.Tests.StandIns;

namespace Sharemint.Saga.Tests;

/// <summary>
/// Interleavings Coyote found that broke an invariant, kept as plain, deterministic tests (each replays the schedule step
/// by step, so it stays meaningful when the code around it changes).
/// </summary>
public sealed class DuplicateActivationRegressionTests
{
    [Fact]
    public async Task A_cancel_on_one_activation_and_a_reserve_on_a_stale_duplicate_leave_no_reservation_open()
    {
        // Found by CoyoteExplorationTests: "Cancelled mint m1 kept effects: reservation open". Activation A cancels the
        // mint (nothing reserved yet, so it releases nothing); a duplicate activation B, loaded before the cancel, then
        // reserves custody under the same operation id, fails to save (the etag moved) and re-reads a cancelled order.
        // The reservation stayed open for good: custody locked with no order to release it.
        var harness = new SagaHarness(NoFaults.Instance);
        harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 100m;
        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p1", "solana", 2m));
        await harness.HostAsync("m1");
        var b = await harness.DuplicateAsync("m1");

        Assert.Equal("ok", await harness.CancelAsync("m1"));
        await harness.CallAsync("m1", e => e.AdvanceAsync(), b);

        Assert.Equal(OrderStatus.Cancelled, harness.Stored("m1")!.Status);
        Assert.False(harness.World.Asset.IsOpen("m1/reserve"), "the stale activation's reservation is still open");
        Assert.Equal(100m, harness.World.Asset.Custody);
        Assert.Equal(10_000m, harness.World.Accounts["p1"].Cash);
        await harness.SettleAllAsync();
        Assert.Empty(harness.Violations(quiescent: true));
    }

    [Fact]
    public async Task A_cancel_whose_process_dies_after_releasing_the_cash_still_ends_cancelled_and_mints_nothing()
    {
        // Found by CoyoteExplorationTests: "m1 is still Accepted at Start". The cancel released the cash hold, then the
        // process died before the cancel was saved. The order carried on as if never cancelled: reserved, minted, and
        // could never capture the released cash, so the partner kept both the cash and the tokens and the order hung.
        var harness = new SagaHarness(new ScriptedFaults(("account.release", Fault.CrashAfterEffect)));
        var account = harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 100m;
        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p1", "solana", 2m));

        Assert.Equal("crashed", await harness.CancelAsync("m1"));
        await harness.SettleAllAsync();

        Assert.Equal(OrderStatus.Cancelled, harness.Stored("m1")!.Status);
        Assert.Equal(Units.CanonicalAmount.Zero, harness.World.Bridges["solana"].OnChainSupply);
        Assert.Equal(10_000m, account.Cash);
        Assert.Empty(harness.Violations(quiescent: true));
    }

    [Fact]
    public async Task A_hold_delayed_until_a_duplicate_has_cancelled_the_mint_takes_no_cash()
    {
        // The placement's hold is in transit when a duplicate activation cancels the order: the cancel releases a hold that
        // does not exist yet (nothing to give back), then the hold lands and takes the partner's cash for an order that is
        // already cancelled. Nothing would ever release it.
        var harness = new SagaHarness(NoFaults.Instance);
        var account = harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 100m;
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var deliver = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.World.InTransit = boundary =>
        {
            if (boundary != "account.hold" || arrived.Task.IsCompleted)
            {
                return Task.CompletedTask;
            }
            arrived.SetResult();
            return deliver.Task;
        };

        var placing = harness.PlaceMintAsync("m1", "p1", "solana", 2m);
        await arrived.Task;
        var duplicate = await harness.DuplicateAsync("m1");
        Assert.Equal("ok", await harness.CallAsync("m1", e => e.CancelAsync(), duplicate));
        deliver.SetResult();
        await placing;
        await harness.SettleAllAsync();

        Assert.Equal(OrderStatus.Cancelled, harness.Stored("m1")!.Status);
        Assert.Equal(0m, account.Held);
        Assert.Equal(10_000m, account.Cash);
        Assert.Empty(harness.Violations(quiescent: true));
    }

    [Fact]
    public async Task A_stale_duplicate_that_asserts_the_hold_after_the_cancel_takes_no_cash()
    {
        // The placement's hold never arrived (timeout), so the cancel had no hold to release. A duplicate activation loaded
        // before the cancel then drives the order from Start, re-asserting the hold under the same operation id: the cash
        // was held for a cancelled order, for good.
        var harness = new SagaHarness(new ScriptedFaults(("account.hold", Fault.FailBeforeDelivery)));
        var account = harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 100m;
        Assert.Equal("timeout", await harness.PlaceMintAsync("m1", "p1", "solana", 2m));
        var stale = await harness.DuplicateAsync("m1");

        Assert.Equal("ok", await harness.CancelAsync("m1"));
        await harness.CallAsync("m1", e => e.AdvanceAsync(), stale);
        await harness.SettleAllAsync();

        Assert.Equal(OrderStatus.Cancelled, harness.Stored("m1")!.Status);
        Assert.Equal(0m, account.Held);
        Assert.Equal(10_000m, account.Cash);
        Assert.Empty(harness.Violations(quiescent: true));
    }

    [Fact]
    public async Task A_redemption_whose_freed_shares_a_mint_reserved_first_sells_nothing_and_still_pays()
    {
        // Found by CoyoteExplorationTests (deposit redemptions, a market closed for part of the run): "d1 is still
        // InProgress at Sell". The burn freed its shares; a mint short of inventory reserved them before the redemption
        // sold. The broker then sold shares that backed the mint, custody could not follow, and the order hung at Sell.
        var harness = new SagaHarness(NoFaults.Instance);
        var account = harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 0m;
        harness.Seed("p1", "ethereum", 5m);
        Assert.Equal("ok", await harness.PlaceRedeemAsync("r1", "p1", "ethereum", 1m));
        await harness.CallAsync("r1", e => e.AdvanceAsync());
        await harness.ChainWorkAsync();
        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p1", "solana", 1m));
        await harness.CallAsync("m1", e => e.AdvanceAsync());
        Assert.True(harness.World.Asset.IsOpen("m1/reserve"), "the mint reserved the freed share");

        await harness.CallAsync("r1", e => e.AdvanceAsync());
        await harness.SettleAllAsync();

        Assert.Equal(OrderStatus.Settled, harness.Stored("r1")!.Status);
        Assert.Equal(OrderStatus.Settled, harness.Stored("m1")!.Status);
        Assert.Equal(0m, harness.World.Broker.Sold);
        Assert.Equal(5m, harness.World.Asset.Custody);
        Assert.Equal(account.InitialCash - harness.Stored("m1")!.Cash + harness.Stored("r1")!.Cash, account.Cash);
        Assert.Empty(harness.Violations(quiescent: true));
    }
}
