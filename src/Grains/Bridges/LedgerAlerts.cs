using System.Diagnostics.Metrics;
using Sharemint.Telemetry;

namespace Sharemint.Bridges;

/// <summary>
/// Alerts for money paths that cannot simply refuse: a deposit parked for operators, and a chain effect that was final
/// on-chain and therefore recorded even though the ledger's current rules (a pause, a moved multiplier) would refuse it now.
/// </summary>
internal static class LedgerAlerts
{
    private static readonly Counter<long> HeldDeposits =
        SharemintMetrics.Meter.CreateCounter<long>("sharemint.deposits.held", "{deposit}",
            "Deposits the watcher could not turn into a redemption order and parked for operators, by asset and chain.");

    private static readonly Counter<long> ForcedRecords =
        SharemintMetrics.Meter.CreateCounter<long>("sharemint.ledger.forced_records", "{record}",
            "Chain effects final on-chain that were recorded against the ledger's current rules (paused asset, backing short after a multiplier change), by asset and reason.");

    /// <summary>A deposit was parked for operators.</summary>
    public static void DepositHeld(string symbol, string chain) =>
        HeldDeposits.Add(1, new KeyValuePair<string, object?>("asset", symbol), new KeyValuePair<string, object?>("chain", chain));

    /// <summary>A final chain effect was recorded although the ledger would refuse it now (<paramref name="reason"/>: a stable code).</summary>
    public static void ForcedRecord(string symbol, string reason) =>
        ForcedRecords.Add(1, new KeyValuePair<string, object?>("asset", symbol), new KeyValuePair<string, object?>("reason", reason));
}
