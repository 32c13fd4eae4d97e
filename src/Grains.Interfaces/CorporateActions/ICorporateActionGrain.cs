namespace Sharemint.CorporateActions;

/// <summary>
/// The corporate actions of one asset (key: symbol). Runs each action as a durable, resumable process driven by a timer
/// and a reminder: writes the pending multiplier to every deployment ahead of the effective time (EVM/Tron: compare-and-set
/// on the token's multiplier nonce; Solana: Token-2022 scaled-UI-amount update), verifies every chain shows the same
/// value and time, pauses minting and redeeming of the asset from <c>PauseBefore</c> ahead of the switch, switches the
/// ledger at the effective time (a dividend's cash buys the extra shares first, a split splits custody), and resumes only
/// after every chain shows the new multiplier. A crash at any point resumes from the recorded step; chain writes are
/// idempotent per write id and guarded on-chain, so no chain takes a change twice.
/// </summary>
[Alias("sharemint.ICorporateActionGrain")]
public interface ICorporateActionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Declares an action. Refused before anything is recorded with <c>invalid_argument</c> (effective time too soon or in the
    /// past, zero or negative ratio or dividend, a split that does not split), <c>amount_overflow</c> (a multiplier beyond
    /// range), <c>corporate_action_conflict</c> (another action of this asset is not completed) or <c>asset_not_found</c>.
    /// The same id and terms again return the recorded action; the same id with other terms is <c>idempotency_conflict</c>.
    /// </summary>
    [Alias("Declare")]
    Task<CorporateActionSnapshot> DeclareAsync(CorporateActionRequest request);

    /// <summary>One action; <c>corporate_action_not_found</c> when unknown.</summary>
    [Alias("Get"), ReadOnly]
    Task<CorporateActionSnapshot> GetAsync(string actionId);

    /// <summary>Every action of the asset, oldest first.</summary>
    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<CorporateActionSnapshot>> ListAsync();

    /// <summary>Every multiplier change the ledger applied, oldest first.</summary>
    [Alias("History"), ReadOnly]
    Task<IReadOnlyList<MultiplierChange>> HistoryAsync();

    /// <summary>Runs the open action's next steps now (the timer and the reminder call this too). Idempotent.</summary>
    [Alias("Advance")]
    Task<CorporateActionSnapshot?> AdvanceAsync();
}
