using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;

namespace Sharemint.Catalog;

/// <summary>One deployment in the catalogue.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.CatalogDeployment")]
public sealed record CatalogDeployment(
    [property: Id(0)] string Symbol,
    [property: Id(1)] string Chain);

/// <summary>
/// The index of assets, deployments and accounts (key <c>0</c>): grains are not queryable, so whatever must be listed
/// is registered here. Registration is idempotent.
/// </summary>
[Alias("sharemint.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Defines the asset (see <see cref="IAssetGrain.DefineAsync"/>) and lists it. Idempotent.</summary>
    [Alias("RegisterAsset")]
    Task<AssetSnapshot> RegisterAssetAsync(AssetDefinition definition);

    /// <summary>Configures a deployment of a listed asset and lists it. <c>AssetNotFound</c> for an unlisted asset.</summary>
    [Alias("RegisterDeployment")]
    Task<DeploymentSnapshot> RegisterDeploymentAsync(string symbol, string chain, DeploymentConfig config);

    /// <summary>Onboards a partner account (see <see cref="IHolderAccountGrain.OnboardAsync"/>) and lists it. Idempotent.</summary>
    [Alias("RegisterAccount")]
    Task<AccountSnapshot> RegisterAccountAsync(string accountId, PartnerProfile profile);

    /// <summary>Listed asset symbols, sorted.</summary>
    [Alias("ListAssets"), ReadOnly]
    Task<IReadOnlyList<string>> ListAssetsAsync();

    /// <summary>Listed deployments, sorted by symbol then chain.</summary>
    [Alias("ListDeployments"), ReadOnly]
    Task<IReadOnlyList<CatalogDeployment>> ListDeploymentsAsync();

    /// <summary>Listed account ids, sorted.</summary>
    [Alias("ListAccounts"), ReadOnly]
    Task<IReadOnlyList<string>> ListAccountsAsync();
}
