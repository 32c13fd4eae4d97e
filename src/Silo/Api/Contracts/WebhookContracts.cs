using System.Text.Json;
using System.Text.Json.Serialization;
using Sharemint.Silo.Webhooks;

namespace Sharemint.Silo.Api.Contracts;

/// <summary>
/// Register an endpoint: an https URL that reaches a public address and the event types it receives (see
/// <c>WebhookEventTypes</c>: <c>order.accepted</c>, <c>order.settled</c>, <c>order.failed</c>, <c>order.cancelled</c>,
/// <c>deposit.redemption_created</c>, <c>deposit.held</c>, <c>asset.multiplier_changed</c>).
/// </summary>
public sealed record CreateWebhookEndpointBody(string Url, IReadOnlyList<string> EventTypes);

/// <summary>Rotate an endpoint's secret; the old one still signs for <paramref name="OverlapSeconds"/> (default 86400, 0 ends it now).</summary>
public sealed record RotateWebhookSecretBody(int? OverlapSeconds = null);

/// <summary>Replay an event to one endpoint, or to every endpoint subscribed to its type when <paramref name="EndpointId"/> is omitted.</summary>
public sealed record ReplayWebhookEventBody(string? EndpointId = null);

/// <summary>An endpoint (never its secret).</summary>
public sealed record WebhookEndpointView(string EndpointId, string Url, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt,
    DateTimeOffset? RotatedAt, DateTimeOffset? PreviousSecretExpiresAt)
{
    public static WebhookEndpointView From(WebhookEndpoint e) => new(e.EndpointId, e.Url, e.EventTypes, e.CreatedAt, e.RotatedAt, e.PreviousSecretExpiresAt);
}

/// <summary>An endpoint with its signing secret: in this answer only.</summary>
public sealed record IssuedWebhookEndpointView(string EndpointId, string Url, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt,
    DateTimeOffset? RotatedAt, DateTimeOffset? PreviousSecretExpiresAt, string Secret)
{
    public static IssuedWebhookEndpointView From(IssuedWebhookEndpoint issued) => new(issued.Endpoint.EndpointId, issued.Endpoint.Url,
        issued.Endpoint.EventTypes, issued.Endpoint.CreatedAt, issued.Endpoint.RotatedAt, issued.Endpoint.PreviousSecretExpiresAt, issued.Secret);
}

/// <summary>One endpoint's delivery of an event: <c>pending</c>, <c>delivered</c> or <c>abandoned</c> (retries ran out; replay it).</summary>
public sealed record WebhookDeliveryView(string EndpointId, string Status, int Attempts, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt,
    int? LastStatus, string? LastError)
{
    public static WebhookDeliveryView From(WebhookDeliveryState d) => new(d.EndpointId,
        d.DeliveredAt is not null ? "delivered" : d.AbandonedAt is not null ? "abandoned" : "pending",
        d.Attempts, d.DeliveredAt, d.DeliveredAt is null && d.AbandonedAt is null ? d.NextAttemptAt : null, d.LastStatus, d.LastError);
}

/// <summary>A recorded event: <c>payload</c> is exactly what is delivered (and signed); <c>cursor</c> lists the events after it.</summary>
public sealed record WebhookEventView(string EventId, string Type, string Cursor, DateTimeOffset CreatedAt, JsonElement Payload,
    IReadOnlyList<WebhookDeliveryView> Deliveries)
{
    public static WebhookEventView From(WebhookEventRecord e)
    {
        using var payload = JsonDocument.Parse(e.Body);
        return new(e.EventId, e.Type, e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), e.CreatedAt,
            payload.RootElement.Clone(), e.Deliveries.Select(WebhookDeliveryView.From).ToArray());
    }
}

/// <summary>A page of events, oldest first; pass <c>next_cursor</c> as <c>after</c> for the next page.</summary>
public sealed record WebhookEventPage(
    IReadOnlyList<WebhookEventView> Data,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("next_cursor")] string? NextCursor);

/// <summary>The endpoints an event was queued for again.</summary>
public sealed record WebhookReplayView(string EventId, IReadOnlyList<string> EndpointIds);

/// <summary>One delivery in an endpoint's log: the event, and <c>pending</c>, <c>delivered</c> or <c>abandoned</c> with the last attempt's outcome.</summary>
public sealed record WebhookEndpointDeliveryView(string EventId, string Type, DateTimeOffset CreatedAt, string Status, int Attempts,
    DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt, int? LastStatus, string? LastError)
{
    public static WebhookEndpointDeliveryView From(WebhookEndpointDelivery d)
    {
        var delivery = WebhookDeliveryView.From(d.Delivery);
        return new(d.EventId, d.Type, d.CreatedAt, delivery.Status, delivery.Attempts, delivery.DeliveredAt, delivery.NextAttemptAt,
            delivery.LastStatus, delivery.LastError);
    }
}

/// <summary>
/// An endpoint whose deliveries fail: <c>failing</c> still retried, <c>abandoned</c> given up (replay them once it is
/// fixed), the oldest such event's time, the latest error and the last successful delivery.
/// </summary>
public sealed record FailingWebhookEndpointView(string AccountId, string EndpointId, string Url, int Failing, int Abandoned, DateTimeOffset FailingSince,
    string? LastError, DateTimeOffset? LastDeliveredAt)
{
    public static FailingWebhookEndpointView From(FailingWebhookEndpoint f) =>
        new(f.AccountId, f.EndpointId, f.Url, f.Failing, f.Abandoned, f.FailingSince, f.LastError, f.LastDeliveredAt);
}

/// <summary>The outcome of a test ping (<c>webhook.test</c>, signed like any event): the receiver's status, or why it failed.</summary>
public sealed record WebhookTestView(string EndpointId, string EventId, bool Delivered, int? Status, string? Error, long DurationMs);
