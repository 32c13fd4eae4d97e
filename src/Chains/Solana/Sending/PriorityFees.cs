namespace Sharemint.Chains.Solana;

/// <summary>
/// How a write's priority fee (micro-lamports per compute unit) is chosen: a fixed price when configured, else a percentile
/// of the fees that recently landed transactions touching the same accounts paid, never below a floor and never above a cap.
/// </summary>
public sealed record PriorityFeePolicy
{
    /// <summary>The fixed price; null reads it from recent fees.</summary>
    public ulong? FixedMicroLamports { get; init; }

    /// <summary>The least price offered when recent fees are read (0: none when the accounts are quiet).</summary>
    public ulong MinMicroLamports { get; init; }

    /// <summary>The most any write offers per compute unit, whatever the market or the configuration says.</summary>
    public ulong MaxMicroLamports { get; init; } = DefaultMaxMicroLamports;

    /// <summary>The percentile (1-100) of the recent non-zero fees offered.</summary>
    public int Percentile { get; init; } = 75;

    /// <summary>The default cap: 0.1 lamport per compute unit (0.02 SOL at 200,000 units).</summary>
    public const ulong DefaultMaxMicroLamports = 100_000;

    /// <summary>The price for a write given the recent fees (ignored for a fixed price).</summary>
    public ulong Choose(IReadOnlyList<PrioritizationFee> recent)
    {
        ArgumentNullException.ThrowIfNull(recent);
        ulong price;
        if (FixedMicroLamports is { } fixedPrice)
        {
            price = fixedPrice;
        }
        else
        {
            // Slots where nothing competed for these accounts report 0; they say nothing about the price to land now.
            var paid = recent.Select(f => f.MicroLamportsPerUnit).Where(f => f > 0).Order().ToList();
            var market = paid.Count == 0 ? 0 : paid[Math.Clamp((int)Math.Ceiling(paid.Count * Percentile / 100.0) - 1, 0, paid.Count - 1)];
            price = Math.Max(market, MinMicroLamports);
        }
        return Math.Min(price, MaxMicroLamports);
    }
}
