using Sharemint.Client.Http;

namespace Sharemint.Client.Assets;

/// <summary>An xStock as the API reports it. <see cref="IssuedUnits"/> is in canonical units (8 decimals).</summary>
public sealed record Asset(
    string Symbol, string UnderlyingTicker, string Name, string Isin, string Kind, AssetStatus Status,
    decimal Multiplier, decimal CustodyShares, decimal ReservedShares, string Issued, long IssuedUnits, DateTimeOffset? RedeemUntil = null);

/// <summary>
/// Where an asset lives on one chain: its token, the platform's ledger supply there, and the issuer's addresses. Send
/// tokens to <see cref="RedemptionAddress"/> to redeem them; on EVM chains approve <see cref="IssuerAddress"/> before asking
/// the API to redeem or move tokens from your wallet.
/// </summary>
public sealed record AssetDeployment(
    string Chain, string TokenAddress, int Decimals, bool Paused, string Supply, long SupplyUnits, string RedemptionAddress, string IssuerAddress);

/// <summary>Reads the asset catalogue (public: no key needed).</summary>
public class AssetsClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected AssetsClient() => _transport = null!;

    public AssetsClient(ApiTransport transport) => _transport = transport;

    /// <summary>Every listed asset with its ledger figures.</summary>
    public virtual async Task<Response<IReadOnlyList<Asset>>> ListAsync(CancellationToken cancellationToken = default)
    {
        var response = await _transport.SendForResponseAsync<Asset[]>(HttpMethod.Get, "v1/assets", null, null, cancellationToken);
        return new Response<IReadOnlyList<Asset>>(response.Value, response.Status, response.Headers);
    }

    /// <summary>One asset. Throws <see cref="SharemintApiException"/> with code <c>asset_not_found</c> for an unknown symbol.</summary>
    public virtual Task<Response<Asset>> GetAsync(string symbol, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<Asset>(HttpMethod.Get, $"v1/assets/{Uri.EscapeDataString(symbol)}", null, null, cancellationToken);

    /// <summary>The asset's deployments, one per chain. <c>asset_not_found</c> for an unknown symbol.</summary>
    public virtual async Task<Response<IReadOnlyList<AssetDeployment>>> GetDeploymentsAsync(string symbol, CancellationToken cancellationToken = default)
    {
        var response = await _transport.SendForResponseAsync<AssetDeployment[]>(HttpMethod.Get, $"v1/assets/{Uri.EscapeDataString(symbol)}/deployments",
            null, null, cancellationToken);
        return new Response<IReadOnlyList<AssetDeployment>>(response.Value, response.Status, response.Headers);
    }
}
