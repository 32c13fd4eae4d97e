using Sharemint.Assets;
using Sharemint.Catalog;
using Sharemint.Errors;

namespace Sharemint.Silo.Assets;

/// <summary>Public, read-only asset data: what is issued and how it is backed.</summary>
public sealed record AssetView(
    string Symbol, string UnderlyingTicker, string Name, string Isin, string Kind, string Status,
    decimal Multiplier, decimal CustodyShares, decimal ReservedShares, string Issued, long IssuedUnits)
{
    public static AssetView From(AssetSnapshot s) => new(
        s.Definition.Symbol, s.Definition.UnderlyingTicker, s.Definition.Name, s.Definition.Isin,
        s.Definition.Kind.ToString(), s.Status.ToString(), s.Multiplier.Value, s.CustodyShares, s.ReservedShares,
        s.Issued.ToString(), s.Issued.Units);
}

public static class AssetEndpoints
{
    public static void MapAssetEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/assets").WithTags("Assets");

        group.MapGet("/", async (IGrainFactory grains) =>
        {
            var symbols = await grains.GetGrain<ICatalogGrain>(0).ListAssetsAsync();
            var snapshots = await Task.WhenAll(symbols.Select(s => grains.GetGrain<IAssetGrain>(s).GetAsync()));
            return TypedResults.Ok(snapshots.Select(AssetView.From).ToArray());
        });

        group.MapGet("/{symbol}", async (string symbol, IGrainFactory grains) =>
        {
            var snapshot = await grains.GetGrain<IAssetGrain>(symbol).GetAsync();
            return TypedResults.Ok(AssetView.From(snapshot));
        });
    }
}

/// <summary>Turns refused ledger operations into problem+json with the stable error code.</summary>
public static class LedgerProblems
{
    public static int StatusFor(LedgerError error) => error switch
    {
        LedgerError.AssetNotFound or LedgerError.AccountNotFound or LedgerError.DeploymentNotFound or LedgerError.ReservationNotFound => StatusCodes.Status404NotFound,
        LedgerError.IdempotencyConflict or LedgerError.AccountAlreadyExists or LedgerError.AssetAlreadyExists => StatusCodes.Status409Conflict,
        LedgerError.AddressSanctioned or LedgerError.JurisdictionNotEligible or LedgerError.KycNotApproved or LedgerError.WalletNotAllowListed => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status422UnprocessableEntity,
    };

    public static void UseLedgerProblems(this WebApplication app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (LedgerException ex) when (!context.Response.HasStarted)
            {
                var status = StatusFor(ex.Error);
                await TypedResults.Problem(
                    title: ex.Code.Replace('_', ' '),
                    detail: ex.Message,
                    statusCode: status,
                    type: $"https://sharemint.dev/errors/{ex.Code}",
                    extensions: new Dictionary<string, object?> { ["code"] = ex.Code }).ExecuteAsync(context);
            }
        });
}
