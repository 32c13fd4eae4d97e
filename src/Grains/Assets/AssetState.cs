using Sharemint.Ledger;
using Sharemint.Units;

namespace Sharemint.Assets;

/// <summary>The stored ledger of one asset.</summary>
[GenerateSerializer, Alias("sharemint.AssetState")]
public sealed class AssetState : IRecordsOperations
{
    [Id(0)] public AssetDefinition? Definition { get; set; }
    [Id(1)] public AssetStatus Status { get; set; } = AssetStatus.Active;
    [Id(2)] public Multiplier Multiplier { get; set; } = Multiplier.One;
    [Id(3)] public decimal CustodyShares { get; set; }
    [Id(4)] public CanonicalAmount Issued { get; set; }

    /// <summary>Reservations not yet settled or released, by reservation id.</summary>
    [Id(5)] public Dictionary<string, CustodyReservation> OpenReservations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Authorized burns not yet completed, by burn operation id.</summary>
    [Id(7)] public Dictionary<string, PendingBurn> PendingBurns { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Applied operation ids, and <c>settled:{reservation}</c> → the mint that settled it (one reservation backs one mint).</summary>
    [Id(8)] public AppliedOperations Applied { get; set; } = new();

    /// <summary>A multiplier change waiting for its effective time (applied by a reminder).</summary>
    [Id(9)] public ScheduledMultiplier? ScheduledMultiplier { get; set; }
    /// <summary>Tokens burned on one chain and not yet minted on another, by transfer id (still issued, still backed).</summary>
    [Id(10)] public Dictionary<string, TransitLeg> InTransit { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The corporate action whose pause window is open (no mints, no burns), or null.</summary>
    [Id(11)] public string? CorporateActionWindow { get; set; }

    /// <summary>End of the redemption-only window of a delisting (status <see cref="AssetStatus.Delisting"/>), or null.</summary>
    [Id(12)] public DateTimeOffset? RedeemUntil { get; set; }
}

/// <summary>A move between chains whose source burn is final and whose destination mint is not yet recorded.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.TransitLeg")]
public sealed record TransitLeg([property: Id(0)] string FromChain, [property: Id(1)] CanonicalAmount Amount);

/// <summary>A burn the asset has allowed and is waiting to see completed.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.PendingBurn")]
public sealed record PendingBurn([property: Id(0)] string Chain, [property: Id(1)] CanonicalAmount Amount);
