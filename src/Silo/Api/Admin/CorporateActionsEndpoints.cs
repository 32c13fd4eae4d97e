using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Sharemint.CorporateActions;
using Sharemint.Silo.Api.Problems;
using Sharemint.Silo.Api.Security;

namespace Sharemint.Silo.Api.Admin;

/// <summary>Declare a corporate action: <c>kind</c> is dividend_reinvested (dividend + reference price) or split / reverse_split (new_shares for old_shares).</summary>
public sealed record DeclareCorporateActionBody(
    string? ActionId, string? Kind, DateTimeOffset? EffectiveAt, decimal? DividendPerShare = null, decimal? ReferencePrice = null,
    long? NewShares = null, long? OldShares = null);

/// <summary>One chain's part in a corporate action as the API shows it (multipliers as decimal text, 18 decimals fixed point).</summary>
public sealed record CorporateActionChainView(
    string Chain, string TokenAddress, string? WriteId, string WriteState, int Attempts, string? CurrentMultiplier, string? LatestMultiplier,
    long LatestEffectiveAt, bool ShowsPending, bool ShowsNew);

/// <summary>A corporate action as the API shows it.</summary>
public sealed record CorporateActionView(
    string Symbol, string ActionId, string Kind, DateTimeOffset EffectiveAt, string? DividendPerShare, string? ReferencePrice, long NewShares, long OldShares,
    string OldMultiplier, string NewMultiplier, DateTimeOffset PauseFrom, DateTimeOffset PauseUntil, string Stage,
    IReadOnlyList<CorporateActionChainView> Chains, IReadOnlyList<string> Problems, string SharesBought, DateTimeOffset DeclaredAt,
    DateTimeOffset? AppliedAt, DateTimeOffset? CompletedAt)
{
    public static CorporateActionView From(CorporateActionSnapshot s) => new(
        s.Symbol, s.Request.ActionId, Name(s.Request.Kind), s.Request.EffectiveAt,
        s.Request.Kind == CorporateActionKind.DividendReinvested ? s.Request.DividendPerShare.ToString(CultureInfo.InvariantCulture) : null,
        s.Request.Kind == CorporateActionKind.DividendReinvested ? s.Request.ReferencePrice.ToString(CultureInfo.InvariantCulture) : null,
        s.Request.NewShares, s.Request.OldShares, s.OldMultiplier.ToString(), s.NewMultiplier.ToString(), s.PauseFrom, s.PauseUntil,
        Name(s.Stage), s.Chains.Select(c => new CorporateActionChainView(c.Chain, c.TokenAddress, c.WriteId, c.WriteState, c.Attempts,
            Fixed(c.SeenCurrentRaw), Fixed(c.SeenLatestRaw), c.SeenLatestEffectiveAt, c.ShowsPending, c.ShowsNew)).ToList(),
        s.Problems, s.SharesBought.ToString(CultureInfo.InvariantCulture), s.DeclaredAt, s.AppliedAt, s.CompletedAt);

    internal static string Name<TEnum>(TEnum value) where TEnum : struct, Enum =>
        string.Concat(value.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? $"_{char.ToLowerInvariant(c)}" : char.ToLowerInvariant(c).ToString()));

    // 18-decimal fixed point as an exact decimal string.
    private static string? Fixed(string? raw) => raw is null ? null
        : Sharemint.Units.Multiplier.From(decimal.Parse(raw, CultureInfo.InvariantCulture) / 1_000_000_000_000_000_000m).ToString();
}

/// <summary>One applied multiplier change, for the public history.</summary>
public sealed record MultiplierChangeView(string ActionId, string Kind, string OldMultiplier, string NewMultiplier, DateTimeOffset EffectiveAt, DateTimeOffset AppliedAt)
{
    public static MultiplierChangeView From(MultiplierChange c) =>
        new(c.ActionId, CorporateActionView.Name(c.Kind), c.OldMultiplier.ToString(), c.NewMultiplier.ToString(), c.EffectiveAt, c.AppliedAt);
}

/// <summary>
/// Corporate actions under <c>/admin/v1/assets/{symbol}/corporate-actions</c> (operators declare, viewers read) and the
/// public multiplier history under <c>/v1/assets/{symbol}/multiplier-history</c>.
/// </summary>
public static class CorporateActionsEndpoints
{
    public static void MapCorporateActions(this RouteGroupBuilder assets)
    {
        var actions = assets.MapGroup("/{symbol}/corporate-actions").WithTags("Admin: corporate actions");
        actions.MapPost("/", DeclareAsync).RequireOperatorRole(OperatorRole.Operator)
            .WithName("DeclareCorporateAction").WithSummary("Declare a reinvested dividend, a split or a reverse split with its effective time.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        actions.MapGet("/", ListAsync).WithName("ListCorporateActions").WithSummary("Every corporate action of the asset, oldest first.");
        actions.MapGet("/{actionId}", GetAsync).WithName("GetCorporateAction").WithSummary("One corporate action and its progress on every chain.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    public static void MapMultiplierHistory(this RouteGroupBuilder assets) =>
        assets.MapGet("/{symbol}/multiplier-history", HistoryAsync).AllowPublic()
            .WithName("GetMultiplierHistory").WithSummary("Every multiplier change applied to the asset, oldest first.");

    private static async Task<Created<CorporateActionView>> DeclareAsync(string symbol, DeclareCorporateActionBody body, IGrainFactory grains)
    {
        var kind = ApiRoutes.ParseEnum<CorporateActionKind>(body.Kind, "kind_invalid", "kind");
        if (string.IsNullOrWhiteSpace(body.ActionId))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "field_required", "action_id is required.");
        }
        var effectiveAt = body.EffectiveAt ?? throw new ApiProblemException(StatusCodes.Status400BadRequest, "field_required", "effective_at is required.");
        var request = new CorporateActionRequest(body.ActionId, kind, effectiveAt, body.DividendPerShare ?? 0m, body.ReferencePrice ?? 0m,
            body.NewShares ?? 0, body.OldShares ?? 0);
        var canonical = ApiRoutes.Symbol(symbol);
        var snapshot = await grains.GetGrain<ICorporateActionGrain>(canonical).DeclareAsync(request);
        return TypedResults.Created($"{ApiRoutes.AdminPrefix}/assets/{canonical}/corporate-actions/{snapshot.Request.ActionId}", CorporateActionView.From(snapshot));
    }

    private static async Task<Ok<CorporateActionView[]>> ListAsync(string symbol, IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<ICorporateActionGrain>(ApiRoutes.Symbol(symbol)).ListAsync()).Select(CorporateActionView.From).ToArray());

    private static async Task<Ok<CorporateActionView>> GetAsync(string symbol, string actionId, IGrainFactory grains) =>
        TypedResults.Ok(CorporateActionView.From(await grains.GetGrain<ICorporateActionGrain>(ApiRoutes.Symbol(symbol)).GetAsync(actionId)));

    private static async Task<Ok<MultiplierChangeView[]>> HistoryAsync(string symbol, IGrainFactory grains)
    {
        var canonical = ApiRoutes.Symbol(symbol);
        // An unknown asset is 404, not an empty history.
        await grains.GetGrain<Sharemint.Assets.IAssetGrain>(canonical).GetAsync();
        return TypedResults.Ok((await grains.GetGrain<ICorporateActionGrain>(canonical).HistoryAsync()).Select(MultiplierChangeView.From).ToArray());
    }
}
