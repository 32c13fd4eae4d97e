using Sharemint.Orders;
using Sharemint.Saga.Tests.StandIns;

namespace Sharemint.Saga.Tests;

/// <summary>
/// The order index (and the webhook events written with it) is written at acceptance and when the order is final or held,
/// not on every status in between: a listing shows "accepted" until final; the order itself has the live status.
/// </summary>
public sealed class OrderIndexWriteTests
{
    [Fact]
    public async Task A_settled_mint_writes_its_index_row_at_acceptance_and_at_settlement_only()
    {
        var harness = new SagaHarness(NoFaults.Instance);
        harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 100m;
        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p1", "solana", 2m));
        // Driven by its live activation's timer (no restart): a restarted activation writes its row once more.
        for (var tick = 0; tick < 40 && harness.Stored("m1")!.Status != OrderStatus.Settled; tick++)
        {
            await harness.TickAsync("m1");
            await harness.ChainWorkAsync();
            harness.World.Clock.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(OrderStatus.Settled, harness.Stored("m1")!.Status);
        var writes = harness.World.Index.Writes.Where(w => w.OrderId == "m1").Select(w => w.Status).ToList();
        Assert.Equal([OrderStatus.Accepted, OrderStatus.Settled], writes);
        Assert.Equal(OrderStatus.Settled, harness.World.Index.Rows["m1"].Status);
        Assert.Empty(harness.Violations(quiescent: true));
    }

    [Fact]
    public async Task A_cancelled_mint_writes_its_index_row_at_acceptance_and_at_cancellation_only()
    {
        var harness = new SagaHarness(NoFaults.Instance);
        harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 100m;
        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p1", "solana", 2m));
        Assert.Equal("ok", await harness.CancelAsync("m1"));
        await harness.SettleAllAsync();

        Assert.Equal(OrderStatus.Cancelled, harness.Stored("m1")!.Status);
        var writes = harness.World.Index.Writes.Where(w => w.OrderId == "m1").Select(w => w.Status).ToList();
        Assert.Equal([OrderStatus.Accepted, OrderStatus.Cancelled], writes);
    }
}
