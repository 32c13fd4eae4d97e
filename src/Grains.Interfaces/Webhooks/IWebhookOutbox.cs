namespace Sharemint.Webhooks;

/// <summary>
/// Publishes events that are not order status changes (order events are written with the order index row). Resolved from
/// the silo's services; grains take it through their constructor.
/// </summary>
public interface IWebhookOutbox
{
    /// <summary>
    /// Records an asset event for every partner that has an endpoint subscribed to <paramref name="type"/> and has ordered
    /// <paramref name="symbol"/>, and queues its deliveries, in one transaction. Idempotent under
    /// <paramref name="eventKey"/> (for example <c>TSLAx/multiplier/42</c>): calling again after a lost reply records
    /// nothing new. Deliveries of one asset's events arrive in the order they were published.
    /// </summary>
    /// <param name="symbol">The asset, e.g. <c>TSLAx</c>.</param>
    /// <param name="type">One of <see cref="WebhookEventTypes.All"/>, e.g. <see cref="WebhookEventTypes.AssetMultiplierChanged"/>.</param>
    /// <param name="eventKey">Stable identity of this change, unique per asset.</param>
    /// <param name="data">The event's <c>data</c> object, serialised as JSON (camelCase).</param>
    /// <returns>How many partners the event was recorded for.</returns>
    Task<int> PublishAssetEventAsync(string symbol, string type, string eventKey, object data, CancellationToken cancellationToken = default);
}
