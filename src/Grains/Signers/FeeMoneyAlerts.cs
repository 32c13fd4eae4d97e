using System.Diagnostics.Metrics;
using Sharemint.Telemetry;

namespace Sharemint.Signers;

/// <summary>
/// The alert for an issuer account that cannot pay chain fees (ETH, BNB, SOL): its writes wait instead of failing, and
/// <c>sharemint.chain.issuer.fee_starved</c> (1 while starved, by chain) plus a counter of refusals tell operators to top it up.
/// </summary>
internal static class FeeMoneyAlerts
{
    private static readonly Dictionary<string, int> StarvedChains = new(StringComparer.Ordinal);

    private static readonly Counter<long> Refusals =
        SharemintMetrics.Meter.CreateCounter<long>("sharemint.chain.issuer.fee_refusals", "{refusal}",
            "Chain writes held back because the issuer's account could not pay the fee, by chain.");

    static FeeMoneyAlerts()
    {
        SharemintMetrics.Meter.CreateObservableGauge("sharemint.chain.issuer.fee_starved", Observe, "{chain}",
            "1 while the issuer's account on a chain cannot pay fees (its writes wait), by chain.");
    }

    /// <summary>The issuer on <paramref name="chain"/> could not pay a fee: count it and raise the gauge (the caller logs).</summary>
    public static void Starved(string chain)
    {
        lock (StarvedChains)
        {
            StarvedChains[chain] = 1;
        }
        Refusals.Add(1, new KeyValuePair<string, object?>("chain", chain));
    }

    /// <summary>The issuer on <paramref name="chain"/> can pay again.</summary>
    public static void Restored(string chain)
    {
        lock (StarvedChains)
        {
            if (StarvedChains.ContainsKey(chain))
            {
                StarvedChains[chain] = 0;
            }
        }
    }

    /// <summary>Whether <paramref name="chain"/> is marked starved now (for tests and health).</summary>
    public static bool IsStarved(string chain)
    {
        lock (StarvedChains)
        {
            return StarvedChains.TryGetValue(chain, out var v) && v == 1;
        }
    }

    private static IEnumerable<Measurement<int>> Observe()
    {
        lock (StarvedChains)
        {
            return StarvedChains.Select(c => new Measurement<int>(c.Value, new KeyValuePair<string, object?>("chain", c.Key))).ToList();
        }
    }
}
