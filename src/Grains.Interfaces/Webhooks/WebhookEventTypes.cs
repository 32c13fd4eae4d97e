namespace Sharemint.Webhooks;

/// <summary>The event types a partner's webhook endpoint can subscribe to (the <c>type</c> of each delivered event).</summary>
public static class WebhookEventTypes
{
    /// <summary>An order was recorded and its checks passed.</summary>
    public const string OrderAccepted = "order.accepted";

    /// <summary>An order finished: tokens minted, burned and paid, or moved.</summary>
    public const string OrderSettled = "order.settled";

    /// <summary>An order stopped, its effects undone.</summary>
    public const string OrderFailed = "order.failed";

    /// <summary>An order was cancelled while queued.</summary>
    public const string OrderCancelled = "order.cancelled";

    /// <summary>A holder's deposit to the redemption address became a redemption order (<c>dep_…</c>) on the partner's account.</summary>
    public const string DepositRedemptionCreated = "deposit.redemption_created";

    /// <summary>A deposit could not be redeemed and waits for an operator.</summary>
    public const string DepositHeld = "deposit.held";

    /// <summary>An asset's multiplier (shares per token) changes: a dividend reinvested or a split.</summary>
    public const string AssetMultiplierChanged = "asset.multiplier_changed";

    /// <summary>A test ping sent on request to one endpoint (<c>POST …/endpoints/{id}/test</c>): not subscribable, never recorded.</summary>
    public const string EndpointTest = "webhook.test";

    /// <summary>Every type, in documentation order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        OrderAccepted, OrderSettled, OrderFailed, OrderCancelled, DepositRedemptionCreated, DepositHeld, AssetMultiplierChanged,
    ];

    /// <summary>Whether <paramref name="type"/> is one of <see cref="All"/> (exact, lower case).</summary>
    public static bool IsKnown(string? type) => type is not null && All.Contains(type, StringComparer.Ordinal);
}
