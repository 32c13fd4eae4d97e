using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Bridges;

/// <summary>
/// One deployment of an asset on one chain (key <c>{symbol}/{chain}</c>, e.g. <c>TSLAx/solana</c>): its token and the
/// ledger supply there. Mints and burns are recorded at most once per operation id, in the same state write as the
/// supply change. Supply only grows after the asset grain has settled a reservation (so every token on a chain is
/// backed), and only shrinks before the asset grain releases backing. A retry of a recorded operation re-drives the
/// asset grain's side, so a crash between the two grains heals on the next attempt.
/// </summary>
[Alias("sharemint.IChainBridgeGrain")]
public interface IChainBridgeGrain : IGrainWithStringKey
{
    /// <summary>The deployment now. Throws <c>DeploymentNotFound</c> when not configured.</summary>
    [Alias("Get"), ReadOnly]
    Task<DeploymentSnapshot> GetAsync();

    /// <summary>Configures the deployment (token address, decimals). Idempotent; changing decimals after supply exists is refused.</summary>
    [Alias("Configure")]
    Task<DeploymentSnapshot> ConfigureAsync(DeploymentConfig config);

    /// <summary>Pauses or resumes this deployment: a paused deployment records no mint and no burn.</summary>
    [Alias("SetPaused")]
    Task<DeploymentSnapshot> SetPausedAsync(OperationId operationId, bool paused);

    /// <summary>
    /// Records a mint of <paramref name="amount"/> backed by reservation <paramref name="reservationId"/> on the asset grain.
    /// Refused when paused (chain or asset), the amount is zero or is dust on this chain, or the reservation does not match.
    /// </summary>
    [Alias("RecordMint")]
    Task<DeploymentSnapshot> RecordMintAsync(OperationId operationId, OperationId reservationId, CanonicalAmount amount);

    /// <summary>Records a burn of <paramref name="amount"/>. Refused when paused, zero, dust on this chain, or above the supply.</summary>
    [Alias("RecordBurn")]
    Task<DeploymentSnapshot> RecordBurnAsync(OperationId operationId, CanonicalAmount amount);

    /// <summary>
    /// Queues a mint for the next batch to this deployment (mints waiting together go out in one transaction). Idempotent per
    /// operation id: the same request returns its progress; a different one is <c>IdempotencyConflict</c>. Refused when
    /// paused, zero, dust on this chain, or to a malformed wallet. The supply grows (and the backing settles) only once the
    /// chain reports the batch final. A request is held in memory until the batch that takes it is written, which happens
    /// before anything is signed: if the activation is lost first, the mint is forgotten (nothing was sent) and
    /// <see cref="GetMintProgressAsync"/> answers <c>InvalidArgument</c>, so the caller, whose intent is durable, asks again
    /// under the same id.
    /// </summary>
    [Alias("RequestMint")]
    Task<ChainOperationProgress> RequestMintAsync(OperationId operationId, ChainMintRequest request);

    /// <summary>
    /// A queued mint's progress (<c>Queued</c> while it waits in memory or in an unsent batch). <c>InvalidArgument</c> for an
    /// unknown operation id, including one whose request was forgotten with a lost activation: ask again.
    /// </summary>
    [Alias("GetMintProgress")]
    Task<ChainOperationProgress> GetMintProgressAsync(OperationId operationId);

    /// <summary>
    /// Authorizes (redemption: on the asset; move: asset must be active) and submits a burn on this chain. Idempotent per
    /// operation id. Refused when paused, zero, dust, or above the supply. The ledger supply falls once the burn is final.
    /// </summary>
    [Alias("RequestBurn")]
    Task<ChainOperationProgress> RequestBurnAsync(OperationId operationId, ChainBurnRequest request);

    /// <summary>A burn's progress. <c>InvalidArgument</c> for an unknown operation id.</summary>
    [Alias("GetBurnProgress")]
    Task<ChainOperationProgress> GetBurnProgressAsync(OperationId operationId);

    /// <summary>Sets the move rate limits (null: unlimited). Buckets start full.</summary>
    [Alias("SetRateLimits")]
    Task<DeploymentSnapshot> SetRateLimitsAsync(OperationId operationId, RateLimit? outbound, RateLimit? inbound);

    /// <summary>
    /// Takes <paramref name="amount"/> from a rate-limit bucket for a move. True when taken (idempotent per transfer id);
    /// false when the bucket is short right now (nothing taken; try again later).
    /// </summary>
    [Alias("TakeCapacity")]
    Task<bool> TakeCapacityAsync(OperationId transferId, TransferDirection direction, CanonicalAmount amount);

    /// <summary>Gives back capacity a move took and will not use (cancelled or failed before its burn). Idempotent.</summary>
    [Alias("ReturnCapacity")]
    Task ReturnCapacityAsync(OperationId transferId);

    /// <summary>
    /// Starts watching the redemption address for deposits of this token (a durable reminder keeps the watcher alive
    /// across restarts; the cursor is persisted after each handled page). Idempotent.
    /// </summary>
    [Alias("StartWatching")]
    Task<DeploymentSnapshot> StartWatchingAsync();

    /// <summary>
    /// Deposits the watcher could not turn into an order (the placement was refused, or failed on
    /// <see cref="MaxDepositAttempts"/> passes in a row) and parked here so the watcher's cursor moves on. Nothing is redeemed
    /// for them; operators decide.
    /// </summary>
    [Alias("GetHeldDeposits"), ReadOnly]
    Task<IReadOnlyList<HeldDeposit>> GetHeldDepositsAsync();

    /// <summary>
    /// Where the deposit watcher stands: whether it runs, the cursor it has handled everything up to (the chain's final
    /// head when there was nothing, so operators see it move), how many deposits it has handed on and how many it parked.
    /// Reads only.
    /// </summary>
    [Alias("GetDepositWatch"), ReadOnly]
    Task<DepositWatch> GetDepositWatchAsync();

    /// <summary>Passes in a row a deposit's placement may fail transiently before the watcher parks it.</summary>
    public const int MaxDepositAttempts = 5;
}
