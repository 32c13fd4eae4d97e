using Sharemint.Units;

namespace Sharemint.Bridges;

/// <summary>Where an asset is deployed on one chain.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.DeploymentConfig")]
public sealed record DeploymentConfig(
    [property: Id(0)] string TokenAddress,
    [property: Id(1)] int Decimals);

/// <summary>One deployment's ledger: the supply the platform has minted minus burned on that chain.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.DeploymentSnapshot")]
public sealed record DeploymentSnapshot(
    [property: Id(0)] string Symbol,
    [property: Id(1)] string Chain,
    [property: Id(2)] DeploymentConfig Config,
    [property: Id(3)] bool Paused,
    [property: Id(4)] CanonicalAmount Supply,
    [property: Id(5)] CanonicalAmount Minted,
    [property: Id(6)] CanonicalAmount Burned,
    [property: Id(7)] long Version,
    [property: Id(8)] RateLimit? OutboundLimit,
    [property: Id(9)] RateLimit? InboundLimit,
    [property: Id(10)] int PendingChainOperations,
    [property: Id(11)] bool Watching);

/// <summary>
/// A refilling bucket for moves between chains (as CCIP and Wormhole NTT do): at most <paramref name="Capacity"/> at once,
/// refilled at <paramref name="RefillPerSecond"/> canonical units per second. <paramref name="Available"/> is the level when read.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.RateLimit")]
public sealed record RateLimit(
    [property: Id(0)] CanonicalAmount Capacity,
    [property: Id(1)] CanonicalAmount RefillPerSecond,
    [property: Id(2)] CanonicalAmount Available);

/// <summary>What backs a chain mint: a custody reservation on the asset (a mint order) or tokens in transit (a move).</summary>
public enum MintBacking
{
    Reservation = 1,
    Transit,
}

/// <summary>
/// A mint to queue for the next batch. <paramref name="BackingId"/> is the reservation id (settled when the mint is final) or
/// the id of the source burn whose tokens are in transit (ended when the mint is final).
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.ChainMintRequest")]
public sealed record ChainMintRequest(
    [property: Id(0)] MintBacking Backing,
    [property: Id(1)] string BackingId,
    [property: Id(2)] string Wallet,
    [property: Id(3)] CanonicalAmount Amount);

/// <summary>Why tokens are burned: a redemption (backing released) or the first leg of a move (tokens go into transit).</summary>
public enum BurnPurpose
{
    Redemption = 1,
    TransferOut,
}

/// <summary>
/// A burn to perform. <paramref name="HolderWallet"/> null burns from the issuer's redemption address (deposits);
/// otherwise from that wallet (EVM burnFrom under its allowance; Solana permanent delegate).
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.ChainBurnRequest")]
public sealed record ChainBurnRequest(
    [property: Id(0)] BurnPurpose Purpose,
    [property: Id(1)] string? HolderWallet,
    [property: Id(2)] CanonicalAmount Amount);

/// <summary>Where a chain mint or burn stands.</summary>
public enum ChainOperationState
{
    /// <summary>Recorded, waiting for its batch or for the chain to come back.</summary>
    Queued = 1,
    /// <summary>Signed, persisted and broadcast; not final yet.</summary>
    Submitted,
    /// <summary>Final on-chain and recorded in the ledger (supply and asset updated).</summary>
    Recorded,
    /// <summary>Refused or reverted on-chain: nothing happened, nothing will.</summary>
    Failed,
}

/// <summary>A chain mint's or burn's progress.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.ChainOperationProgress")]
public sealed record ChainOperationProgress(
    [property: Id(0)] string OperationId,
    [property: Id(1)] ChainOperationState State,
    [property: Id(2)] string? TransactionId,
    [property: Id(3)] string? FailureCode,
    [property: Id(4)] string? FailureMessage);

/// <summary>Which bucket a move takes capacity from: the source's outbound or the destination's inbound.</summary>
public enum TransferDirection
{
    Outbound = 1,
    Inbound,
}

/// <summary>The key of a bridge grain: <c>{symbol}/{chain}</c>.</summary>
public static class DeploymentKey
{
    /// <summary>Builds the key, e.g. <c>TSLAx/solana</c>.</summary>
    public static string For(string symbol, string chain) => $"{symbol}/{chain}";

    /// <summary>Splits a key into symbol and chain.</summary>
    public static (string Symbol, string Chain) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 || slash == key.Length - 1
            ? throw new ArgumentException($"'{key}' is not a deployment key of the form symbol/chain.", nameof(key))
            : (key[..slash], key[(slash + 1)..]);
    }
}

/// <summary>
/// A deposit the watcher parked for operators instead of letting it stop the watcher: what arrived, why it could not be
/// turned into a redemption order, and when.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.HeldDeposit")]
public sealed record HeldDeposit(
    [property: Id(0)] Signers.TokenDeposit Deposit,
    [property: Id(1)] string Reason,
    [property: Id(2)] DateTimeOffset HeldAt);

/// <summary>
/// The deposit watcher of one deployment as operators see it: running or not, the persisted cursor (chain-specific:
/// <c>block:hash</c> on EVM chains, a signature on Solana), deposits handed on to orders, deposits parked, and the passes
/// in a row the current deposit's placement has failed.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.DepositWatch")]
public sealed record DepositWatch(
    [property: Id(0)] string Symbol,
    [property: Id(1)] string Chain,
    [property: Id(2)] bool Watching,
    [property: Id(3)] string? Cursor,
    [property: Id(4)] long DepositsSeen,
    [property: Id(5)] int Held,
    [property: Id(6)] int FailingPasses);
