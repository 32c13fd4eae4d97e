namespace Sharemint.Orders;

/// <summary>When a partner may still cancel an order (the rule is documented in the README's order section).</summary>
public static class OrderCancellation
{
    /// <summary>
    /// A mint is priced by its quote, so once anything has been bought or reserved for it, or once it waits for the market
    /// to open, a cancel would hand the partner a free option against the open: it is refused. A redemption or a move can
    /// be cancelled until its burn is requested; from then on the burn may exist and the order is driven to its end.
    /// </summary>
    public static bool IsCancellable(OrderState order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order.Kind switch
        {
            OrderKind.Mint => order.Status == OrderStatus.Accepted && order.Stage == OrderStage.Start && !order.Reserved
                && !order.Steps.Any(s => s.Name is "bought" or "reserved" or "inventory" or "waiting:buy"),
            _ => order.Status is OrderStatus.Accepted or OrderStatus.Queued && order.Stage == OrderStage.Start,
        };
    }
}
