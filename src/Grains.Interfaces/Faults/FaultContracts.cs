namespace Sharemint.Faults;

/// <summary>What an injected fault does to one grain call crossing a money boundary.</summary>
public enum FaultMode
{
    /// <summary>The call never reaches the callee; the caller sees a delivery failure.</summary>
    FailBeforeDelivery = 1,
    /// <summary>The callee runs the call and its effect stands; the reply is lost and the caller sees a timeout.</summary>
    LoseReply,
    /// <summary>The callee runs the call; then the whole silo process stops hard before the caller can record the reply.</summary>
    CrashAfterEffect,
}

/// <summary>
/// One call made by a source grain (an order, a bridge): the <paramref name="Occurrence"/>-th call (1-based) of
/// <paramref name="Method"/> (<c>Interface.Method</c>) made by that grain activation's key.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.FaultPoint")]
public sealed record FaultPoint([property: Id(0)] string Method, [property: Id(1)] int Occurrence)
{
    public override string ToString() => $"{Method}#{Occurrence}";
}

/// <summary>Arms <paramref name="Mode"/> at <paramref name="Point"/> for calls made by the grain whose key is <paramref name="SourceKey"/>.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.FaultSpec")]
public sealed record FaultSpec([property: Id(0)] string SourceKey, [property: Id(1)] FaultPoint Point, [property: Id(2)] FaultMode Mode);
