using Sharemint.Units;

namespace Sharemint.Assets;

/// <summary>A multiplier that takes effect at <paramref name="EffectiveAt"/> (a corporate action).</summary>
[GenerateSerializer, Immutable, Alias("sharemint.ScheduledMultiplier")]
public sealed record ScheduledMultiplier(
    [property: Id(0)] string OperationId,
    [property: Id(1)] Multiplier Multiplier,
    [property: Id(2)] DateTimeOffset EffectiveAt);
