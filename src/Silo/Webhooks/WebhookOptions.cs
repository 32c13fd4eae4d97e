namespace Sharemint.Silo.Webhooks;

/// <summary>How webhooks are delivered (<c>Sharemint:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Sharemint:Webhooks";

    /// <summary>How long a delivery is retried before it is abandoned (it can still be replayed). At least a day.</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(72);

    /// <summary>The first retry's delay; each later one doubles it, up to <see cref="MaxBackoff"/>, with jitter.</summary>
    public TimeSpan BaseBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between two attempts.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a receiver has to answer one delivery.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a silo looks for due deliveries when nothing in this process woke it.</summary>
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long an <c>order.accepted</c> delivery waits while the order is still only accepted: a mint whose cash hold is
    /// refused right after it was recorded never existed, and its event is withdrawn within this window.
    /// </summary>
    public TimeSpan AcceptedDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Deliveries one silo sends at once.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Endpoints one partner may register.</summary>
    public int MaxEndpointsPerPartner { get; set; } = 10;

    /// <summary>
    /// Whether endpoints may be plain http and may point at loopback, private, link-local or metadata addresses. Off in
    /// production: a partner's URL must not reach the platform's own network. On only for tests and run-local, whose
    /// receivers listen on loopback.
    /// </summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>How long a claimed delivery is reserved for the silo that claimed it before another may try.</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromSeconds(60);
}
