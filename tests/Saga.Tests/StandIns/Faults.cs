namespace Sharemint.Saga.Tests.StandIns;

/// <summary>What goes wrong at one call across a money boundary.</summary>
public enum Fault
{
    None,
    /// <summary>The call never reaches the callee: nothing happens, the caller sees a timeout.</summary>
    FailBeforeDelivery,
    /// <summary>The callee applies the effect, the reply is lost: the caller sees a timeout.</summary>
    ReplyLost,
    /// <summary>The callee applies the effect, then the caller's process dies before it records the outcome.</summary>
    CrashAfterEffect,
}

/// <summary>Chooses the fault of each call (and a chain operation's fate). Coyote's controlled choices or a seeded random.</summary>
public interface IFaultChooser
{
    Fault Next(string boundary);

    /// <summary>True when a chain write that could land fails instead (expired blockhash, dropped batch).</summary>
    bool ChainWriteFails(string operationId);
}

/// <summary>No faults: every call is delivered and answered, every chain write lands.</summary>
public sealed class NoFaults : IFaultChooser
{
    public static NoFaults Instance { get; } = new();

    public Fault Next(string boundary) => Fault.None;

    public bool ChainWriteFails(string operationId) => false;
}

/// <summary>Faults from a seeded random source at a given rate (property runs; replayable from the seed).</summary>
public sealed class RandomFaults(Random random, int percent) : IFaultChooser
{
    public Fault Next(string boundary) => random.Next(100) >= percent ? Fault.None : (Fault)(1 + random.Next(3));

    public bool ChainWriteFails(string operationId) => random.Next(100) < percent / 2;
}

/// <summary>The caller's process died: thrown at the caller, never caught as an ordinary outcome by the harness.</summary>
public sealed class ProcessCrashedException(string point) : Exception($"process crashed at {point}");

/// <summary>A timeout: the call's outcome is unknown to the caller.</summary>
public sealed class CallTimedOutException(string boundary) : TimeoutException($"{boundary}: no reply");

/// <summary>Named faults, each injected once at the first call across its boundary (a schedule written by hand).</summary>
public sealed class ScriptedFaults(params (string Boundary, Fault Fault)[] script) : IFaultChooser
{
    private readonly List<(string Boundary, Fault Fault)> _left = [.. script];

    public Fault Next(string boundary)
    {
        var index = _left.FindIndex(s => s.Boundary == boundary);
        if (index < 0)
        {
            return Fault.None;
        }
        var fault = _left[index].Fault;
        _left.RemoveAt(index);
        return fault;
    }

    public bool ChainWriteFails(string operationId) => false;
}
