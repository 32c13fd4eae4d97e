using Sharemint.Accounts;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Operations;

namespace Sharemint.Saga.Tests.StandIns;

/// <summary>A partner's account in memory, with the real grain's rules for holds (one outcome each) and credits (once per id).</summary>
public sealed class AccountStandIn(SagaWorld world, string accountId) : IHolderAccountGrain
{
    private const string ReleasedUnheld = "released-unheld";

    private readonly Dictionary<string, decimal> _holds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _closedHolds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);

    public bool Onboarded { get; init; } = true;
    public decimal InitialCash { get; init; }
    public decimal Cash { get; set; }
    public decimal Held => _holds.Values.Sum();
    public decimal Captured { get; private set; }
    public decimal Credited { get; private set; }
    public int CreditsApplied { get; private set; }
    public List<AllowListedWallet> Wallets { get; } = [];
    public PartnerProfile Profile { get; } = new("Test Exchange", "GB", PartnerTier.Standard, 0.005m, AccountLimits.Default);

    public AccountSnapshot Snapshot() => new(accountId, Profile, KycStatus.Approved, Wallets.ToList(), Cash, Held, 0m, 0);

    public Task<AccountSnapshot> GetAsync() => world.CallAsync("account.get", () =>
        Onboarded ? Snapshot() : throw new LedgerException(LedgerError.AccountNotFound, $"No account '{accountId}'."));

    public Task CheckEligibilityAsync(string chain, string wallet) => world.CallAsync("account.eligibility", () => RequireEligible(chain, wallet));

    private void RequireEligible(string chain, string wallet)
    {
        if (!Onboarded)
        {
            throw new LedgerException(LedgerError.AccountNotFound, $"No account '{accountId}'.");
        }
        var canonical = ChainAddress.Canonicalize(chain, wallet);
        if (world.Sanctions.IsListed(chain, canonical))
        {
            throw new LedgerException(LedgerError.AddressSanctioned, $"{canonical} on {chain} is sanctioned.");
        }
        if (!Wallets.Contains(new AllowListedWallet(chain, canonical)))
        {
            throw new LedgerException(LedgerError.WalletNotAllowListed, $"{canonical} is not allow-listed on {chain}.");
        }
    }

    public Task<AccountSnapshot> HoldCashForMintAsync(OperationId operationId, MintPayment payment) => world.CallAsync("account.hold", () =>
    {
        if (_closedHolds.TryGetValue(operationId.Value, out var closed) && closed == ReleasedUnheld)
        {
            throw new LedgerException(LedgerError.IdempotencyConflict, $"Hold '{operationId}' was {closed} before it was made.");
        }
        if (_holds.ContainsKey(operationId.Value) || _closedHolds.ContainsKey(operationId.Value))
        {
            return Snapshot();
        }
        RequireEligible(payment.Chain, payment.Wallet);
        if (payment.Cash > Cash)
        {
            throw new LedgerException(LedgerError.InsufficientCash, $"{payment.Cash} USD is more than the available {Cash} USD.");
        }
        Cash -= payment.Cash;
        _holds[operationId.Value] = payment.Cash;
        return Snapshot();
    });

    public Task<AccountSnapshot> CaptureHoldAsync(OperationId holdId) => world.CallAsync("account.capture", () =>
    {
        if (_closedHolds.TryGetValue(holdId.Value, out var outcome))
        {
            return outcome == "captured" ? Snapshot() : throw new LedgerException(LedgerError.IdempotencyConflict, $"Hold '{holdId}' was {outcome}.");
        }
        if (!_holds.Remove(holdId.Value, out var cash))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"No hold '{holdId}'.");
        }
        Captured += cash;
        _closedHolds[holdId.Value] = "captured";
        return Snapshot();
    });

    public Task<AccountSnapshot> ReleaseHoldAsync(OperationId holdId) => world.CallAsync("account.release", () =>
    {
        if (_closedHolds.TryGetValue(holdId.Value, out var outcome))
        {
            return outcome is "released" or ReleasedUnheld ? Snapshot() : throw new LedgerException(LedgerError.IdempotencyConflict, $"Hold '{holdId}' was {outcome}.");
        }
        if (!_holds.Remove(holdId.Value, out var cash))
        {
            // Never held: no cash moves, and the id is closed so that a hold arriving later is refused.
            _closedHolds[holdId.Value] = ReleasedUnheld;
            return Snapshot();
        }
        Cash += cash;
        _closedHolds[holdId.Value] = "released";
        return Snapshot();
    });

    public Task<AccountSnapshot> CreditCashAsync(OperationId operationId, decimal amount) => world.CallAsync("account.credit", () =>
    {
        if (_applied.Add(operationId.Value))
        {
            Cash += amount;
            Credited += amount;
            CreditsApplied++;
        }
        return Snapshot();
    });

    /// <summary>Outcome of a hold: "captured", "released", "released-unheld" (released before it was made), "held" or null when none was made.</summary>
    public string? HoldOutcome(string holdId) => _closedHolds.TryGetValue(holdId, out var o) ? o : _holds.ContainsKey(holdId) ? "held" : null;

    // Onboarding and profile administration are not part of an order's saga: not modelled here.
    public Task<AccountSnapshot> OnboardAsync(PartnerProfile profile) => throw NotModelled();
    public Task<AccountSnapshot> UpdateProfileAsync(OperationId operationId, PartnerProfile profile) => throw NotModelled();
    public Task<AccountSnapshot> SetKycStatusAsync(OperationId operationId, KycStatus status) => throw NotModelled();
    public Task<AccountSnapshot> AllowWalletAsync(OperationId operationId, string chain, string address) => throw NotModelled();
    public Task<AccountSnapshot> RemoveWalletAsync(OperationId operationId, string chain, string address) => throw NotModelled();
    public Task<AccountSnapshot> ProveWalletControlAsync(OperationId operationId, string chain, string address, string signature) => throw NotModelled();
    public Task<AccountSnapshot> DebitCashAsync(OperationId operationId, decimal amount) => throw NotModelled();
    public Task<CashJournalPage> GetCashJournalAsync(DateTimeOffset from, DateTimeOffset before, long afterSequence, int limit) => throw NotModelled();

    private static NotSupportedException NotModelled() => new("account administration is not part of an order's saga");
}
