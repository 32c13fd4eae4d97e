using System.Diagnostics.Metrics;

namespace Sharemint.Telemetry;

/// <summary>
/// The <c>Sharemint</c> meter: counters and histograms recorded where things happen (orders, chain calls). Gauges of
/// supply, custody and reserves are observed from ledger snapshots by the host (src/Silo/Telemetry).
/// The Prometheus exporter turns <c>sharemint.orders.placed</c> into <c>sharemint_orders_placed_total</c>, a histogram in
/// seconds into <c>…_seconds_bucket/_sum/_count</c>. Metric values are observations, not ledger money: the conversion of
/// cash to double for the volume counter is deliberate and never feeds back into the ledger.
/// </summary>
public static class SharemintMetrics
{
    /// <summary>The meter's name, for exporters.</summary>
    public const string MeterName = "Sharemint";

    /// <summary>Order kinds as labelled (lower case, as <c>OrderKind</c> names).</summary>
    public static IReadOnlyList<string> OrderKinds { get; } = ["mint", "redeem", "transfer"];

    /// <summary>Terminal outcomes as labelled.</summary>
    public static IReadOnlyList<string> OrderOutcomes { get; } = ["settled", "failed", "cancelled"];

    /// <summary>The meter itself, shared with the host's observable gauges so one meter carries every Sharemint metric.</summary>
    public static Meter Meter { get; } = new(MeterName);

    // Durations from sub-second ledger steps to chain confirmations that take minutes.
    private static readonly double[] OrderDurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
    private static readonly double[] RpcDurationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly Counter<long> OrdersPlaced =
        Meter.CreateCounter<long>("sharemint.orders.placed", "{order}", "Orders accepted, by kind, asset and chain.");

    private static readonly Counter<long> OrdersFinished =
        Meter.CreateCounter<long>("sharemint.orders.finished", "{order}", "Orders that reached a terminal status, by kind and outcome.");

    private static readonly UpDownCounter<long> OrdersOpen =
        Meter.CreateUpDownCounter<long>("sharemint.orders.open", "{order}",
            "Orders accepted by this process minus orders finished by it; summed over silos it is the number of open orders.");

    private static readonly Histogram<double> OrderDuration =
        Meter.CreateHistogram<double>("sharemint.order.duration", "s", "Time from acceptance to a terminal status.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OrderDurationBuckets });

    private static readonly Counter<double> OrderVolume =
        Meter.CreateCounter<double>("sharemint.orders.volume.usd", "{USD}", "Cash value of settled orders in US dollars, by kind, asset and chain.");

    private static readonly Histogram<double> ChainRpcDuration =
        Meter.CreateHistogram<double>("sharemint.chain.rpc.duration", "s", "Chain RPC latency, by chain and operation.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RpcDurationBuckets });

    private static readonly Counter<long> ChainRpcCalls =
        Meter.CreateCounter<long>("sharemint.chain.rpc.calls", "{call}", "Chain RPC calls, by chain and operation.");

    private static readonly Counter<long> ChainRpcErrors =
        Meter.CreateCounter<long>("sharemint.chain.rpc.errors", "{error}", "Chain RPC failures, by chain and operation.");

    /// <summary>An order was accepted.</summary>
    public static void OrderPlaced(string kind, string symbol, string chain)
    {
        OrdersPlaced.Add(1, new("kind", kind), new("asset", symbol), new("chain", chain));
        OrdersOpen.Add(1, new KeyValuePair<string, object?>("kind", kind));
    }

    /// <summary>An order reached a terminal status (settled, failed, cancelled).</summary>
    public static void OrderFinished(string kind, string outcome, string symbol, string chain, TimeSpan duration)
    {
        OrdersFinished.Add(1, new("kind", kind), new("outcome", outcome), new("asset", symbol), new("chain", chain));
        OrdersOpen.Add(-1, new KeyValuePair<string, object?>("kind", kind));
        OrderDuration.Record(duration.TotalSeconds, new("kind", kind), new("outcome", outcome));
    }

    /// <summary>
    /// A settled order moved <paramref name="cashUsd"/> (the order's cash value, fees included). Call once per settled
    /// order, beside <see cref="OrderFinished"/>; daily and cumulative volume are sums of this counter's increase.
    /// </summary>
    public static void OrderSettledVolume(string kind, string symbol, string chain, decimal cashUsd)
    {
        if (cashUsd < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(cashUsd), cashUsd, "Volume cannot be negative.");
        }
        // An observation for dashboards: double is fine here, the ledger keeps the exact decimal.
        OrderVolume.Add((double)cashUsd, new("kind", kind), new("asset", symbol), new("chain", chain));
    }

    /// <summary>A chain call finished (successfully when <paramref name="error"/> is null).</summary>
    public static void ChainCall(string chain, string operation, TimeSpan duration, string? error)
    {
        ChainRpcDuration.Record(duration.TotalSeconds, new("chain", chain), new("operation", operation));
        ChainRpcCalls.Add(1, new("chain", chain), new("operation", operation));
        if (error is not null)
        {
            ChainRpcErrors.Add(1, new("chain", chain), new("operation", operation), new("error", error));
        }
    }

    /// <summary>
    /// Exports the order counters of one deployment at zero, so that rates and alerts see a series before the first order
    /// (Prometheus' advice for label values known in advance). Adds nothing to any count.
    /// </summary>
    public static void InitializeDeployment(string symbol, string chain)
    {
        foreach (var kind in OrderKinds)
        {
            OrdersPlaced.Add(0, new("kind", kind), new("asset", symbol), new("chain", chain));
            OrderVolume.Add(0, new("kind", kind), new("asset", symbol), new("chain", chain));
            foreach (var outcome in OrderOutcomes)
            {
                OrdersFinished.Add(0, new("kind", kind), new("outcome", outcome), new("asset", symbol), new("chain", chain));
            }
        }
        foreach (var kind in OrderKinds)
        {
            OrdersOpen.Add(0, new KeyValuePair<string, object?>("kind", kind));
        }
    }
}
