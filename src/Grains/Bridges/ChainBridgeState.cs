using Sharemint.Ledger;
using Sharemint.Units;

namespace Sharemint.Bridges;

/// <summary>The stored ledger of one deployment, with its chain work in flight (write-ahead) and its watcher cursor.</summary>
[GenerateSerializer, Alias("sharemint.ChainBridgeState")]
public sealed class ChainBridgeState : IRecordsOperations
{
    [Id(0)] public DeploymentConfig? Config { get; set; }
    [Id(1)] public bool Paused { get; set; }
    [Id(2)] public CanonicalAmount Supply { get; set; }
    [Id(3)] public CanonicalAmount Minted { get; set; }
    [Id(4)] public CanonicalAmount Burned { get; set; }
    [Id(5)] public AppliedOperations Applied { get; set; } = new();
    /// <summary>Mints not yet recorded, by mint operation id.</summary>
    [Id(6)] public Dictionary<string, PendingChainMint> Mints { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Mint batches composed (and persisted) before submission, by write id.</summary>
    [Id(7)] public Dictionary<string, MintBatch> Batches { get; set; } = new(StringComparer.Ordinal);
    [Id(8)] public long NextBatch { get; set; }
    /// <summary>Burns not yet recorded, by burn operation id.</summary>
    [Id(9)] public Dictionary<string, PendingChainBurn> Burns { get; set; } = new(StringComparer.Ordinal);
    [Id(10)] public RateBucket? Outbound { get; set; }
    [Id(11)] public RateBucket? Inbound { get; set; }
    /// <summary>Capacity taken by moves, by transfer id: direction and amount (given back on cancel).</summary>
    [Id(12)] public Dictionary<string, TakenCapacity> Taken { get; set; } = new(StringComparer.Ordinal);
    [Id(13)] public bool Watching { get; set; }
    [Id(14)] public string? DepositCursor { get; set; }
    [Id(15)] public long DepositsSeen { get; set; }
    /// <summary>Deposits the watcher could not turn into an order (placement refused, or failing again and again), by deposit id.</summary>
    [Id(16)] public Dictionary<string, HeldDeposit> HeldDeposits { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Failed placement passes of the deposit the watcher is stuck on (reset once it passes).</summary>
    [Id(17)] public int DepositFailures { get; set; }
}


/// <summary>A mint waiting for its batch or its batch's finality.</summary>
[GenerateSerializer, Alias("sharemint.PendingChainMint")]
public sealed class PendingChainMint
{
    [Id(0)] public required ChainMintRequest Request { get; init; }
    [Id(1)] public required string Fingerprint { get; init; }
    [Id(2)] public DateTimeOffset QueuedAt { get; init; }
    [Id(3)] public string? BatchId { get; set; }
    /// <summary>The W3C traceparent of the request that queued the mint: its batch continues that trace.</summary>
    [Id(4)] public string? TraceParent { get; init; }
}

/// <summary>Mints sent together under one write id.</summary>
[GenerateSerializer, Alias("sharemint.MintBatch")]
public sealed class MintBatch
{
    [Id(0)] public List<string> MintOperationIds { get; init; } = [];
    [Id(1)] public bool Submitted { get; set; }
    [Id(2)] public string? TransactionId { get; set; }
}

/// <summary>A burn submitted (or about to be) and not yet recorded.</summary>
[GenerateSerializer, Alias("sharemint.PendingChainBurn")]
public sealed class PendingChainBurn
{
    [Id(0)] public required ChainBurnRequest Request { get; init; }
    [Id(1)] public required string Fingerprint { get; init; }
    [Id(2)] public bool Submitted { get; set; }
    [Id(3)] public string? TransactionId { get; set; }
    /// <summary>The chain burn is final and the supply fell; the asset's side (complete burn / begin transit) is next.</summary>
    [Id(4)] public bool SupplyRecorded { get; set; }
}

/// <summary>A refilling bucket's stored level.</summary>
[GenerateSerializer, Alias("sharemint.RateBucket")]
public sealed class RateBucket
{
    [Id(0)] public CanonicalAmount Capacity { get; set; }
    [Id(1)] public CanonicalAmount RefillPerSecond { get; set; }
    [Id(2)] public CanonicalAmount Level { get; set; }
    [Id(3)] public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Capacity a move took.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.TakenCapacity")]
public sealed record TakenCapacity([property: Id(0)] TransferDirection Direction, [property: Id(1)] CanonicalAmount Amount);
