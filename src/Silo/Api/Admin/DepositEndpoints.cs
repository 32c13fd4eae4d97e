using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Orders;
using Sharemint.Silo.Api.Contracts;
using Sharemint.Silo.Api.Partner;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api.Admin;

/// <summary>
/// Deposits to the redemption addresses that were not redeemed, for operators (<c>/admin/v1/deposits</c>): those parked
/// by a deployment's watcher (the platform could not place their order) and the redemption orders held at placement
/// (unknown or sanctioned sender, dust). Nothing here moves money; operators decide what happens to them.
/// </summary>
public static class DepositEndpoints
{
    public static void Map(RouteGroupBuilder deposits)
    {
        deposits.MapGet("/held", ListHeldAsync)
            .WithName("ListHeldDeposits").WithSummary("Deposits parked by the watchers and redemption orders held for operators.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        deposits.MapGet("/watchers", ListWatchersAsync)
            .WithName("ListDepositWatchers").WithSummary("Every deployment's deposit watcher: running, cursor, deposits seen and parked.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<Ok<HeldDepositsView>> ListHeldAsync(string? symbol, string? chain, int? limit, IGrainFactory grains, HttpContext context)
    {
        var deployments = await DeploymentsAsync(grains, symbol, chain);
        var parked = new List<ParkedDepositView>();
        foreach (var d in deployments)
        {
            var bridge = grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(d.Symbol, d.Chain));
            parked.AddRange((await bridge.GetHeldDepositsAsync()).Select(h => ParkedDepositView.From(d.Symbol, d.Chain, h)));
        }
        var held = await PartnerEndpoints.OrderIndex(context).ListAsync(null, OrderStatus.Held, ApiRoutes.Limit(limit), context.RequestAborted);
        var wanted = symbol is null ? null : ApiRoutes.Symbol(symbol);
        var orders = held.Where(o => (wanted is null || o.Symbol == wanted) && (chain is null || o.Chain == chain))
            .Select(OrderSummaryView.From).ToArray();
        return TypedResults.Ok(new HeldDepositsView(parked.OrderBy(p => p.HeldAt).ToArray(), orders));
    }

    private static async Task<Ok<DepositWatchView[]>> ListWatchersAsync(string? symbol, string? chain, IGrainFactory grains)
    {
        var deployments = await DeploymentsAsync(grains, symbol, chain);
        var watches = await Task.WhenAll(deployments.Select(d => grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(d.Symbol, d.Chain)).GetDepositWatchAsync()));
        return TypedResults.Ok(watches.Select(DepositWatchView.From).ToArray());
    }

    /// <summary>The catalogue's deployments, narrowed by the optional filters; an unknown filter value is a clear 400.</summary>
    private static async Task<IReadOnlyList<CatalogDeployment>> DeploymentsAsync(IGrainFactory grains, string? symbol, string? chain)
    {
        var all = await grains.GetGrain<ICatalogGrain>(0).ListDeploymentsAsync();
        if (symbol is not null && !all.Any(d => d.Symbol == ApiRoutes.Symbol(symbol)))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "symbol_invalid", $"No deployment of '{symbol}'.");
        }
        if (chain is not null && !all.Any(d => d.Chain == chain))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "chain_invalid", $"No deployment on chain '{chain}'.");
        }
        return all.Where(d => (symbol is null || d.Symbol == ApiRoutes.Symbol(symbol)) && (chain is null || d.Chain == chain))
            .OrderBy(d => d.Symbol, StringComparer.Ordinal).ThenBy(d => d.Chain, StringComparer.Ordinal).ToList();
    }
}

/// <summary>Held deposits: parked by a watcher (no order exists) and held redemption orders.</summary>
public sealed record HeldDepositsView(IReadOnlyList<ParkedDepositView> Parked, IReadOnlyList<OrderSummaryView> Orders);

/// <summary>
/// A deposit a watcher parked: what arrived (the amount as a decimal string, null when it is dust; the raw on-chain
/// units always), from whom, in which transaction, and why no order was placed.
/// </summary>
public sealed record ParkedDepositView(
    string Symbol, string Chain, string DepositId, string TransactionId, string FromAddress, string? Amount, string RawAmount,
    long Height, DateTimeOffset? Time, string Reason, DateTimeOffset HeldAt)
{
    public static ParkedDepositView From(string symbol, string chain, HeldDeposit h) => new(
        symbol, chain, h.Deposit.DepositId, h.Deposit.TransactionId, h.Deposit.FromAddress,
        h.Deposit.Amount?.Tokens.ToString(CultureInfo.InvariantCulture), h.Deposit.RawAmount, h.Deposit.Height, h.Deposit.Time, h.Reason, h.HeldAt);
}

/// <summary>One deployment's deposit watcher.</summary>
public sealed record DepositWatchView(string Symbol, string Chain, bool Watching, string? Cursor, long DepositsSeen, int Held, int FailingPasses)
{
    public static DepositWatchView From(DepositWatch w) => new(w.Symbol, w.Chain, w.Watching, w.Cursor, w.DepositsSeen, w.Held, w.FailingPasses);
}
