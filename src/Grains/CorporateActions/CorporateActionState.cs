using Sharemint.Units;

namespace Sharemint.CorporateActions;

/// <summary>The stored corporate actions of one asset, oldest first.</summary>
[GenerateSerializer, Alias("sharemint.CorporateActionState")]
public sealed class CorporateActionState
{
    [Id(0)] public List<CorporateActionRecord> Actions { get; set; } = [];
}

/// <summary>One action and the steps it has taken so far.</summary>
[GenerateSerializer, Alias("sharemint.CorporateActionRecord")]
public sealed class CorporateActionRecord
{
    [Id(0)] public CorporateActionRequest Request { get; set; } = null!;
    [Id(1)] public Multiplier OldMultiplier { get; set; }
    [Id(2)] public Multiplier NewMultiplier { get; set; }
    [Id(3)] public DateTimeOffset PauseFrom { get; set; }
    [Id(4)] public DateTimeOffset PauseUntil { get; set; }
    [Id(5)] public CorporateActionStage Stage { get; set; }
    [Id(6)] public List<ChainStep> Chains { get; set; } = [];
    [Id(7)] public List<string> Problems { get; set; } = [];
    [Id(8)] public decimal SharesBought { get; set; }
    [Id(9)] public DateTimeOffset DeclaredAt { get; set; }
    [Id(10)] public DateTimeOffset? AppliedAt { get; set; }
    [Id(11)] public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>Whether the change was recorded in the webhook outbox (partners holding the asset hear of it once).</summary>
    [Id(12)] public bool Announced { get; set; }
}

/// <summary>
/// One deployment's write: the write id of the current attempt and the compare-and-set nonce read before it was recorded
/// (recorded before the write is submitted, so a restart resubmits the same write, never a second one).
/// </summary>
[GenerateSerializer, Alias("sharemint.CorporateActionChainStep")]
public sealed class ChainStep
{
    [Id(0)] public string Chain { get; set; } = "";
    [Id(1)] public string TokenAddress { get; set; } = "";
    [Id(2)] public int Decimals { get; set; }
    [Id(3)] public int Attempts { get; set; }
    [Id(4)] public string? WriteId { get; set; }
    [Id(5)] public long ExpectedNonce { get; set; }
    [Id(6)] public string WriteState { get; set; } = "none";
    [Id(7)] public OnChainMultiplierSeen? Seen { get; set; }
}

/// <summary>What the chain showed at the last check.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.OnChainMultiplierSeen")]
public sealed record OnChainMultiplierSeen(
    [property: Id(0)] string CurrentRaw,
    [property: Id(1)] string LatestRaw,
    [property: Id(2)] long LatestEffectiveAt);
