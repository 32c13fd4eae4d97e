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
}
