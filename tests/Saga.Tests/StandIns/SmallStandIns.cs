using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Market;
using Sharemint.Operations;
using Sharemint.Orders;
using Sharemint.Quotes;

namespace Sharemint.Saga.Tests.StandIns;

/// <summary>A quote in memory: consumed by one order id only.</summary>
public sealed class QuoteStandIn(SagaWorld world, Quote? quote) : IQuoteGrain
{
    public Quote? Quote { get; private set; } = quote;

    public Task<Quote> GetAsync() => world.CallAsync("quote.get", () => Quote ?? throw new LedgerException(LedgerError.QuoteNotFound, "No quote."));

    public Task<Quote?> FindAsync() => world.CallAsync("quote.find", () => Quote);

    public Task<Quote> ConsumeAsync(string orderId) => world.CallAsync("quote.consume", () =>
    {
        var q = Quote ?? throw new LedgerException(LedgerError.QuoteNotFound, "No quote.");
        if (q.UsedByOrder is { } used && used != orderId)
        {
            throw new LedgerException(LedgerError.QuoteAlreadyUsed, $"Quote '{q.QuoteId}' was already used by another order.");
        }
        Quote = q with { UsedByOrder = orderId };
        return Quote;
    });

    public Task<Quote> CreateAsync(QuoteRequest request) => throw new NotSupportedException("quotes are made by the test world");
}

/// <summary>The sanctions list in memory.</summary>
public sealed class SanctionsStandIn : ISanctionsListGrain
{
    private readonly HashSet<(string, string)> _listed = [];

    public bool IsListed(string chain, string address) => _listed.Contains((chain, ChainAddress.Canonicalize(chain, address)));

    public void List(string chain, string address) => _listed.Add((chain, ChainAddress.Canonicalize(chain, address)));

    public void Delist(string chain, string address) => _listed.Remove((chain, ChainAddress.Canonicalize(chain, address)));

    public async Task<bool> IsSanctionedAsync(string chain, string address)
    {
        await Task.Yield();
        return IsListed(chain, address);
    }

    public Task AddAsync(OperationId operationId, string chain, string address, string reason)
    {
        List(chain, address);
        return Task.CompletedTask;
    }

    public Task RemoveAsync(OperationId operationId, string chain, string address)
    {
        Delist(chain, address);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SanctionedAddress>> ListAsync() =>
        Task.FromResult<IReadOnlyList<SanctionedAddress>>(_listed.Select(l => new SanctionedAddress(l.Item1, l.Item2, "listed", DateTimeOffset.UnixEpoch)).ToList());
}

/// <summary>The catalog's account list (what deposit attribution reads).</summary>
public sealed class CatalogStandIn(SagaWorld world) : ICatalogGrain
{
    public Task<IReadOnlyList<string>> ListAccountsAsync() => world.CallAsync<IReadOnlyList<string>>("catalog.accounts", () => world.Accounts.Keys.ToList());

    public Task<IReadOnlyList<string>> ListAssetsAsync() => world.CallAsync<IReadOnlyList<string>>("catalog.assets", () => [SagaWorld.Symbol]);

    public Task<IReadOnlyList<CatalogDeployment>> ListDeploymentsAsync() =>
        world.CallAsync<IReadOnlyList<CatalogDeployment>>("catalog.deployments", () => world.Bridges.Keys.Select(c => new CatalogDeployment(SagaWorld.Symbol, c)).ToList());

    public Task<AssetSnapshot> RegisterAssetAsync(AssetDefinition definition) => throw NotModelled();
    public Task<DeploymentSnapshot> RegisterDeploymentAsync(string symbol, string chain, DeploymentConfig config) => throw NotModelled();
    public Task<AccountSnapshot> RegisterAccountAsync(string accountId, PartnerProfile profile) => throw NotModelled();

    private static NotSupportedException NotModelled() => new("catalog registration is not part of an order's saga");
}

/// <summary>A paper broker in memory: one fill per fill id, at the market price.</summary>
public sealed class BrokerStandIn : IBroker
{
    private readonly Dictionary<string, BrokerFill> _fills = new(StringComparer.Ordinal);

    public decimal Price { get; set; } = 100m;
    public decimal Bought => _fills.Values.Where(f => f.Side == BrokerSide.Buy).Sum(f => f.Shares);
    public decimal Sold => _fills.Values.Where(f => f.Side == BrokerSide.Sell).Sum(f => f.Shares);

    public Task<BrokerPosition> ApplySplitAsync(string splitId, string ticker, long newShares, long oldShares, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("splits are corporate actions, not part of an order's saga");

    public async Task<BrokerFill> ExecuteAsync(string fillId, string ticker, BrokerSide side, decimal shares, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        if (!_fills.TryGetValue(fillId, out var fill))
        {
            fill = new BrokerFill(fillId, ticker, side, shares, Price, Math.Round(shares * Price, 2, MidpointRounding.ToEven), DateTimeOffset.UnixEpoch);
            _fills[fillId] = fill;
        }
        return fill;
    }

    public async Task<BrokerFill?> FindFillAsync(string fillId, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        return _fills.GetValueOrDefault(fillId);
    }

    public Task<BrokerPosition> GetPositionAsync(string ticker, CancellationToken cancellationToken = default) =>
        Task.FromResult(new BrokerPosition(ticker, Bought - Sold));

    public Task<IReadOnlyList<BrokerPosition>> GetPositionsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<BrokerPosition>>([new BrokerPosition(SagaWorld.Underlying, Bought - Sold)]);
}

/// <summary>Market data and calendar: one price, open or closed as the test says.</summary>
public sealed class MarketStandIn : IMarketData, IMarketCalendar
{
    public decimal Price { get; set; } = 100m;
    public bool Open { get; set; } = true;

    public Task<MarketPrice> GetLastPriceAsync(string ticker, CancellationToken cancellationToken = default) =>
        Task.FromResult(new MarketPrice(ticker, Price, DateTimeOffset.UnixEpoch));

    public Task SetLastPriceAsync(string ticker, decimal price, CancellationToken cancellationToken = default)
    {
        Price = price;
        return Task.CompletedTask;
    }

    public bool IsOpen(DateTimeOffset instant) => Open;

    public DateTimeOffset NextOpen(DateTimeOffset instant) => Open ? instant : instant.AddHours(12);
}

/// <summary>The order index in memory: newest version wins.</summary>
public sealed class OrderIndexStandIn : IOrderIndex
{
    public Dictionary<string, OrderSnapshot> Rows { get; } = new(StringComparer.Ordinal);

    /// <summary>Every upsert in call order (order id and status), to count index writes per order.</summary>
    public List<(string OrderId, OrderStatus Status)> Writes { get; } = [];

    /// <summary>While true, every upsert throws (the index's database is away).</summary>
    public bool Unavailable { get; set; }

    public Task UpsertAsync(OrderSnapshot order, CancellationToken cancellationToken = default)
    {
        if (Unavailable)
        {
            throw new TimeoutException("the order index is unavailable");
        }
        Writes.Add((order.OrderId, order.Status));
        if (!Rows.TryGetValue(order.OrderId, out var row) || row.Version <= order.Version)
        {
            Rows[order.OrderId] = order;
        }
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string orderId, CancellationToken cancellationToken = default)
    {
        Rows.Remove(orderId);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OrderIndexEntry>> ListAsync(string? accountId, OrderStatus? status, int limit, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("listing is not part of an order's saga");

    public Task<OrderListPage> PageAsync(OrderListQuery query, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("listing is not part of an order's saga");
}
