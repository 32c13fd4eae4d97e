using Sharemint.Units;

namespace Sharemint.Bridges;

/// <summary>
/// Refilling-bucket arithmetic for move rate limits, in integer canonical units and whole seconds. Nothing here can
/// overflow: a refill never computes more than what the bucket is missing, whatever the idle time or rate.
/// </summary>
public static class RateBuckets
{
    /// <summary>Adds what <paramref name="bucket"/> earned since it was last updated (whole seconds), up to its capacity.</summary>
    public static void Refill(RateBucket bucket, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        var elapsed = now - bucket.UpdatedAt;
        if (elapsed < TimeSpan.FromSeconds(1))
        {
            // Less than a second, or a clock that went back: nothing earned, and the start of the second is kept.
            return;
        }
        var missing = Math.Max(0, bucket.Capacity.Units - bucket.Level.Units);
        var rate = bucket.RefillPerSecond.Units;
        var seconds = elapsed.Ticks / TimeSpan.TicksPerSecond;
        // Seconds needed to fill up, rounded up, computed without multiplying: seconds × rate may not fit a long.
        var toFull = rate == 0 ? long.MaxValue : missing / rate + (missing % rate == 0 ? 0 : 1);
        if (seconds >= toFull)
        {
            bucket.Level = bucket.Capacity;
            bucket.UpdatedAt = now;
            return;
        }
        // Here seconds ≤ toFull - 1, so seconds × rate < missing: the level stays below capacity, no overflow.
        bucket.Level = CanonicalAmount.FromUnits(bucket.Level.Units + seconds * rate);
        bucket.UpdatedAt = bucket.UpdatedAt.AddSeconds(seconds);
    }

    /// <summary>Gives <paramref name="amount"/> back to <paramref name="bucket"/>, never above its capacity.</summary>
    public static void Give(RateBucket bucket, CanonicalAmount amount)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        var room = Math.Max(0, bucket.Capacity.Units - bucket.Level.Units);
        bucket.Level = amount.Units >= room ? bucket.Capacity : CanonicalAmount.FromUnits(bucket.Level.Units + amount.Units);
    }
}
