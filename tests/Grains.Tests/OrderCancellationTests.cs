using Sharemint.Orders;

namespace Sharemint.Grains.Tests;

/// <summary>
/// Behaviour 8 of issue 11 (no free option) and behaviour 1 (a burn that may exist is never abandoned): which orders a
/// partner may still cancel.
/// </summary>
public sealed class OrderCancellationTests
{
    private static OrderState Order(OrderKind kind, OrderStatus status, OrderStage stage, params string[] steps) => new()
    {
        Kind = kind,
        Status = status,
        Stage = stage,
        Steps = steps.Select(s => new OrderStep(s, $"ord_x/{s}", "ok", DateTimeOffset.UnixEpoch, null)).ToList(),
    };

    [Fact]
    public void A_fixed_price_mint_queued_for_the_market_open_cannot_be_cancelled()
    {
        // Outside market hours the mint waits in the buy stage, queued, at its quoted price: cancelling it once the market
        // opens against the partner would be a free option.
        var queued = Order(OrderKind.Mint, OrderStatus.Queued, OrderStage.Buy, "accepted", "inventory", "waiting:buy");
        Assert.False(OrderCancellation.IsCancellable(queued));
    }

    [Theory]
    [InlineData(OrderStage.Buy, "inventory")]
    [InlineData(OrderStage.Start, "bought")]
    [InlineData(OrderStage.Start, "reserved")]
    public void A_mint_with_anything_bought_or_reserved_cannot_be_cancelled(OrderStage stage, string step)
    {
        Assert.False(OrderCancellation.IsCancellable(Order(OrderKind.Mint, OrderStatus.Accepted, stage, "accepted", step)));
    }

    [Fact]
    public void A_mint_that_has_done_nothing_yet_can_be_cancelled()
    {
        Assert.True(OrderCancellation.IsCancellable(Order(OrderKind.Mint, OrderStatus.Accepted, OrderStage.Start, "accepted")));
    }

    [Theory]
    [InlineData(OrderKind.Redeem)]
    [InlineData(OrderKind.Transfer)]
    public void Once_a_burn_is_requested_the_order_cannot_be_cancelled(OrderKind kind)
    {
        Assert.True(OrderCancellation.IsCancellable(Order(kind, OrderStatus.Queued, OrderStage.Start, "accepted", "waiting:capacity")));
        Assert.False(OrderCancellation.IsCancellable(Order(kind, OrderStatus.InProgress, OrderStage.Burning, "accepted", "burn-requested")));
    }
}
