using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Assets;

/// <summary>
/// One xStock's ledger (key: symbol, e.g. <c>TSLAx</c>): definition, status, multiplier, shares in custody, shares
/// reserved for open orders, and total issued. Enforces backing (invariant 1): custody ≥ reserved + issued × multiplier
/// after every operation. Every mutating call takes an <see cref="OperationId"/>, is applied at most once, and
/// refuses bad input with a <see cref="Errors.LedgerException"/> before changing anything.
/// Per-chain work lives in the bridge grains; this grain only reserves and releases custody.
/// </summary>
[Alias("sharemint.IAssetGrain")]
public interface IAssetGrain : IGrainWithStringKey
{
    /// <summary>The ledger now. Throws <c>AssetNotFound</c> for an undefined asset.</summary>
    [Alias("Get"), ReadOnly]
    Task<AssetSnapshot> GetAsync();

    /// <summary>
    /// Creates the asset or updates its descriptive fields (name, ISIN, kind, underlying). Idempotent: the same definition
    /// twice changes nothing. The symbol must match the grain key.
    /// </summary>
    [Alias("Define")]
    Task<AssetSnapshot> DefineAsync(AssetDefinition definition);

    /// <summary>Sets the status (pause/resume). Idempotent per operation id.</summary>
    [Alias("SetStatus")]
    Task<AssetSnapshot> SetStatusAsync(OperationId operationId, AssetStatus status);

    /// <summary>
    /// Starts delisting: until <paramref name="redeemUntil"/> only redemptions are accepted (mints and moves are refused
    /// with <c>AssetDelisting</c>); from then on the asset reads <see cref="AssetStatus.Delisted"/> and refuses everything
    /// with <c>AssetDelisted</c>. Idempotent for the same time; a different time once delisting has started, or a time
    /// not in the future, is refused and changes nothing. Pause and resume are refused once delisting has started.
    /// </summary>
    [Alias("Delist")]
    Task<AssetSnapshot> DelistAsync(OperationId operationId, DateTimeOffset redeemUntil);

    /// <summary>Sets the multiplier; refused with <c>InsufficientBacking</c> if custody would no longer back the issued tokens.</summary>
    [Alias("SetMultiplier")]
    Task<AssetSnapshot> SetMultiplierAsync(OperationId operationId, Multiplier multiplier);

    /// <summary>
    /// Schedules a multiplier to take effect at <paramref name="effectiveAt"/>; a durable reminder applies it then, even
    /// across silo restarts. A later schedule replaces an earlier one that has not taken effect.
    /// </summary>
    [Alias("ScheduleMultiplier")]
    Task<AssetSnapshot> ScheduleMultiplierAsync(OperationId operationId, Multiplier multiplier, DateTimeOffset effectiveAt);

    /// <summary>The multiplier change waiting for its effective time, if any.</summary>
    [Alias("GetScheduledMultiplier"), ReadOnly]
    Task<ScheduledMultiplier?> GetScheduledMultiplierAsync();

    /// <summary>Adds shares that arrived in custody (bought or deposited). Shares have at most 9 decimals.</summary>
    [Alias("AddCustody")]
    Task<AssetSnapshot> AddCustodyAsync(OperationId operationId, decimal shares);

    /// <summary>Removes shares from custody (sold or withdrawn); refused if that would leave tokens unbacked.</summary>
    [Alias("RemoveCustody")]
    Task<AssetSnapshot> RemoveCustodyAsync(OperationId operationId, decimal shares);

    /// <summary>
    /// Reserves the shares that will back <paramref name="amount"/> tokens about to be minted on <paramref name="chain"/>.
    /// The operation id becomes the reservation id. Refused when minting is paused, the amount is zero, or custody is short.
    /// </summary>
    [Alias("ReserveCustody")]
    Task<CustodyReservation> ReserveCustodyAsync(OperationId operationId, string chain, CanonicalAmount amount);

    /// <summary>
    /// <see cref="ReserveCustodyAsync"/> for a caller that buys shares when inventory is short: the same reservation, or
    /// null when custody does not cover it (nothing is recorded then, so the same id may reserve later). Every other
    /// refusal throws as <see cref="ReserveCustodyAsync"/> does. A short inventory is the normal path of a mint that buys,
    /// so it is an answer here, not an exception.
    /// </summary>
    [Alias("TryReserveCustody")]
    Task<CustodyReservation?> TryReserveCustodyAsync(OperationId operationId, string chain, CanonicalAmount amount);

    /// <summary>Releases an open reservation (the mint will not happen). Idempotent; a settled reservation cannot be released.</summary>
    [Alias("ReleaseReservation")]
    Task<AssetSnapshot> ReleaseReservationAsync(OperationId reservationId);

    /// <summary>
    /// Turns a reservation into issued tokens: called by the bridge grain of <paramref name="chain"/> when it records
    /// the mint under <paramref name="mintOperationId"/>. Idempotent for the same mint operation; a second, different mint
    /// against the same reservation is refused with <c>IdempotencyConflict</c>, so one reservation backs one mint only.
    /// </summary>
    [Alias("SettleReservation")]
    Task<AssetSnapshot> SettleReservationAsync(OperationId reservationId, OperationId mintOperationId, string chain, CanonicalAmount amount);

    /// <summary>
    /// Records that <paramref name="amount"/> is about to be burned on <paramref name="chain"/>: refused when redeeming is
    /// paused or more than issued would be burned. Issued tokens stay counted until <see cref="CompleteBurnAsync"/>.
    /// </summary>
    [Alias("AuthorizeBurn")]
    Task<AssetSnapshot> AuthorizeBurnAsync(OperationId burnOperationId, string chain, CanonicalAmount amount);

    /// <summary>Completes an authorized burn: issued falls and the backing shares become unallocated custody. Idempotent.</summary>
    [Alias("CompleteBurn")]
    Task<AssetSnapshot> CompleteBurnAsync(OperationId burnOperationId);

    /// <summary>
    /// Withdraws an authorized burn that did not happen on-chain (the burn transaction failed). Idempotent; a completed burn
    /// cannot be cancelled (<c>InvalidArgument</c>).
    /// </summary>
    [Alias("CancelBurn")]
    Task<AssetSnapshot> CancelBurnAsync(OperationId burnOperationId);

    /// <summary>
    /// Records that a move between chains burned <paramref name="amount"/> on <paramref name="fromChain"/> (final): the tokens
    /// are now in transit, still issued and still backed (invariant 2). Idempotent per transfer id.
    /// </summary>
    [Alias("BeginTransit")]
    Task<AssetSnapshot> BeginTransitAsync(OperationId transferId, string fromChain, CanonicalAmount amount);

    /// <summary>Records that the transfer's mint on the destination is recorded: the amount leaves transit. Idempotent.</summary>
    [Alias("EndTransit")]
    Task<AssetSnapshot> EndTransitAsync(OperationId transferId);

    /// <summary>
    /// Adds shares just bought for a mint (under <paramref name="custodyOperationId"/>) and reserves the backing of
    /// <paramref name="amount"/> (reservation id <paramref name="reservationId"/>) in one state write, so a hot asset pays one
    /// write per order instead of two. Each half is idempotent under its own id. When the reservation is refused (paused,
    /// short), the custody still counts (the shares were bought) and the refusal is thrown.
    /// </summary>
    [Alias("ReserveWithPurchase")]
    Task<CustodyReservation> ReserveWithPurchaseAsync(OperationId reservationId, string chain, CanonicalAmount amount,
        OperationId custodyOperationId, decimal purchasedShares);

    /// <summary>
    /// Settles several reservations in one state write (one chain batch that is final on-chain): the same matching rules as
    /// <see cref="SettleReservationAsync"/> per item, applied all or nothing, except that a pause or a backing shortfall
    /// (multiplier moved) does not refuse it: the tokens exist, so they are recorded and an alert is raised instead.
    /// </summary>
    [Alias("SettleReservations")]
    Task<AssetSnapshot> SettleReservationsAsync(IReadOnlyList<ReservationSettlement> settlements);

    /// <summary>
    /// Opens the pause window of corporate action <paramref name="actionId"/>: from now no reservation, settlement outside
    /// a final chain batch, or burn is accepted (<c>asset_paused</c>, naming the action) until
    /// <see cref="CloseCorporateActionWindowAsync"/>. Idempotent; <c>corporate_action_conflict</c> while another action's
    /// window is open.
    /// </summary>
    [Alias("OpenCorporateActionWindow")]
    Task<AssetSnapshot> OpenCorporateActionWindowAsync(string actionId);

    /// <summary>
    /// Switches the ledger for a corporate action in one state write: custody × <paramref name="custodyFactor"/> (a split at
    /// the custodian; fractions of a nano-share dropped) + <paramref name="addedShares"/> (a dividend's reinvestment), then
    /// the multiplier. Refused with <c>insufficient_backing</c> (nothing changed) when custody would not back issued and
    /// reserved tokens at the new multiplier. Idempotent per action id.
    /// </summary>
    [Alias("ApplyCorporateAction")]
    Task<AssetSnapshot> ApplyCorporateActionAsync(string actionId, Multiplier newMultiplier, decimal custodyFactor, decimal addedShares);

    /// <summary>Closes the action's pause window (mints and burns follow the status again). Idempotent.</summary>
    [Alias("CloseCorporateActionWindow")]
    Task<AssetSnapshot> CloseCorporateActionWindowAsync(string actionId);
}
