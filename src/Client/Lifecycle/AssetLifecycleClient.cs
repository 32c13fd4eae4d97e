using Sharemint.Client.Assets;
using Sharemint.Client.Http;

namespace Sharemint.Client.Lifecycle;

/// <summary>A new asset to list. <see cref="Kind"/> is <c>stock</c> or <c>etf</c>; <see cref="Price"/> (USD) seeds its price.</summary>
public sealed record NewAsset(string Symbol, string UnderlyingTicker, string Name, string Isin, string Kind, decimal? Price = null);

/// <summary>One chain of a deployment job: <c>pending</c> or <c>deployed</c>, its token, the last problem if any.</summary>
public sealed record AssetChainDeployment(string Chain, string State, string? TokenAddress, string? Problem);

/// <summary>Where an asset's deployment job stands; <see cref="Done"/> once every chain asked for is deployed.</summary>
public sealed record AssetDeploymentProgress(string Symbol, IReadOnlyList<AssetChainDeployment> Chains, bool Done);

/// <summary>The asset lifecycle for operators (<c>/admin/v1/assets</c>): list a new asset and deploy it on chosen chains.</summary>
public class AssetLifecycleClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected AssetLifecycleClient() => _transport = null!;

    /// <summary>A client signing with an operator key.</summary>
    public AssetLifecycleClient(HttpClient http, SharemintClientOptions options) => _transport = new ApiTransport(http, options);

    public AssetLifecycleClient(ApiTransport transport) => _transport = transport;

    /// <summary>Lists an asset. Refusals: <c>isin_invalid</c>, <c>kind_invalid</c>, <c>asset_already_exists</c> (another definition under the symbol).</summary>
    public virtual Task<Response<Asset>> ListAsync(NewAsset asset, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<Asset>(HttpMethod.Post, "admin/v1/assets", asset, ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>Starts (or extends) the deployment on <paramref name="chains"/>; <c>chain_unknown</c> for a chain the platform does not run.</summary>
    public virtual Task<Response<AssetDeploymentProgress>> DeployAsync(string symbol, IReadOnlyList<string> chains, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<AssetDeploymentProgress>(HttpMethod.Post, $"admin/v1/assets/{Uri.EscapeDataString(symbol)}/deployments", new { chains },
            ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>
    /// Delists an asset: redemptions only until <paramref name="redeemUntil"/>, then closed. The same time again changes
    /// nothing; refusals: <c>invalid_argument</c> (time not in the future), <c>asset_delisting</c> (another time already set),
    /// <c>asset_delisted</c> (already closed).
    /// </summary>
    public virtual Task<Response<Asset>> DelistAsync(string symbol, DateTimeOffset redeemUntil, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<Asset>(HttpMethod.Post, $"admin/v1/assets/{Uri.EscapeDataString(symbol)}/delist", new { redeemUntil },
            ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>The deployment job's progress.</summary>
    public virtual Task<Response<AssetDeploymentProgress>> ProgressAsync(string symbol, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<AssetDeploymentProgress>(HttpMethod.Get, $"admin/v1/assets/{Uri.EscapeDataString(symbol)}/deployments/progress", null, null, cancellationToken);
}
