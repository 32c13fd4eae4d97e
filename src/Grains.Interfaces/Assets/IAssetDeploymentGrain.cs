namespace Sharemint.Assets;

/// <summary>Where one chain's deployment of an asset stands.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.AssetChainDeployment")]
public sealed record AssetChainDeployment(
    [property: Id(0)] string Chain,
    [property: Id(1)] string State,
    [property: Id(2)] string? TokenAddress,
    [property: Id(3)] string? Problem);

/// <summary>An asset's deployment job: the chains asked for and each one's progress (pending, deployed).</summary>
[GenerateSerializer, Immutable, Alias("sharemint.AssetDeploymentProgress")]
public sealed record AssetDeploymentProgress(
    [property: Id(0)] string Symbol,
    [property: Id(1)] IReadOnlyList<AssetChainDeployment> Chains,
    [property: Id(2)] bool Done);

/// <summary>
/// Deploys one listed asset (key: symbol) on the chains an operator chose, in the background: per chain the signer deploys
/// the token (idempotent per symbol), the catalogue registers it, its deposit watcher starts. Durable and resumable: the
/// chains asked for are stored first and a reminder drives what is left after a restart.
/// </summary>
[Alias("sharemint.IAssetDeploymentGrain")]
public interface IAssetDeploymentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds <paramref name="chains"/> to the job and starts it; chains already asked for or deployed are not deployed again.
    /// <c>asset_not_found</c> for an unlisted asset; <c>deployment_not_found</c> for a chain this cluster has not configured.
    /// </summary>
    [Alias("Deploy")]
    Task<AssetDeploymentProgress> DeployAsync(IReadOnlyList<string> chains);

    /// <summary>The job's progress now.</summary>
    [Alias("GetProgress"), ReadOnly]
    Task<AssetDeploymentProgress> GetProgressAsync();

    /// <summary>Runs the job's next steps now (the timer and reminder call this). Idempotent.</summary>
    [Alias("Advance")]
    Task<AssetDeploymentProgress> AdvanceAsync();
}
