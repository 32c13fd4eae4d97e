namespace Sharemint.Faults;

/// <summary>
/// The test seam at every boundary where money moves (key <c>0</c>): arms faults on the outgoing grain calls of one
/// source grain (or of the first new grain whose key matches a pattern such as <c>dep_*run-7</c>) and records which
/// calls it makes. Only a silo started with <c>Sharemint:Faults:Enabled</c>
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

    /// <summary>
    /// The key of the grain that a pattern (a source key with a <c>*</c>, e.g. <c>dep_*run-7</c>) bound to: the first source
    /// whose key starts with the pattern's prefix. Null while no such grain has made a call.
    /// </summary>
    [Alias("GetBoundSource")]
    Task<string?> GetBoundSourceAsync(string pattern);

    /// <summary>The faults armed for <paramref name="sourceKey"/> that have fired.</summary>
    [Alias("GetFired")]
    Task<IReadOnlyList<FaultSpec>> GetFiredAsync(string sourceKey);
}
