using System.Globalization;
using Microsoft.Extensions.Logging;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Assets;

/// <inheritdoc cref="IAssetGrain"/>
[GrainType("sharemint.asset")]
public sealed class AssetGrain(
    [PersistentState("asset", LedgerStorage.Name)] IPersistentState<AssetState> state,
    ILogger<AssetGrain> logger,
    TimeProvider clock)
    : LedgerGrain<AssetState>(state, logger), IAssetGrain, IRemindable
{
    private const string MultiplierReminder = "scheduled-multiplier";
    // Recorded under a reservation id released before it was ever made.
    private const string ReleasedUnreserved = "released-unreserved";

    private string Symbol => this.GetPrimaryKeyString();

    public Task<AssetSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public async Task<AssetSnapshot> DefineAsync(AssetDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        LedgerValidation.RequireSymbol(definition.Symbol);
        if (definition.Symbol != Symbol)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Definition is for '{definition.Symbol}' but this is the ledger of '{Symbol}'.");
        }
        LedgerValidation.RequireIsin(definition.Isin);
        if (string.IsNullOrWhiteSpace(definition.Name) || string.IsNullOrWhiteSpace(definition.UnderlyingTicker))
        {
            throw new LedgerException(LedgerError.InvalidArgument, "Name and underlying ticker are required.");
        }
        if (!Enum.IsDefined(definition.Kind))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Unknown asset kind {definition.Kind}.");
        }
        if (State.Definition == definition)
        {
            return Snapshot();
        }
        State.Definition = definition;
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> SetStatusAsync(OperationId operationId, AssetStatus status)
    {
        RequireDefined();
        if (!Enum.IsDefined(status))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Unknown status {status}.");
        }
        var fingerprint = $"status|{status}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        if (status is AssetStatus.Delisting or AssetStatus.Delisted)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "Delisting takes a redemption window: use delist.");
        }
        if (EffectiveStatus() is AssetStatus.Delisting or AssetStatus.Delisted)
        {
            // A pause or resume would end the window early or reopen a closed asset.
            throw new LedgerException(EffectiveStatus().RefusalError(), $"{Symbol} is {EffectiveStatus()}: its status no longer changes.");
        }
        State.Status = status;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> DelistAsync(OperationId operationId, DateTimeOffset redeemUntil)
    {
        RequireDefined();
        var fingerprint = $"delist|{redeemUntil.UtcTicks}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        if (State.Status == AssetStatus.Delisting && State.RedeemUntil == redeemUntil)
        {
            return Snapshot();
        }
        if (State.Status == AssetStatus.Delisting)
        {
            throw new LedgerException(EffectiveStatus().RefusalError(),
                $"{Symbol} is already {EffectiveStatus()} with redemptions until {State.RedeemUntil:O}.");
        }
        if (redeemUntil <= clock.GetUtcNow())
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"redeem_until {redeemUntil:O} is not in the future.");
        }
        State.Status = AssetStatus.Delisting;
        State.RedeemUntil = redeemUntil.ToUniversalTime();
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    /// <summary>The status now: a delisting whose window has passed reads as delisted (no reminder needed to close it).</summary>
    private AssetStatus EffectiveStatus() =>
        State.Status == AssetStatus.Delisting && State.RedeemUntil is { } until && clock.GetUtcNow() >= until
            ? AssetStatus.Delisted
            : State.Status;

    public async Task<AssetSnapshot> SetMultiplierAsync(OperationId operationId, Multiplier multiplier)
    {
        RequireDefined();
        var checkedMultiplier = Multiplier.From(multiplier.Value);
        var fingerprint = $"multiplier|{checkedMultiplier}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        RequireBacking(State.CustodyShares, ReservedUnder(checkedMultiplier), checkedMultiplier.SharesToBack(State.Issued), "the new multiplier");
        State.Multiplier = checkedMultiplier;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> ScheduleMultiplierAsync(OperationId operationId, Multiplier multiplier, DateTimeOffset effectiveAt)
    {
        RequireDefined();
        var checkedMultiplier = Multiplier.From(multiplier.Value);
        var fingerprint = $"schedule-multiplier|{checkedMultiplier}|{effectiveAt.ToUnixTimeMilliseconds()}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        State.ScheduledMultiplier = new ScheduledMultiplier(operationId.Value, checkedMultiplier, effectiveAt);
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        await ArmMultiplierReminderAsync();
        return Snapshot();
    }

    public Task<ScheduledMultiplier?> GetScheduledMultiplierAsync() => Task.FromResult(State.ScheduledMultiplier);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != MultiplierReminder)
        {
            return;
        }
        var scheduled = State.ScheduledMultiplier;
        if (scheduled is null)
        {
            await UnregisterMultiplierReminderAsync();
            return;
        }
        if (clock.GetUtcNow() < scheduled.EffectiveAt)
        {
            return;
        }
        if (State.CustodyShares < ReservedUnder(scheduled.Multiplier) + scheduled.Multiplier.SharesToBack(State.Issued))
        {
            // Keep it scheduled and keep the reminder: an operator must add custody first. Applying it would unback tokens.
            logger.LogError("Scheduled multiplier {Multiplier} for {Symbol} would leave tokens unbacked; not applied", scheduled.Multiplier, Symbol);
            return;
        }
        State.Multiplier = scheduled.Multiplier;
        State.ScheduledMultiplier = null;
        await CommitAsync();
        await UnregisterMultiplierReminderAsync();
    }

    public async Task<AssetSnapshot> AddCustodyAsync(OperationId operationId, decimal shares)
    {
        RequireDefined();
        LedgerValidation.RequireShares(shares);
        var fingerprint = $"add-custody|{shares.ToString(CultureInfo.InvariantCulture)}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        State.CustodyShares = checked(State.CustodyShares + shares);
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> RemoveCustodyAsync(OperationId operationId, decimal shares)
    {
        RequireDefined();
        LedgerValidation.RequireShares(shares);
        var fingerprint = $"remove-custody|{shares.ToString(CultureInfo.InvariantCulture)}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        RequireBacking(State.CustodyShares - shares, ReservedShares(), BackingShares(), $"removing {shares.ToString(CultureInfo.InvariantCulture)} shares");
        State.CustodyShares -= shares;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<CustodyReservation> ReserveCustodyAsync(OperationId operationId, string chain, CanonicalAmount amount) =>
        await ReserveAsync(operationId, chain, amount) ?? throw ShortOfBacking(amount);

    public Task<CustodyReservation?> TryReserveCustodyAsync(OperationId operationId, string chain, CanonicalAmount amount) =>
        ReserveAsync(operationId, chain, amount);

    // Null when custody does not cover the reservation: nothing is recorded, so the id stays free.
    private async Task<CustodyReservation?> ReserveAsync(OperationId operationId, string chain, CanonicalAmount amount)
    {
        RequireDefined();
        ArgumentException.ThrowIfNullOrWhiteSpace(chain);
        LedgerValidation.RequirePositive(amount, "Mint amount");
        var fingerprint = $"reserve|{chain}|{amount.Units}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return State.OpenReservations.TryGetValue(operationId.Value, out var open)
                ? open
                : new CustodyReservation(operationId.Value, chain, amount, State.Multiplier.SharesToBack(amount));
        }
        RequireMintingAllowed();
        var shares = State.Multiplier.SharesToBack(amount);
        if (State.CustodyShares < ReservedShares() + shares + BackingShares())
        {
            return null;
        }
        var reservation = new CustodyReservation(operationId.Value, chain, amount, shares);
        State.OpenReservations[operationId.Value] = reservation;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return reservation;
    }

    private LedgerException ShortOfBacking(CanonicalAmount amount)
    {
        var shares = State.Multiplier.SharesToBack(amount);
        return new LedgerException(LedgerError.InsufficientBacking,
            $"Custody of {State.CustodyShares.ToString(CultureInfo.InvariantCulture)} shares would not cover {(ReservedShares() + shares).ToString(CultureInfo.InvariantCulture)} reserved + {BackingShares().ToString(CultureInfo.InvariantCulture)} backing after reserving {amount} tokens.");
    }

    public async Task<AssetSnapshot> ReleaseReservationAsync(OperationId reservationId)
    {
        RequireDefined();
        if (await RecallAsync(SettledKey(reservationId)) is not null)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Reservation '{reservationId}' is settled: its tokens exist and cannot be released.");
        }
        if (!State.OpenReservations.Remove(reservationId.Value))
        {
            if (await RecallAsync(reservationId.Value) is not null)
            {
                // Reserved and released before: nothing left to release.
                return Snapshot();
            }
            // Never reserved: the id is closed all the same (operation ids are terminal), so a reservation that a stale
            // duplicate activation of the order asks for under it later is refused instead of locking custody for good.
            State.Applied.Record(reservationId, ReleasedUnreserved);
            await CommitAsync();
            return Snapshot();
        }
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> SettleReservationAsync(OperationId reservationId, OperationId mintOperationId, string chain, CanonicalAmount amount)
    {
        RequireDefined();
        if (await ApplySettlementAsync(reservationId, mintOperationId, chain, amount))
        {
            await CommitAsync();
        }
        return Snapshot();
    }

    public async Task<AssetSnapshot> SettleReservationsAsync(IReadOnlyList<ReservationSettlement> settlements)
    {
        ArgumentNullException.ThrowIfNull(settlements);
        RequireDefined();
        var changed = false;
        try
        {
            foreach (var item in settlements)
            {
                changed |= await ApplySettlementAsync(OperationId.From(item.ReservationId), OperationId.From(item.MintOperationId), item.Chain, item.Amount,
                    finalOnChain: true);
            }
        }
        catch (LedgerException)
        {
            if (changed)
            {
                // All or nothing: drop the settlements applied in memory so far.
                await ReloadAsync();
            }
            throw;
        }
        if (changed)
        {
            await CommitAsync();
        }
        return Snapshot();
    }

    /// <summary>
    /// Settles one reservation in memory; false when it was already settled by the same mint. A mint already final on-chain
    /// (<paramref name="finalOnChain"/>: a bridge batch) is recorded even when the asset is paused now or the backing fell
    /// short after a multiplier change: the tokens exist, so the ledger must show them; the mismatch raises the alert.
    /// </summary>
    private async Task<bool> ApplySettlementAsync(OperationId reservationId, OperationId mintOperationId, string chain, CanonicalAmount amount,
        bool finalOnChain = false)
    {
        // An open reservation has not been settled (settling closes it), so only a closed one needs the settled record.
        if (!State.OpenReservations.TryGetValue(reservationId.Value, out var reservation))
        {
            return await RecallAsync(SettledKey(reservationId)) switch
            {
                null => throw new LedgerException(LedgerError.ReservationNotFound, $"No open reservation '{reservationId}'."),
                var settledBy when settledBy == mintOperationId.Value => false,
                var settledBy => throw new LedgerException(LedgerError.IdempotencyConflict,
                    $"Reservation '{reservationId}' already backs mint '{settledBy}'; it cannot back '{mintOperationId}' too."),
            };
        }
        if (reservation.Chain != chain || reservation.Amount != amount)
        {
            throw new LedgerException(LedgerError.IdempotencyConflict,
                $"Reservation '{reservationId}' is for {reservation.Amount} on {reservation.Chain}, not {amount} on {chain}.");
        }
        var newIssued = State.Issued + amount;
        if (finalOnChain)
        {
            AlertIfRefusedNow(mintOperationId, amount, reservation.Shares, newIssued);
        }
        else
        {
            RequireMintingAllowed();
            // Settling moves the reservation's shares into backing; ceil(a)+ceil(b) ≥ ceil(a+b), so backing still holds,
            // but check anyway: the multiplier may have moved since the reservation.
            RequireBacking(State.CustodyShares, ReservedShares() - reservation.Shares, State.Multiplier.SharesToBack(newIssued), $"settling {amount} tokens");
        }
        State.OpenReservations.Remove(reservationId.Value);
        State.Applied.Record(SettledKey(reservationId), mintOperationId.Value);
        State.Issued = newIssued;
        return true;
    }

    public async Task<CustodyReservation> ReserveWithPurchaseAsync(OperationId reservationId, string chain, CanonicalAmount amount,
        OperationId custodyOperationId, decimal purchasedShares)
    {
        RequireDefined();
        ArgumentException.ThrowIfNullOrWhiteSpace(chain);
        LedgerValidation.RequirePositive(amount, "Mint amount");
        LedgerValidation.RequireShares(purchasedShares);
        var custodyFingerprint = $"add-custody|{purchasedShares.ToString(CultureInfo.InvariantCulture)}";
        var reserveFingerprint = $"reserve|{chain}|{amount.Units}";
        var changed = false;
        if (!await WasAppliedAsync(custodyOperationId, custodyFingerprint))
        {
            State.CustodyShares = checked(State.CustodyShares + purchasedShares);
            State.Applied.Record(custodyOperationId, custodyFingerprint);
            changed = true;
        }
        if (await WasAppliedAsync(reservationId, reserveFingerprint))
        {
            if (changed)
            {
                await CommitAsync();
            }
            return State.OpenReservations.TryGetValue(reservationId.Value, out var open)
                ? open
                : new CustodyReservation(reservationId.Value, chain, amount, State.Multiplier.SharesToBack(amount));
        }
        var shares = State.Multiplier.SharesToBack(amount);
        try
        {
            RequireMintingAllowed();
            RequireBacking(State.CustodyShares, ReservedShares() + shares, BackingShares(), $"reserving {amount} tokens");
        }
        catch (LedgerException)
        {
            if (changed)
            {
                await CommitAsync();
            }
            throw;
        }
        var reservation = new CustodyReservation(reservationId.Value, chain, amount, shares);
        State.OpenReservations[reservationId.Value] = reservation;
        State.Applied.Record(reservationId, reserveFingerprint);
        await CommitAsync();
        return reservation;
    }

    public async Task<AssetSnapshot> AuthorizeBurnAsync(OperationId burnOperationId, string chain, CanonicalAmount amount)
    {
        RequireDefined();
        ArgumentException.ThrowIfNullOrWhiteSpace(chain);
        LedgerValidation.RequirePositive(amount, "Burn amount");
        var fingerprint = $"burn|{chain}|{amount.Units}";
        if (await WasAppliedAsync(burnOperationId, fingerprint))
        {
            return Snapshot();
        }
        if (!EffectiveStatus().AllowsRedeem())
        {
            throw new LedgerException(EffectiveStatus().RefusalError(), $"{Symbol} is {EffectiveStatus()}: no burns.");
        }
        RequireNoCorporateActionWindow("burns");
        if (PendingBurnAmount() + InTransitAmount() + amount > State.Issued)
        {
            throw new LedgerException(LedgerError.InsufficientSupply, $"Burning {amount} would exceed the {State.Issued} issued.");
        }
        State.PendingBurns[burnOperationId.Value] = new PendingBurn(chain, amount);
        State.Applied.Record(burnOperationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> CompleteBurnAsync(OperationId burnOperationId)
    {
        RequireDefined();
        if (!State.PendingBurns.TryGetValue(burnOperationId.Value, out var burn))
        {
            return await RecallAsync(burnOperationId.Value) is not null
                ? Snapshot()
                : throw new LedgerException(LedgerError.InvalidArgument, $"Burn '{burnOperationId}' was never authorized.");
        }
        State.PendingBurns.Remove(burnOperationId.Value);
        State.Issued -= burn.Amount;
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> CancelBurnAsync(OperationId burnOperationId)
    {
        RequireDefined();
        if (!State.PendingBurns.Remove(burnOperationId.Value))
        {
            return await RecallAsync(CancelledKey(burnOperationId)) is not null
                ? Snapshot()
                : throw new LedgerException(LedgerError.InvalidArgument, $"Burn '{burnOperationId}' is not pending (never authorized, or completed).");
        }
        State.Applied.Record(CancelledKey(burnOperationId), "cancelled");
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> BeginTransitAsync(OperationId transferId, string fromChain, CanonicalAmount amount)
    {
        RequireDefined();
        ArgumentException.ThrowIfNullOrWhiteSpace(fromChain);
        LedgerValidation.RequirePositive(amount, "Transit amount");
        var fingerprint = $"transit|{fromChain}|{amount.Units}";
        if (await WasAppliedAsync(transferId, fingerprint))
        {
            return Snapshot();
        }
        if (PendingBurnAmount() + InTransitAmount() + amount > State.Issued)
        {
            throw new LedgerException(LedgerError.InsufficientSupply, $"Moving {amount} would exceed the {State.Issued} issued.");
        }
        State.InTransit[transferId.Value] = new TransitLeg(fromChain, amount);
        State.Applied.Record(transferId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> EndTransitAsync(OperationId transferId)
    {
        RequireDefined();
        if (!State.InTransit.Remove(transferId.Value))
        {
            return await RecallAsync(transferId.Value) is not null
                ? Snapshot()
                : throw new LedgerException(LedgerError.InvalidArgument, $"Transfer '{transferId}' was never in transit.");
        }
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> OpenCorporateActionWindowAsync(string actionId)
    {
        RequireDefined();
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        if (State.CorporateActionWindow == actionId)
        {
            return Snapshot();
        }
        if (State.CorporateActionWindow is { } other)
        {
            throw new LedgerException(LedgerError.CorporateActionConflict, $"{Symbol} is paused for corporate action '{other}'.");
        }
        State.CorporateActionWindow = actionId;
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> ApplyCorporateActionAsync(string actionId, Multiplier newMultiplier, decimal custodyFactor, decimal addedShares)
    {
        RequireDefined();
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        var checkedMultiplier = Multiplier.From(newMultiplier.Value);
        if (custodyFactor <= 0 || addedShares < 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A corporate action's custody factor must be positive and its added shares not negative.");
        }
        var fingerprint = $"corporate-action|{checkedMultiplier}|{custodyFactor.ToString(CultureInfo.InvariantCulture)}|{addedShares.ToString(CultureInfo.InvariantCulture)}";
        var operationId = OperationId.From($"ca:{actionId}");
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        // The custodian drops fractions below a nano-share on a split (cash in lieu), so the ledger does too.
        var custody = checked(Math.Floor(State.CustodyShares * custodyFactor * 1_000_000_000m) / 1_000_000_000m + addedShares);
        RequireBacking(custody, ReservedUnder(checkedMultiplier), checkedMultiplier.SharesToBack(State.Issued), $"corporate action '{actionId}'");
        State.CustodyShares = custody;
        State.Multiplier = checkedMultiplier;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AssetSnapshot> CloseCorporateActionWindowAsync(string actionId)
    {
        RequireDefined();
        ArgumentException.ThrowIfNullOrWhiteSpace(actionId);
        if (State.CorporateActionWindow != actionId)
        {
            return Snapshot();
        }
        State.CorporateActionWindow = null;
        await CommitAsync();
        return Snapshot();
    }

    private void RequireNoCorporateActionWindow(string what)
    {
        if (State.CorporateActionWindow is { } action)
        {
            throw new LedgerException(LedgerError.AssetPaused,
                $"{Symbol} is paused for corporate action '{action}': no {what} until its new multiplier is checked on every chain.");
        }
    }

    private CanonicalAmount InTransitAmount() =>
        State.InTransit.Values.Aggregate(CanonicalAmount.Zero, (sum, leg) => sum + leg.Amount);

    private static string CancelledKey(OperationId burnOperationId) => $"cancelled:{burnOperationId}";

    private static string SettledKey(OperationId reservationId) => $"settled:{reservationId}";

    private void RequireDefined()
    {
        if (State.Definition is null)
        {
            throw new LedgerException(LedgerError.AssetNotFound, $"Asset '{Symbol}' is not in the catalogue.");
        }
    }

    /// <summary>Logs and counts a final mint the asset's current rules would refuse (recorded anyway: the chain decided).</summary>
    private void AlertIfRefusedNow(OperationId mintOperationId, CanonicalAmount amount, decimal reservedShares, CanonicalAmount newIssued)
    {
        if (!EffectiveStatus().AllowsMint())
        {
            Bridges.LedgerAlerts.ForcedRecord(Symbol, "asset_paused");
            logger.LogError("{Symbol}: mint {Mint} of {Amount} is final on-chain while the asset is {Status}; recorded, operators alerted",
                Symbol, mintOperationId, amount, State.Status);
        }
        var backing = State.Multiplier.SharesToBack(newIssued);
        if (State.CustodyShares < ReservedShares() - reservedShares + backing)
        {
            Bridges.LedgerAlerts.ForcedRecord(Symbol, "backing_short");
            logger.LogError("{Symbol}: mint {Mint} of {Amount} is final on-chain but custody {Custody} no longer covers {Backing} backing; recorded, operators alerted",
                Symbol, mintOperationId, amount, State.CustodyShares, backing);
        }
    }

    private void RequireMintingAllowed()
    {
        RequireNoCorporateActionWindow("mints");
        if (!EffectiveStatus().AllowsMint())
        {
            throw new LedgerException(EffectiveStatus().RefusalError(), $"{Symbol} is {EffectiveStatus()}: no mints.");
        }
    }

    private static void RequireBacking(decimal custody, decimal reserved, decimal backing, string what)
    {
        if (custody < reserved + backing)
        {
            throw new LedgerException(LedgerError.InsufficientBacking,
                $"Custody of {custody.ToString(CultureInfo.InvariantCulture)} shares would not cover {reserved.ToString(CultureInfo.InvariantCulture)} reserved + {backing.ToString(CultureInfo.InvariantCulture)} backing after {what}.");
        }
    }

    // Open reservations were sized at the multiplier of their time; a new multiplier must cover them at its own rate too.
    private decimal ReservedUnder(Multiplier multiplier) => Math.Max(ReservedShares(), multiplier.SharesToBack(PendingMint()));

    private decimal ReservedShares() => State.OpenReservations.Values.Sum(r => r.Shares);

    private CanonicalAmount PendingMint() =>
        State.OpenReservations.Values.Aggregate(CanonicalAmount.Zero, (sum, r) => sum + r.Amount);

    private CanonicalAmount PendingBurnAmount() =>
        State.PendingBurns.Values.Aggregate(CanonicalAmount.Zero, (sum, b) => sum + b.Amount);

    private decimal BackingShares() => State.Multiplier.SharesToBack(State.Issued);

    private AssetSnapshot Snapshot()
    {
        RequireDefined();
        return new AssetSnapshot(State.Definition!, EffectiveStatus(), State.Multiplier, State.CustodyShares, ReservedShares(),
            State.Issued, PendingMint(), PendingBurnAmount(), StateVersion, InTransitAmount(), State.CorporateActionWindow, State.RedeemUntil);
    }

    private async Task ArmMultiplierReminderAsync()
    {
        var due = State.ScheduledMultiplier!.EffectiveAt - clock.GetUtcNow();
        await this.RegisterOrUpdateReminder(MultiplierReminder, due < TimeSpan.Zero ? TimeSpan.Zero : due, TimeSpan.FromMinutes(1));
    }

    private async Task UnregisterMultiplierReminderAsync()
    {
        var reminder = await this.GetReminder(MultiplierReminder);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }
}
