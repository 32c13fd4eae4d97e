using Microsoft.Extensions.Options;
using Sharemint.Orders;
using Sharemint.Silo.Api.Contracts;
using Sharemint.Webhooks;

namespace Sharemint.Silo.Webhooks;

/// <summary>One event to record with an order's index row: its id, type, rank within the order, body, and delivery delay.</summary>
public sealed record StagedEvent(string EventId, string Type, int Rank, string Body, int DelayMilliseconds);

/// <summary>
/// The webhook events an order's status implies. The order index writes them in the same statement as the status, so an
/// event exists exactly when its status was recorded; ids derive from the order id and the type, so writing the same
/// status again (a retried save) records nothing new. Every status after acceptance also carries the acceptance (and, for
/// a deposit, the redemption's creation), so a skipped index write cannot lose them.
/// </summary>
public sealed class OrderWebhookEvents(IOptions<WebhookOptions> options, WebhookSignal signal)
{
    private readonly WebhookOptions _options = options.Value;

    /// <summary>The events of <paramref name="order"/>'s current status, earliest first.</summary>
    public IReadOnlyList<StagedEvent> For(OrderSnapshot order, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        var events = new List<StagedEvent>(3);
        var view = OrderView.From(order);
        void Add(string type, int rank, TimeSpan delay)
        {
            var id = WebhookEventBody.EventId($"{order.OrderId}\n{type}");
            events.Add(new StagedEvent(id, type, rank, WebhookEventBody.Serialize(id, type, now, view), (int)delay.TotalMilliseconds));
        }
        if (order.Status == OrderStatus.Held)
        {
            Add(WebhookEventTypes.DepositHeld, 3, TimeSpan.Zero);
            return events;
        }
        Add(WebhookEventTypes.OrderAccepted, 1, order.Status == OrderStatus.Accepted ? _options.AcceptedDelay : TimeSpan.Zero);
        if (order.OrderId.StartsWith("dep_", StringComparison.Ordinal))
        {
            Add(WebhookEventTypes.DepositRedemptionCreated, 2, TimeSpan.Zero);
        }
        var outcome = order.Status switch
        {
            OrderStatus.Settled => WebhookEventTypes.OrderSettled,
            OrderStatus.Failed => WebhookEventTypes.OrderFailed,
            OrderStatus.Cancelled => WebhookEventTypes.OrderCancelled,
            _ => null,
        };
        if (outcome is not null)
        {
            Add(outcome, 3, TimeSpan.Zero);
        }
        return events;
    }

    /// <summary>Tells this silo's dispatcher that deliveries may be due.</summary>
    public void Recorded() => signal.Wake();

    /// <summary>Defaults, for hosts that index orders without the webhook services (test clusters).</summary>
    public static OrderWebhookEvents Default { get; } = new(Options.Create(new WebhookOptions()), new WebhookSignal());
}
