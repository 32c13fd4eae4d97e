namespace Sharemint.Orders;

/// <summary>How orders are driven (section <c>Sharemint:Orders</c>).</summary>
public sealed class OrderOptions
{
    public const string Section = "Sharemint:Orders";

    /// <summary>How often a live order checks on its chain work.</summary>
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often each silo wakes the unfinished orders the index lists (those accepted longer ago than this): what
    /// resumes an order whose silo died, in place of a durable reminder per order.
    /// </summary>
    public TimeSpan SweepPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a move waits before retrying a failed destination mint.</summary>
    public TimeSpan MintRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Off-hours spread (basis points) applied to redemptions paid from inventory outside market hours.</summary>
    public int OffHoursSpreadBps { get; set; } = 50;

    /// <summary>Stop the process hard when an order reaches this stage (crash tests only; see CrashPoint).</summary>
    public string? CrashAt { get; set; }

    /// <summary>Marker file: the crash happens once, when the file does not exist yet (crash tests only).</summary>
    public string? CrashMarker { get; set; }
}
