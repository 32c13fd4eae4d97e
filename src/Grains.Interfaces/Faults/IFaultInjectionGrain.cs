namespace Sharemint.Faults;

/// <summary>
/// The test seam at every boundary where money moves (key <c>0</c>): arms faults on the outgoing grain calls of one
/// source grain and records which calls that grain makes. Only a silo started with <c>Sharemint:Faults:Enabled</c>
/// accepts it; elsewhere every method is refused. The plan lives in the memory of the silo that hosts this grain, so
/// it is meant for single-silo test platforms.
/// </summary>
[Alias("sharemint.IFaultInjectionGrain")]
public interface IFaultInjectionGrain : IGrainWithIntegerKey
{
    /// <summary>Arms one fault; it fires once, on the first matching call, and is then spent.</summary>
    [Alias("Arm")]
    Task ArmAsync(FaultSpec fault);

    /// <summary>Starts recording the money-moving calls (not reads) that the grain keyed <paramref name="sourceKey"/> makes.</summary>
    [Alias("Record")]
    Task RecordAsync(string sourceKey);

    /// <summary>The calls recorded for <paramref name="sourceKey"/>, in order, each with its occurrence number.</summary>
    [Alias("GetCalls")]
    Task<IReadOnlyList<FaultPoint>> GetCallsAsync(string sourceKey);

    /// <summary>The faults armed for <paramref name="sourceKey"/> that have fired.</summary>
    [Alias("GetFired")]
    Task<IReadOnlyList<FaultSpec>> GetFiredAsync(string sourceKey);
}
