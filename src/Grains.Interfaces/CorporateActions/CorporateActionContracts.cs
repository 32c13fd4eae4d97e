using Sharemint.Units;

namespace Sharemint.CorporateActions;

/// <summary>What a corporate action does to the multiplier.</summary>
public enum CorporateActionKind
{
    /// <summary>A cash dividend reinvested: new = old × (1 + dividend per share ÷ reference price), the cash buys shares.</summary>
    DividendReinvested = 1,
    /// <summary>A split: new = old × new shares ÷ old shares (more shares per old one).</summary>
    Split,
    /// <summary>A reverse split: new = old × new shares ÷ old shares (fewer shares per old one).</summary>
    ReverseSplit,
}

/// <summary>Where a corporate action stands; it only moves forward.</summary>
public enum CorporateActionStage
{
    /// <summary>Accepted; the pending multiplier is being written to every deployment.</summary>
    Declared = 1,
    /// <summary>Every deployment shows the pending value and effective time.</summary>
    Scheduled,
    /// <summary>Minting and redeeming of the asset are paused around the switch.</summary>
    Paused,
    /// <summary>The ledger switched to the new multiplier (custody adjusted); waiting for every chain to show it.</summary>
    Applied,
    /// <summary>Every chain shows the new multiplier; minting and redeeming resumed.</summary>
    Completed,
}

/// <summary>
/// An operator's declaration. <see cref="ActionId"/> names it for good (declaring the same id again with the same terms
/// changes nothing). Dividends use <see cref="DividendPerShare"/> and <see cref="ReferencePrice"/> (USD); splits use
/// <see cref="NewShares"/> for <see cref="OldShares"/> (2 for 1 doubles the multiplier).
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.CorporateActionRequest")]
public sealed record CorporateActionRequest(
    [property: Id(0)] string ActionId,
    [property: Id(1)] CorporateActionKind Kind,
    [property: Id(2)] DateTimeOffset EffectiveAt,
    [property: Id(3)] decimal DividendPerShare,
    [property: Id(4)] decimal ReferencePrice,
    [property: Id(5)] long NewShares,
    [property: Id(6)] long OldShares);

/// <summary>One deployment's part in a corporate action.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.CorporateActionChain")]
public sealed record CorporateActionChain(
    [property: Id(0)] string Chain,
    [property: Id(1)] string TokenAddress,
    [property: Id(2)] string? WriteId,
    [property: Id(3)] string WriteState,
    [property: Id(4)] int Attempts,
    [property: Id(5)] string? SeenCurrentRaw,
    [property: Id(6)] string? SeenLatestRaw,
    [property: Id(7)] long SeenLatestEffectiveAt,
    [property: Id(8)] bool ShowsPending,
    [property: Id(9)] bool ShowsNew);

/// <summary>A corporate action and its progress.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.CorporateActionSnapshot")]
public sealed record CorporateActionSnapshot(
    [property: Id(0)] string Symbol,
    [property: Id(1)] CorporateActionRequest Request,
    [property: Id(2)] Multiplier OldMultiplier,
    [property: Id(3)] Multiplier NewMultiplier,
    [property: Id(4)] DateTimeOffset PauseFrom,
    [property: Id(5)] DateTimeOffset PauseUntil,
    [property: Id(6)] CorporateActionStage Stage,
    [property: Id(7)] IReadOnlyList<CorporateActionChain> Chains,
    [property: Id(8)] IReadOnlyList<string> Problems,
    [property: Id(9)] decimal SharesBought,
    [property: Id(10)] DateTimeOffset DeclaredAt,
    [property: Id(11)] DateTimeOffset? AppliedAt,
    [property: Id(12)] DateTimeOffset? CompletedAt);

/// <summary>One multiplier change of an asset, as its history lists it.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.MultiplierChange")]
public sealed record MultiplierChange(
    [property: Id(0)] string ActionId,
    [property: Id(1)] CorporateActionKind Kind,
    [property: Id(2)] Multiplier OldMultiplier,
    [property: Id(3)] Multiplier NewMultiplier,
    [property: Id(4)] DateTimeOffset EffectiveAt,
    [property: Id(5)] DateTimeOffset AppliedAt);
