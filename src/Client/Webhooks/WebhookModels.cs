using System.Text.Json;
using System.Text.Json.Serialization;
using Sharemint.Client.Orders;

namespace Sharemint.Client.Webhooks;

/// <summary>The event types an endpoint can subscribe to.</summary>
public static class WebhookEventTypes
{
    public const string OrderAccepted = "order.accepted";
    public const string OrderSettled = "order.settled";
    public const string OrderFailed = "order.failed";
    public const string OrderCancelled = "order.cancelled";
    public const string DepositRedemptionCreated = "deposit.redemption_created";
    public const string DepositHeld = "deposit.held";
    public const string AssetMultiplierChanged = "asset.multiplier_changed";

    /// <summary>A test ping an endpoint receives when asked for one; never recorded or retried.</summary>
    public const string EndpointTest = "webhook.test";
}

/// <summary>A registered endpoint (never its secret).</summary>
public sealed record WebhookEndpoint(string EndpointId, string Url, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt,
    DateTimeOffset? RotatedAt, DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>An endpoint with its signing secret, which the API shows only in this answer: store it for the receiver.</summary>
public sealed record IssuedWebhookEndpoint(string EndpointId, string Url, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt,
    DateTimeOffset? RotatedAt, DateTimeOffset? PreviousSecretExpiresAt, string Secret);

/// <summary>One endpoint's delivery of an event: <c>pending</c>, <c>delivered</c> or <c>abandoned</c>.</summary>
public sealed record WebhookDelivery(string EndpointId, string Status, int Attempts, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt,
    int? LastStatus, string? LastError);

/// <summary>A recorded event: <see cref="Payload"/> is exactly the body delivered to endpoints.</summary>
public sealed record WebhookEventRecord(string EventId, string Type, string Cursor, DateTimeOffset CreatedAt, JsonElement Payload,
    IReadOnlyList<WebhookDelivery> Deliveries);

/// <summary>One delivery in an endpoint's log: <see cref="Status"/> is <c>pending</c>, <c>delivered</c> or <c>abandoned</c>.</summary>
public sealed record WebhookEndpointDelivery(string EventId, string Type, DateTimeOffset CreatedAt, string Status, int Attempts,
    DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt, int? LastStatus, string? LastError);

/// <summary>An endpoint whose deliveries fail: still retried (<see cref="Failing"/>) or given up (<see cref="Abandoned"/>).</summary>
public sealed record FailingWebhookEndpoint(string AccountId, string EndpointId, string Url, int Failing, int Abandoned, DateTimeOffset FailingSince,
    string? LastError, DateTimeOffset? LastDeliveredAt);

/// <summary>What the receiver answered a test ping: its HTTP status, or why nothing was delivered.</summary>
public sealed record WebhookTestResult(string EndpointId, string EventId, bool Delivered, int? Status, string? Error, long DurationMs);

/// <summary>A page of events, oldest first.</summary>
public sealed record WebhookEventPage(
    IReadOnlyList<WebhookEventRecord> Data,
    [property: JsonPropertyName("has_more")] bool HasMore,
    [property: JsonPropertyName("next_cursor")] string? NextCursor);

/// <summary>The endpoints an event was queued for again.</summary>
public sealed record WebhookReplay(string EventId, IReadOnlyList<string> EndpointIds);

/// <summary>A delivered event whose signature verified: <c>{"id","type","createdAt","data"}</c>.</summary>
public sealed record WebhookEvent(string Id, string Type, DateTimeOffset CreatedAt, JsonElement Data)
{
    /// <summary>The order of an <c>order.*</c> or <c>deposit.*</c> event, as <c>GET /v1/orders/{id}</c> shows it.</summary>
    public Order GetOrder() => Data.Deserialize<Order>(SharemintJson.Options)
        ?? throw new InvalidOperationException($"Event {Id} carries no order.");
}
