using System.Numerics;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Silo.Api.Security;
using Sharemint.Units;

namespace Sharemint.Silo.Api.Limits;

/// <summary>A move rate limit of one deployment (a refilling bucket), in tokens.</summary>
public sealed record RateLimitView(decimal Capacity, decimal RefillPerSecond, decimal Available)
{
    public static RateLimitView? From(RateLimit? limit) =>
        limit is null ? null : new(limit.Capacity.Tokens, limit.RefillPerSecond.Tokens, limit.Available.Tokens);
}

/// <summary>
/// What an order on one chain may be: the token's decimals there, the smallest amount (<c>minAmount</c>, tokens) and the
/// step every amount must be a multiple of, the on-chain base units per canonical unit (a deposit or burn that is not a
/// multiple of <c>baseUnitsPerStep</c> is dust and refused), whether the deployment is paused, and its move rate limits
/// (null: unlimited).
/// </summary>
public sealed record ChainLimitView(
    string Chain, int Decimals, decimal MinAmount, decimal AmountStep, string BaseUnitsPerStep, bool Paused,
    RateLimitView? Outbound, RateLimitView? Inbound);

/// <summary>A tier's default fee rate.</summary>
public sealed record TierFeeView(string Tier, decimal FeeRate);

/// <summary>
/// The partner's limits and fees for one asset. Cash is USD. The fee is <c>feeRate</c> × gross, rounded up to the cent, on
/// mints (added) and redemptions (deducted). <c>remainingToday</c> is the daily limit less today's (UTC) volume, which
/// resets at <c>dailyLimitResetsAt</c>. Token amounts: at least the chain's <c>minAmount</c>, at most <c>maxOrderAmount</c>,
/// whole multiples of the chain's <c>amountStep</c>, and the order's cash at most <c>maxOrderCash</c>.
/// </summary>
public sealed record LimitsView(
    string AccountId, string Symbol, string AssetStatus, bool MintAllowed, bool RedeemAllowed,
    string Tier, decimal FeeRate, string FeeRounding, IReadOnlyList<TierFeeView> FeeSchedule,
    decimal MaxOrderCash, decimal MaxDailyCash, decimal SpentToday, decimal RemainingToday, DateTimeOffset DailyLimitResetsAt,
    decimal CashBalance, decimal CashHeld, decimal MinOrderAmount, decimal MaxOrderAmount, IReadOnlyList<ChainLimitView> Chains);

/// <summary>The limits-and-fees routes: a partner reads its own; an operator reads any partner's.</summary>
public static class LimitsEndpoints
{
    public static void MapPartnerLimits(this RouteGroupBuilder v1)
    {
        ArgumentNullException.ThrowIfNull(v1);
        v1.MapGet("/limits/{symbol}", async (string symbol, ApiPrincipal principal, IGrainFactory grains, TimeProvider clock) =>
                TypedResults.Ok(await ReadAsync(grains, clock, principal.PartnerAccountId, symbol)))
            .RequirePartnerKey().RequireScope(ApiScope.Read).WithTags("Limits")
            .WithName("GetLimits")
            .WithSummary("The partner's limits and fees for an asset: minimum and maximum order, decimals, step and dust per chain, the remaining daily limit, and the fee schedule by tier.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static void MapAdminLimits(this RouteGroupBuilder admin)
    {
        ArgumentNullException.ThrowIfNull(admin);
        admin.MapGet("/partners/{accountId}/limits/{symbol}", async (string accountId, string symbol, IGrainFactory grains, TimeProvider clock) =>
                TypedResults.Ok(await ReadAsync(grains, clock, ApiRoutes.Account(accountId), symbol)))
            .WithTags("Limits")
            .WithName("AdminGetLimits").WithSummary("A partner's limits and fees for an asset, as the partner sees them.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>The view, read from the account, the asset and each of its deployments.</summary>
    public static async Task<LimitsView> ReadAsync(IGrainFactory grains, TimeProvider clock, string accountId, string symbol)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(clock);
        symbol = ApiRoutes.Symbol(symbol);
        var asset = await grains.GetGrain<IAssetGrain>(symbol).GetAsync();
        var account = await grains.GetGrain<IHolderAccountGrain>(accountId).GetAsync();
        var chains = new List<ChainLimitView>();
        foreach (var deployment in (await grains.GetGrain<ICatalogGrain>(0).ListDeploymentsAsync()).Where(d => d.Symbol == symbol).OrderBy(d => d.Chain, StringComparer.Ordinal))
        {
            var ledger = await grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, deployment.Chain)).GetAsync();
            var decimals = ledger.Config.Decimals;
            // A chain with fewer decimals than the canonical 8 cannot hold the smallest canonical amounts; one with more
            // holds amounts finer than a canonical unit, which are dust to the ledger.
            var step = decimals >= CanonicalAmount.Decimals ? 1m / CanonicalAmount.UnitsPerToken : Pow10(-decimals);
            var baseUnits = decimals >= CanonicalAmount.Decimals ? BigInteger.Pow(10, decimals - CanonicalAmount.Decimals) : BigInteger.One;
            chains.Add(new ChainLimitView(deployment.Chain, decimals, step, step, baseUnits.ToString(System.Globalization.CultureInfo.InvariantCulture), ledger.Paused,
                RateLimitView.From(ledger.OutboundLimit), RateLimitView.From(ledger.InboundLimit)));
        }
        var limits = account.Profile.Limits;
        var now = clock.GetUtcNow();
        return new LimitsView(
            account.AccountId, symbol, ApiRoutes.EnumName(asset.Status),
            MintAllowed: asset.Status.AllowsMint(),
            RedeemAllowed: asset.Status.AllowsRedeem(),
            ApiRoutes.EnumName(account.Profile.Tier), account.Profile.FeeRate, "ceiling_cent",
            [.. FeeSchedule.Tiers.Select(t => new TierFeeView(ApiRoutes.EnumName(t.Tier), t.FeeRate))],
            limits.MaxOrderCash, limits.MaxDailyCash, account.SpentToday, Math.Max(0m, limits.MaxDailyCash - account.SpentToday),
            new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero),
            account.CashBalance, account.CashHeld,
            MinOrderAmount: chains.Count == 0 ? 1m / CanonicalAmount.UnitsPerToken : chains.Min(c => c.MinAmount),
            MaxOrderAmount: ApiRoutes.MaxTokens,
            chains);
    }

    private static decimal Pow10(int exponent)
    {
        var value = 1m;
        for (var i = 0; i < -exponent; i++)
        {
            value /= 10m;
        }
        return value;
    }
}
