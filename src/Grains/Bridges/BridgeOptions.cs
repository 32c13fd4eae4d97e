namespace Sharemint.Bridges;

/// <summary>How deployments batch mints and watch deposits (section <c>Sharemint:Bridges</c>).</summary>
public sealed class BridgeOptions
{
    public const string Section = "Sharemint:Bridges";

    /// <summary>How long a queued mint waits for others to join its batch.</summary>
    public TimeSpan MintBatchWindow { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>How often a deployment with chain work in flight checks on it.</summary>
    public TimeSpan WorkPeriod { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait between two checks of one write in flight (the wait doubles from <see cref="WorkPeriod"/> up to this).</summary>
    public TimeSpan MaxCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often a watched deployment scans its redemption address for deposits.</summary>
    public TimeSpan DepositScanInterval { get; set; } = TimeSpan.FromSeconds(2);
}
