using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Compliance;
using Sharemint.Quotes;

namespace Sharemint.Orders;

/// <summary>An order's peers as grain references.</summary>
internal sealed class GrainOrderPeers(IGrainFactory grains) : IOrderPeers
{
    public IAssetGrain Asset(string symbol) => grains.GetGrain<IAssetGrain>(symbol);

    public IHolderAccountGrain Account(string accountId) => grains.GetGrain<IHolderAccountGrain>(accountId);

    public IChainBridgeGrain Bridge(string symbol, string chain) => grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain));

    public IQuoteGrain Quote(string quoteId) => grains.GetGrain<IQuoteGrain>(quoteId);

    public ISanctionsListGrain Sanctions() => grains.GetGrain<ISanctionsListGrain>(0);

    public ICatalogGrain Catalog() => grains.GetGrain<ICatalogGrain>(0);
}
