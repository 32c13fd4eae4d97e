using Microsoft.AspNetCore.Http.HttpResults;
using Sharemint.Assets;
using Sharemint.Catalog;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Market;
using Sharemint.Signers;
using Sharemint.Silo.Api.Contracts;
using Sharemint.Silo.Api.Problems;
using Sharemint.Silo.Api.Security;

namespace Sharemint.Silo.Api.Admin;

/// <summary>List a new asset: its underlying, name, ISIN (check digit verified), kind (stock or etf) and an optional first price.</summary>
public sealed record ListAssetBody(string? Symbol, string? UnderlyingTicker, string? Name, string? Isin, string? Kind, decimal? Price = null);

/// <summary>Delist an asset: redemptions only until <c>redeem_until</c> (ISO 8601 with an offset), then closed.</summary>
public sealed record DelistAssetBody(DateTimeOffset? RedeemUntil);

/// <summary>Deploy a listed asset on these chains.</summary>
public sealed record DeployAssetBody(IReadOnlyList<string>? Chains);

/// <summary>An asset's deployment job as the API shows it.</summary>
public sealed record AssetDeploymentView(string Symbol, IReadOnlyList<AssetChainDeploymentView> Chains, bool Done)
{
    public static AssetDeploymentView From(AssetDeploymentProgress p) =>
        new(p.Symbol, p.Chains.Select(c => new AssetChainDeploymentView(c.Chain, c.State, c.TokenAddress, c.Problem)).ToList(), p.Done);
}

/// <summary>One chain of a deployment job: pending or deployed, its token, the last problem if any.</summary>
public sealed record AssetChainDeploymentView(string Chain, string State, string? TokenAddress, string? Problem);

/// <summary>
/// The asset lifecycle under <c>/admin/v1/assets</c>: list a new asset, deploy it on chosen chains (asynchronous, idempotent,
/// resumable) and follow the deployment. Pausing and halting are <c>POST /{symbol}/pause</c> with scope mint, redeem or all;
/// <c>POST /{symbol}/delist</c> opens the redemption-only window that ends with the asset closed.
/// </summary>
public static class AssetLifecycleEndpoints
{
    public static void MapAssetLifecycle(this RouteGroupBuilder assets)
    {
        assets.MapPost("/", ListAsync).RequireOperatorRole(OperatorRole.Operator)
            .WithName("ListNewAsset").WithSummary("List a new asset (the same definition again changes nothing).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        assets.MapPost("/{symbol}/deployments", DeployAsync).RequireOperatorRole(OperatorRole.Operator)
            .WithName("DeployAsset").WithSummary("Deploy a listed asset on chosen chains, in the background.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        assets.MapPost("/{symbol}/delist", DelistAsync).RequireOperatorRole(OperatorRole.Operator)
            .WithName("DelistAsset").WithSummary("Delist: only redemptions until redeem_until, then closed (the same time again changes nothing).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        assets.MapGet("/{symbol}/deployments/progress", ProgressAsync)
            .WithName("GetAssetDeploymentProgress").WithSummary("Where the asset's deployment job stands on every chain.");
    }

    private static async Task<Results<Created<AssetView>, Ok<AssetView>>> ListAsync(ListAssetBody body, HttpContext context, IGrainFactory grains)
    {
        string symbol;
        try
        {
            symbol = ApiRoutes.Symbol(Required(body.Symbol, "symbol"));
        }
        catch (LedgerException)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "symbol_invalid", "A symbol is 2-16 letters, digits or '.', e.g. AMDx.");
        }
        var kind = ApiRoutes.ParseEnum<AssetKind>(body.Kind, "kind_invalid", "kind");
        var isin = Required(body.Isin, "isin").ToUpperInvariant();
        try
        {
            LedgerValidation.RequireIsin(isin);
        }
        catch (LedgerException)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "isin_invalid",
                $"'{isin}' is not a valid ISIN (two letters, nine letters or digits, and a check digit that matches).");
        }
        var definition = new AssetDefinition(symbol, ApiRoutes.Ticker(Required(body.UnderlyingTicker, "underlying_ticker")), Required(body.Name, "name").Trim(), isin, kind);
        var price = body.Price is { } given ? ApiRoutes.Price(given) : (decimal?)null;
        var catalog = grains.GetGrain<ICatalogGrain>(0);
        if ((await catalog.ListAssetsAsync()).Contains(symbol, StringComparer.Ordinal))
        {
            var existing = await grains.GetGrain<IAssetGrain>(symbol).GetAsync();
            return existing.Definition == definition
                ? TypedResults.Ok(AssetView.From(existing))
                : throw new LedgerException(LedgerError.AssetAlreadyExists, $"{symbol} is already listed as {existing.Definition.Name} ({existing.Definition.Isin}).");
        }
        if (price is { } first)
        {
            var market = context.RequestServices.GetService<IMarketData>()
                ?? throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "market_data_unavailable", "Market data is not available on this silo.");
            await market.SetLastPriceAsync(definition.UnderlyingTicker, first, context.RequestAborted);
        }
        var listed = await catalog.RegisterAssetAsync(definition);
        return TypedResults.Created($"{ApiRoutes.AdminPrefix}/assets/{symbol}", AssetView.From(listed));
    }

    private static async Task<Accepted<AssetDeploymentView>> DeployAsync(string symbol, DeployAssetBody body, HttpContext context, IGrainFactory grains)
    {
        var chains = body.Chains is { Count: > 0 } named
            ? named.Select(c => (c ?? "").Trim().ToLowerInvariant()).ToList()
            : throw new ApiProblemException(StatusCodes.Status400BadRequest, "field_required", "chains must name at least one chain.");
        var configured = context.RequestServices.GetService<ConfiguredChains>()?.Chains ?? [];
        var unknown = chains.Where(c => !configured.Contains(c)).ToList();
        if (unknown.Count > 0)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "chain_unknown",
                $"Unknown chain(s) {string.Join(", ", unknown)}; this platform runs {string.Join(", ", configured.Order(StringComparer.Ordinal))}.");
        }
        var canonical = ApiRoutes.Symbol(symbol);
        var progress = await grains.GetGrain<IAssetDeploymentGrain>(canonical).DeployAsync(chains);
        return TypedResults.Accepted($"{ApiRoutes.AdminPrefix}/assets/{canonical}/deployments/progress", AssetDeploymentView.From(progress));
    }

    private static async Task<Ok<AssetView>> DelistAsync(string symbol, DelistAssetBody? body, HttpContext context, IGrainFactory grains)
    {
        var until = body?.RedeemUntil
            ?? throw new ApiProblemException(StatusCodes.Status400BadRequest, "field_required", "redeem_until is required (ISO 8601 with an offset).");
        var canonical = ApiRoutes.Symbol(symbol);
        var asset = grains.GetGrain<IAssetGrain>(canonical);
        var operation = ApiRoutes.OperationFor(context, $"delist\n{canonical}\n{until.UtcTicks}");
        return TypedResults.Ok(AssetView.From(await asset.DelistAsync(operation, until)));
    }

    private static async Task<Ok<AssetDeploymentView>> ProgressAsync(string symbol, IGrainFactory grains, HttpContext context)
    {
        var canonical = ApiRoutes.Symbol(symbol);
        var progress = await grains.GetGrain<IAssetDeploymentGrain>(canonical).GetProgressAsync();
        // A catalogue asset the silo's start-up deploys has no operator job: show the start-up deployment's progress instead.
        if (progress.Chains.Count == 0 && context.RequestServices.GetService<Sharemint.Silo.Deployments.CatalogueDeploymentProgress>()?.Of(canonical) is { } startup)
        {
            progress = startup;
        }
        return TypedResults.Ok(AssetDeploymentView.From(progress));
    }

    private static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw new ApiProblemException(StatusCodes.Status400BadRequest, "field_required", $"{field} is required.") : value;
}
