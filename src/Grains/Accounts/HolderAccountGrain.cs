using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Operations;
using Sharemint.Orders;

namespace Sharemint.Accounts;

/// <inheritdoc cref="IHolderAccountGrain"/>
[GrainType("sharemint.holder-account")]
public sealed class HolderAccountGrain(
    [PersistentState("account", LedgerStorage.Name)] IPersistentState<HolderAccountState> state,
    ILogger<HolderAccountGrain> logger,
    TimeProvider clock,
    IWalletOwnerRegistry owners,
    ICashJournalArchive journalArchive,
    IOptions<OrderOptions> crashSwitch)
    : LedgerGrain<HolderAccountState>(state, logger), IHolderAccountGrain
{
    /// <summary>
    /// Journal lines move to the archive in whole batches of this many, oldest first, once the state holds more; the
    /// state then keeps 1 to this many. A line is about 170 bytes of stored JSON and the account is written about twice
    /// per order (hold, capture), so the window costs about 16 lines (2.7 KB) per write on average, against one archive
    /// row per 16 orders (two lines each).
    /// </summary>
    public const int JournalBatch = 32;

    private readonly ProcessCrashSeam _crash = new(crashSwitch.Value);

    private const string Released = "released";
    private const string ReleasedUnheld = "released-unheld";

    // US persons may not hold xStocks: the United States and its territories.
    private static readonly HashSet<string> IneligibleJurisdictions = ["US", "PR", "GU", "VI", "AS", "MP", "UM"];

    private string AccountId => this.GetPrimaryKeyString();

    private ISanctionsListGrain Sanctions => GrainFactory.GetGrain<ISanctionsListGrain>(0);

    public Task<AccountSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public async Task<AccountSnapshot> OnboardAsync(PartnerProfile profile)
    {
        LedgerValidation.RequireAccountId(AccountId);
        ValidateProfile(profile);
        if (State.Profile is not null)
        {
            return State.Profile == profile
                ? Snapshot()
                : throw new LedgerException(LedgerError.AccountAlreadyExists, $"Account '{AccountId}' already exists with another profile.");
        }
        State.Profile = profile;
        State.Kyc = KycStatus.Pending;
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AccountSnapshot> UpdateProfileAsync(OperationId operationId, PartnerProfile profile)
    {
        RequireOnboarded();
        ValidateProfile(profile);
        var fingerprint = $"profile|{profile}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        State.Profile = profile;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AccountSnapshot> SetKycStatusAsync(OperationId operationId, KycStatus status)
    {
        RequireOnboarded();
        if (!Enum.IsDefined(status))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Unknown KYC status {status}.");
        }
        var fingerprint = $"kyc|{status}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        State.Kyc = status;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AccountSnapshot> AllowWalletAsync(OperationId operationId, string chain, string address)
    {
        RequireOnboarded();
        var canonical = ChainAddress.Canonicalize(chain, address);
        var fingerprint = $"allow|{chain}|{canonical}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        if (await Sanctions.IsSanctionedAsync(chain, canonical))
        {
            throw new LedgerException(LedgerError.AddressSanctioned, $"{canonical} on {chain} is sanctioned and cannot be allow-listed.");
        }
        // Claimed before it is listed: a crash in between leaves a claim this account can complete by retrying.
        var owner = await owners.ClaimAsync(chain, canonical, AccountId);
        if (owner != AccountId)
        {
            throw new LedgerException(LedgerError.WalletHeldByAnotherAccount,
                $"{canonical} on {chain} is allow-listed for another account; a wallet belongs to one account.");
        }
        var wallet = new AllowListedWallet(chain, canonical);
        if (!State.Wallets.Contains(wallet))
        {
            State.Wallets.Add(wallet);
        }
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AccountSnapshot> RemoveWalletAsync(OperationId operationId, string chain, string address)
    {
        RequireOnboarded();
        var canonical = ChainAddress.Canonicalize(chain, address);
        var fingerprint = $"remove-wallet|{chain}|{canonical}";
        var wallet = new AllowListedWallet(chain, canonical);
        if (!await WasAppliedAsync(operationId, fingerprint))
        {
            State.Wallets.Remove(wallet);
            State.ProvenWallets.Remove(wallet);
            State.Applied.Record(operationId, fingerprint);
            await CommitAsync();
        }
        // Released after the removal is stored, and again on a retry (a crash may have come between the two).
        if (!State.Wallets.Contains(wallet))
        {
            await owners.ReleaseAsync(chain, canonical, AccountId);
        }
        return Snapshot();
    }

    public async Task<AccountSnapshot> ProveWalletControlAsync(OperationId operationId, string chain, string address, string signature)
    {
        RequireOnboarded();
        var canonical = ChainAddress.Canonicalize(chain, address);
        var fingerprint = $"prove-wallet|{chain}|{canonical}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        var wallet = new AllowListedWallet(chain, canonical);
        if (!State.Wallets.Contains(wallet))
        {
            throw new LedgerException(LedgerError.WalletNotAllowListed, $"{canonical} is not allow-listed on {chain} for '{AccountId}'; allow-list it before proving control.");
        }
        if (!WalletControlProof.Verify(AccountId, chain, canonical, signature))
        {
            throw new LedgerException(LedgerError.WalletProofInvalid, $"The signature is not {canonical}'s signature of the wallet control message.");
        }
        if (!State.ProvenWallets.Contains(wallet))
        {
            State.ProvenWallets.Add(wallet);
        }
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AccountSnapshot> CreditCashAsync(OperationId operationId, decimal amount)
    {
        RequireOnboarded();
        LedgerValidation.RequireCash(amount);
        var fingerprint = $"credit|{amount.ToString(CultureInfo.InvariantCulture)}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        State.CashBalance = AddCash(State.CashBalance, amount);
        Journal(CashEntryKind.Credit, operationId.Value, amount, 0m);
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AccountSnapshot> DebitCashAsync(OperationId operationId, decimal amount)
    {
        RequireOnboarded();
        LedgerValidation.RequireCash(amount);
        var fingerprint = $"debit|{amount.ToString(CultureInfo.InvariantCulture)}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        RequireFunds(amount);
        State.CashBalance -= amount;
        Journal(CashEntryKind.Debit, operationId.Value, -amount, 0m);
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AccountSnapshot> HoldCashForMintAsync(OperationId operationId, MintPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var profile = RequireOnboarded();
        LedgerValidation.RequireCash(payment.Cash);
        var wallet = ChainAddress.Canonicalize(payment.Chain, payment.Wallet);
        var fingerprint = $"hold|{payment.Symbol}|{payment.Chain}|{wallet}|{payment.Cash.ToString(CultureInfo.InvariantCulture)}";
        var recorded = await RecallAsync(operationId.Value);
        if (recorded == ReleasedUnheld)
        {
            // Released before it was made: the release overtook this call (a duplicate activation cancelled the order
            // while the hold was in transit, or a stale one re-asserts it). Holding now would take cash no one releases.
            throw new LedgerException(LedgerError.IdempotencyConflict, $"Hold '{operationId}' was released before it was made; it cannot be made now.");
        }
        if (AppliedOperations.Matches(operationId, recorded, fingerprint))
        {
            return Snapshot();
        }

        await RequireEligibleAsync(profile, payment.Chain, wallet);
        if (payment.Cash > profile.Limits.MaxOrderCash)
        {
            throw new LedgerException(LedgerError.LimitExceeded,
                $"Order of {payment.Cash.ToString(CultureInfo.InvariantCulture)} USD exceeds the per-order limit of {profile.Limits.MaxOrderCash.ToString(CultureInfo.InvariantCulture)} USD.");
        }
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var spentToday = State.SpendingDay == today ? State.SpentToday : 0m;
        if (spentToday + payment.Cash > profile.Limits.MaxDailyCash)
        {
            throw new LedgerException(LedgerError.LimitExceeded,
                $"Order would bring today's volume to {(spentToday + payment.Cash).ToString(CultureInfo.InvariantCulture)} USD, over the daily limit of {profile.Limits.MaxDailyCash.ToString(CultureInfo.InvariantCulture)} USD.");
        }
        RequireFunds(payment.Cash);

        State.CashBalance -= payment.Cash;
        State.Holds[operationId.Value] = new CashHold(payment.Cash, today, payment with { Wallet = wallet });
        State.SpendingDay = today;
        State.SpentToday = spentToday + payment.Cash;
        Journal(CashEntryKind.Hold, operationId.Value, -payment.Cash, payment.Cash);
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AccountSnapshot> CaptureHoldAsync(OperationId holdId)
    {
        RequireOnboarded();
        if (await RecallAsync(ClosedHoldKey(holdId)) is { } outcome)
        {
            return outcome == "captured"
                ? Snapshot()
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Hold '{holdId}' was {outcome}; it cannot be captured.");
        }
        if (!State.Holds.Remove(holdId.Value, out var hold))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"No hold '{holdId}'.");
        }
        Journal(CashEntryKind.Capture, holdId.Value, 0m, -hold.Cash);
        State.Applied.Record(ClosedHoldKey(holdId), "captured");
        await CommitAsync();
        return Snapshot();
    }

    public async Task<AccountSnapshot> ReleaseHoldAsync(OperationId holdId)
    {
        RequireOnboarded();
        if (await RecallAsync(ClosedHoldKey(holdId)) is { } outcome)
        {
            return outcome is Released or ReleasedUnheld
                ? Snapshot()
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Hold '{holdId}' was {outcome}; it cannot be released.");
        }
        if (!State.Holds.Remove(holdId.Value, out var hold))
        {
            // Never held: nothing to give back, but the id is closed all the same (operation ids are terminal), so a hold
            // that arrives under it later is refused instead of holding cash for an order that is already over.
            // Recorded under the hold's own id too, where the hold's apply-once check reads it first (one lookup).
            State.Applied.Record(ClosedHoldKey(holdId), ReleasedUnheld);
            State.Applied.Record(holdId, ReleasedUnheld);
            await CommitAsync();
            return Snapshot();
        }
        State.CashBalance = AddCash(State.CashBalance, hold.Cash);
        if (State.SpendingDay == hold.Day)
        {
            State.SpentToday -= hold.Cash;
        }
        Journal(CashEntryKind.Release, holdId.Value, hold.Cash, -hold.Cash);
        State.Applied.Record(ClosedHoldKey(holdId), Released);
        await CommitAsync();
        return Snapshot();
    }

    public async Task CheckEligibilityAsync(string chain, string wallet)
    {
        var profile = RequireOnboarded();
        await RequireEligibleAsync(profile, chain, ChainAddress.Canonicalize(chain, wallet));
    }

    /// <summary>Invariant 7, checked in the order an operator would want to read the refusal.</summary>
    private async Task RequireEligibleAsync(PartnerProfile profile, string chain, string wallet)
    {
        if (IneligibleJurisdictions.Contains(profile.Jurisdiction))
        {
            throw new LedgerException(LedgerError.JurisdictionNotEligible, $"Accounts in {profile.Jurisdiction} are not eligible: US persons may not hold xStocks.");
        }
        if (State.Kyc != KycStatus.Approved)
        {
            throw new LedgerException(LedgerError.KycNotApproved, $"Account '{AccountId}' KYC is {State.Kyc}.");
        }
        if (!State.Wallets.Contains(new AllowListedWallet(chain, wallet)))
        {
            throw new LedgerException(LedgerError.WalletNotAllowListed, $"{wallet} is not allow-listed on {chain} for '{AccountId}'.");
        }
        if (await Sanctions.IsSanctionedAsync(chain, wallet))
        {
            throw new LedgerException(LedgerError.AddressSanctioned, $"{wallet} on {chain} is sanctioned.");
        }
    }

    private static string ClosedHoldKey(OperationId holdId) => $"hold:{holdId}";

    public async Task<CashJournalPage> GetCashJournalAsync(DateTimeOffset from, DateTimeOffset before, long afterSequence, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        RequireOnboarded();
        var wanted = limit == int.MaxValue ? limit : limit + 1;
        // Read together, before any await: lines through archivedThrough are in the archive, the later ones in the window.
        var archivedThrough = State.CashJournalArchivedThrough;
        var window = State.CashJournal;
        // Sequence and time both grow along the journal, so the matching lines are one contiguous run.
        var recent = window.Where(e => e.Sequence > Math.Max(afterSequence, archivedThrough) && e.At >= from && e.At < before)
            .Take(wanted).ToArray();
        var page = new List<CashJournalEntry>();
        // Archived lines are no later than the window's first, so a range that starts after it needs no query.
        if (afterSequence < archivedThrough && !(window.Count > 0 && window[0].At < from))
        {
            page.AddRange(await journalArchive.ReadAsync(AccountId, afterSequence, archivedThrough, from, before, wanted));
        }
        page.AddRange(recent.Take(wanted - page.Count));
        return new CashJournalPage(page.Take(limit).ToArray(), page.Count > limit);
    }

    // Appended before the commit that carries the balance change: the line and the balance are one write.
    private void Journal(CashEntryKind kind, string reference, decimal cashChange, decimal heldChange)
    {
        var journal = State.CashJournal;
        var last = journal.Count > 0 ? journal[^1] : null;
        var sequence = last is null ? State.CashJournalArchivedThrough + 1 : last.Sequence + 1;
        var now = clock.GetUtcNow();
        // Keep times non-decreasing along the journal even if the clock steps back (the window keeps the last line).
        var at = last is not null && last.At > now ? last.At : now;
        journal.Add(new CashJournalEntry(sequence, at, kind, reference, cashChange, heldChange, State.CashBalance));
    }

    /// <summary>
    /// Moves the oldest whole batches of journal lines to the archive once the window holds more than
    /// <see cref="JournalBatch"/>; the last line always stays. A state stored before the archive existed (every line in
    /// it) is trimmed by its first commit the same way. Batches start right after the last archived line, so a repeat
    /// (a lost reply, a crash before the next write) archives the same lines again, which the archive keeps once.
    /// </summary>
    protected override async Task ArchiveAfterCommitAsync()
    {
        var journal = State.CashJournal;
        var moving = (journal.Count - 1) / JournalBatch * JournalBatch;
        if (moving <= 0)
        {
            return;
        }
        var lines = journal.GetRange(0, moving);
        await ArchiveThenForgetAsync("cash journal lines", async () =>
        {
            await journalArchive.ArchiveAsync(AccountId, lines);
            // Crash tests: the lines are archived and the stored state still holds them.
            _crash.Crash("account.journal-archived");
        }, () =>
        {
            journal.RemoveRange(0, moving);
            State.CashJournalArchivedThrough = lines[^1].Sequence;
        });
    }

    private static decimal AddCash(decimal balance, decimal amount)
    {
        try
        {
            return checked(balance + amount);
        }
        catch (OverflowException)
        {
            throw new LedgerException(LedgerError.AmountOverflow, "Cash balance would overflow.");
        }
    }

    private void RequireFunds(decimal amount)
    {
        if (amount > State.CashBalance)
        {
            throw new LedgerException(LedgerError.InsufficientCash,
                $"{amount.ToString(CultureInfo.InvariantCulture)} USD exceeds the available balance of {State.CashBalance.ToString(CultureInfo.InvariantCulture)} USD.");
        }
    }

    private static void ValidateProfile(PartnerProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (string.IsNullOrWhiteSpace(profile.DisplayName) || profile.DisplayName.Length > 200)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "Display name is required (at most 200 characters).");
        }
        if (profile.Jurisdiction is not { Length: 2 } || !profile.Jurisdiction.All(char.IsAsciiLetterUpper))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Jurisdiction must be an ISO 3166-1 alpha-2 code such as 'GB' (got '{profile.Jurisdiction}').");
        }
        if (!Enum.IsDefined(profile.Tier))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Unknown tier {profile.Tier}.");
        }
        if (profile.FeeRate is < 0 or > 0.1m)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "Fee rate must be between 0 and 0.1 (10%).");
        }
        if (profile.Limits is null || profile.Limits.MaxOrderCash <= 0 || profile.Limits.MaxDailyCash < profile.Limits.MaxOrderCash)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "Limits must be positive and the daily limit at least the per-order limit.");
        }
    }

    private PartnerProfile RequireOnboarded() =>
        State.Profile ?? throw new LedgerException(LedgerError.AccountNotFound, $"Account '{AccountId}' does not exist.");

    private AccountSnapshot Snapshot()
    {
        var profile = RequireOnboarded();
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        return new AccountSnapshot(AccountId, profile, State.Kyc, State.Wallets.ToArray(), State.CashBalance,
            State.Holds.Values.Sum(h => h.Cash), State.SpendingDay == today ? State.SpentToday : 0m, StateVersion)
        {
            ProvenWallets = State.ProvenWallets.ToArray(),
        };
    }
}
