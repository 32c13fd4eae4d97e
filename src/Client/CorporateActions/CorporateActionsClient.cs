using Sharemint.Client.Http;

namespace Sharemint.Client.CorporateActions;

/// <summary>
/// A corporate action to declare. <see cref="Kind"/> is <c>dividend_reinvested</c> (give <see cref="DividendPerShare"/> and
/// <see cref="ReferencePrice"/>, USD), <c>split</c> or <c>reverse_split</c> (give <see cref="NewShares"/> for
/// <see cref="OldShares"/>). <see cref="ActionId"/> makes the declaration idempotent.
/// </summary>
public sealed record CorporateActionDeclaration(
    string ActionId, string Kind, DateTimeOffset EffectiveAt, decimal? DividendPerShare = null, decimal? ReferencePrice = null,
    long? NewShares = null, long? OldShares = null);

/// <summary>One chain's part in a corporate action: its write and what the chain showed at the last check.</summary>
public sealed record CorporateActionChain(
    string Chain, string TokenAddress, string? WriteId, string WriteState, int Attempts, string? CurrentMultiplier, string? LatestMultiplier,
    long LatestEffectiveAt, bool ShowsPending, bool ShowsNew);

/// <summary>
/// A corporate action and its progress. Multipliers are exact decimal strings (shares per token). <see cref="Stage"/> is
/// declared, scheduled, paused, applied or completed.
/// </summary>
public sealed record CorporateAction(
    string Symbol, string ActionId, string Kind, DateTimeOffset EffectiveAt, string? DividendPerShare, string? ReferencePrice, long NewShares, long OldShares,
    string OldMultiplier, string NewMultiplier, DateTimeOffset PauseFrom, DateTimeOffset PauseUntil, string Stage,
    IReadOnlyList<CorporateActionChain> Chains, IReadOnlyList<string> Problems, string SharesBought, DateTimeOffset DeclaredAt,
    DateTimeOffset? AppliedAt, DateTimeOffset? CompletedAt);

/// <summary>One multiplier change the platform applied to an asset.</summary>
public sealed record MultiplierChange(string ActionId, string Kind, string OldMultiplier, string NewMultiplier, DateTimeOffset EffectiveAt, DateTimeOffset AppliedAt);

/// <summary>
/// Corporate actions: operators declare and follow them (<c>/admin/v1</c>, operator key); anyone reads an asset's multiplier
/// history (<c>/v1</c>, public).
/// </summary>
public sealed class CorporateActionsClient
{
    private readonly ApiTransport _transport;

    public CorporateActionsClient(HttpClient http, SharemintClientOptions options) => _transport = new ApiTransport(http, options);

    /// <summary>
    /// Declares an action. Refusals: <c>invalid_argument</c> (effective time too soon, zero ratio, …), <c>amount_overflow</c>,
    /// <c>corporate_action_conflict</c> (another action of the asset is in progress), <c>asset_not_found</c>,
    /// <c>idempotency_conflict</c> (the id was declared with other terms).
    /// </summary>
    public Task<CorporateAction> DeclareAsync(string symbol, CorporateActionDeclaration declaration, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<CorporateAction>(HttpMethod.Post, $"admin/v1/assets/{Esc(symbol)}/corporate-actions", declaration,
            ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>Every action of the asset, oldest first.</summary>
    public async Task<IReadOnlyList<CorporateAction>> ListAsync(string symbol, CancellationToken cancellationToken = default) =>
        await _transport.SendAsync<CorporateAction[]>(HttpMethod.Get, $"admin/v1/assets/{Esc(symbol)}/corporate-actions", null, null, cancellationToken);

    /// <summary>One action; <c>corporate_action_not_found</c> when unknown.</summary>
    public Task<CorporateAction> GetAsync(string symbol, string actionId, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<CorporateAction>(HttpMethod.Get, $"admin/v1/assets/{Esc(symbol)}/corporate-actions/{Esc(actionId)}", null, null, cancellationToken);

    /// <summary>Every multiplier change applied to the asset, oldest first (public).</summary>
    public async Task<IReadOnlyList<MultiplierChange>> HistoryAsync(string symbol, CancellationToken cancellationToken = default) =>
        await _transport.SendAsync<MultiplierChange[]>(HttpMethod.Get, $"v1/assets/{Esc(symbol)}/multiplier-history", null, null, cancellationToken);

    private static string Esc(string value) => Uri.EscapeDataString(value);
}
