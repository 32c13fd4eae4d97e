using System.Diagnostics.Metrics;

namespace Sharemint.Telemetry;

/// <summary>
/// The <c>Sharemint</c> meter: counters and histograms recorded where things happen (orders, chain calls). Gauges of
/// supply, custody and reserves are observed from ledger snapshots by the host.
/// </summary>
public static class SharemintMetrics
{
    /// <summary>The meter's name, for exporters.</summary>
    public const string MeterName = "Sharemint";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> OrdersPlaced =
        Meter.CreateCounter<long>("sharemint.orders.placed", "{order}", "Orders accepted, by kind, asset and chain.");

    private static readonly Counter<long> OrdersFinished =
        Meter.CreateCounter<long>("sharemint.orders.finished", "{order}", "Orders that reached a terminal status, by kind and outcome.");

    private static readonly Histogram<double> OrderDuration =
        Meter.CreateHistogram<double>("sharemint.order.duration", "s", "Time from acceptance to a terminal status.");

    private static readonly Histogram<double> ChainRpcDuration =
        Meter.CreateHistogram<double>("sharemint.chain.rpc.duration", "s", "Chain RPC latency, by chain and operation.");

    private static readonly Counter<long> ChainRpcErrors =
        Meter.CreateCounter<long>("sharemint.chain.rpc.errors", "{error}", "Chain RPC failures, by chain and operation.");

    private static readonly Counter<double> OrderVolume =
        Meter.CreateCounter<double>("sharemint.order.volume", "USD", "Cash value of settled orders (an observation for dashboards, not a ledger).");

    /// <summary>An order was accepted.</summary>
    public static void OrderPlaced(string kind, string symbol, string chain) =>
        OrdersPlaced.Add(1, new("kind", kind), new("asset", symbol), new("chain", chain));

    /// <summary>An order reached a terminal status (settled, failed, cancelled).</summary>
    public static void OrderFinished(string kind, string outcome, string symbol, string chain, TimeSpan duration)
    {
        OrdersFinished.Add(1, new("kind", kind), new("outcome", outcome), new("asset", symbol), new("chain", chain));
        OrderDuration.Record(duration.TotalSeconds, new("kind", kind), new("outcome", outcome));
    }

    /// <summary>A chain call finished (successfully when <paramref name="error"/> is null).</summary>
    public static void ChainCall(string chain, string operation, TimeSpan duration, string? error)
    {
        ChainRpcDuration.Record(duration.TotalSeconds, new("chain", chain), new("operation", operation));
        if (error is not null)
        {
            ChainRpcErrors.Add(1, new("chain", chain), new("operation", operation), new("error", error));
        }
    }

    /// <summary>A settled order's cash value. The double is only the exported observation; the ledger keeps decimals.</summary>
    public static void OrderSettledVolume(string kind, string symbol, string chain, decimal cashUsd) =>
        OrderVolume.Add((double)cashUsd, new("kind", kind), new("asset", symbol), new("chain", chain));
}
