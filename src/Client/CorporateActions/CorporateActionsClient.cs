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
/// A corporate action and its progress. Multipliers are exact decimal strings (shares per token); <see cref="Stage"/> says
/// how far it has come.
/// </summary>
public sealed record CorporateAction(
    string Symbol, string ActionId, string Kind, DateTimeOffset EffectiveAt, string? DividendPerShare, string? ReferencePrice, long NewShares, long OldShares,
    string OldMultiplier, string NewMultiplier, DateTimeOffset PauseFrom, DateTimeOffset PauseUntil, CorporateActionStage Stage,
    IReadOnlyList<CorporateActionChain> Chains, IReadOnlyList<string> Problems, string SharesBought, DateTimeOffset DeclaredAt,
    DateTimeOffset? AppliedAt, DateTimeOffset? CompletedAt);

/// <summary>One multiplier change the platform applied to an asset.</summary>
public sealed record MultiplierChange(string ActionId, string Kind, string OldMultiplier, string NewMultiplier, DateTimeOffset EffectiveAt, DateTimeOffset AppliedAt);

/// <summary>
/// Corporate actions: operators declare and follow them (<c>/admin/v1</c>, operator key); anyone reads an asset's multiplier
/// history (<c>/v1</c>, public).
/// </summary>
public class CorporateActionsClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected CorporateActionsClient() => _transport = null!;

    /// <summary>A client signing with an operator key (declaring and reading actions); the history needs none.</summary>
    public CorporateActionsClient(HttpClient http, SharemintClientOptions options) => _transport = new ApiTransport(http, options);

    public CorporateActionsClient(ApiTransport transport) => _transport = transport;

    /// <summary>
    /// Declares an action. Refusals: <c>invalid_argument</c> (effective time too soon, zero ratio, …), <c>amount_overflow</c>,
    /// <c>corporate_action_conflict</c> (another action of the asset is in progress), <c>asset_not_found</c>,
    /// <c>idempotency_conflict</c> (the id was declared with other terms).
    /// </summary>
    public virtual Task<Response<CorporateAction>> DeclareAsync(string symbol, CorporateActionDeclaration declaration, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<CorporateAction>(HttpMethod.Post, $"admin/v1/assets/{Esc(symbol)}/corporate-actions", declaration,
            ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>Every action of the asset, oldest first (one answer: an asset has few).</summary>
    public virtual async Task<Response<IReadOnlyList<CorporateAction>>> ListAsync(string symbol, CancellationToken cancellationToken = default)
    {
        var response = await _transport.SendForResponseAsync<CorporateAction[]>(HttpMethod.Get, $"admin/v1/assets/{Esc(symbol)}/corporate-actions",
            null, null, cancellationToken);
        return new Response<IReadOnlyList<CorporateAction>>(response.Value, response);
    }

    /// <summary>One action; <c>corporate_action_not_found</c> when unknown.</summary>
    public virtual Task<Response<CorporateAction>> GetAsync(string symbol, string actionId, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<CorporateAction>(HttpMethod.Get, $"admin/v1/assets/{Esc(symbol)}/corporate-actions/{Esc(actionId)}",
            null, null, cancellationToken);

    /// <summary>Every multiplier change applied to the asset, oldest first (public; one answer).</summary>
    public virtual async Task<Response<IReadOnlyList<MultiplierChange>>> HistoryAsync(string symbol, CancellationToken cancellationToken = default)
    {
        var response = await _transport.SendForResponseAsync<MultiplierChange[]>(HttpMethod.Get, $"v1/assets/{Esc(symbol)}/multiplier-history",
            null, null, cancellationToken);
        return new Response<IReadOnlyList<MultiplierChange>>(response.Value, response);
    }

    private static string Esc(string value) => Uri.EscapeDataString(value);
}
