using Sharemint.Orders;
using Sharemint.Saga.Tests.StandIns;

namespace Sharemint.Saga.Tests;

/// <summary>
/// An open order is found after a crash through its index row (the resumer's sweep), so it registers no durable reminder
/// of its own; only an order whose index row could not be written registers one, and is still driven to the end.
/// </summary>
public sealed class OrderWakeUpTests
{
    [Fact]
    public async Task A_mint_still_open_after_its_first_pass_registers_no_reminder_when_the_index_lists_it()
    {
        var harness = new SagaHarness(NoFaults.Instance);
        harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 100m;
        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p1", "solana", 2m));
        // One pass without the chain's work: the order waits for its mint, open.
        await harness.TickAsync("m1");

        Assert.NotNull(harness.Stored("m1"));
        Assert.NotEqual(OrderStatus.Settled, harness.Stored("m1")!.Status);
        Assert.Equal(OrderStatus.Accepted, harness.World.Index.Rows["m1"].Status);
        Assert.DoesNotContain("m1", harness.World.WakeUps);

        await harness.SettleAllAsync();
        Assert.Equal(OrderStatus.Settled, harness.Stored("m1")!.Status);
        Assert.Empty(harness.Violations(quiescent: true));
    }

    [Fact]
    public async Task A_mint_whose_index_row_was_not_written_registers_a_reminder_and_is_driven_after_a_crash()
    {
        var harness = new SagaHarness(NoFaults.Instance);
        harness.World.AddPartner("p1", 10_000m);
        harness.World.Asset.Custody = 100m;
        harness.World.Index.Unavailable = true;
        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p1", "solana", 2m));
        await harness.TickAsync("m1");

        Assert.False(harness.World.Index.Rows.ContainsKey("m1"));
        Assert.Contains("m1", harness.World.WakeUps);

        // Every activation dies; only the reminder knows the order.
        harness.World.Index.Unavailable = false;
        await harness.SettleAllAsync();
        Assert.Equal(OrderStatus.Settled, harness.Stored("m1")!.Status);
        Assert.DoesNotContain("m1", harness.World.WakeUps);
        Assert.Empty(harness.Violations(quiescent: true));
    }
}
