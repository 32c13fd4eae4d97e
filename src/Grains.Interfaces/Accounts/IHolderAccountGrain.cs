using Sharemint.Operations;

namespace Sharemint.Accounts;

/// <summary>
/// A partner's account (key: account id, e.g. <c>partner-kraken</c>): profile, KYC, jurisdiction, allow-listed wallets
/// per chain, cash balance and limits. Cash is USD <see cref="decimal"/> rounded to cents. Every mutating call takes an
/// operation id, is applied at most once, and refuses bad input with a <see cref="Errors.LedgerException"/> before changing anything.
/// </summary>
[Alias("sharemint.IHolderAccountGrain")]
public interface IHolderAccountGrain : IGrainWithStringKey
{
    /// <summary>The account now. Throws <c>AccountNotFound</c> before onboarding.</summary>
    [Alias("Get"), ReadOnly]
    Task<AccountSnapshot> GetAsync();

    /// <summary>
    /// The cash journal: entries with <paramref name="from"/> &lt;= time &lt; <paramref name="before"/> and sequence
    /// above <paramref name="afterSequence"/>, oldest first, at most <paramref name="limit"/>. Every hold, capture,
    /// release, credit and debit is in it, committed with the balance change it records.
    /// </summary>
    [Alias("CashJournal"), ReadOnly]
    Task<CashJournalPage> GetCashJournalAsync(DateTimeOffset from, DateTimeOffset before, long afterSequence, int limit);

    /// <summary>Onboards the partner with KYC pending. Idempotent for the same profile; a different profile is <c>AccountAlreadyExists</c>.</summary>
    [Alias("Onboard")]
    Task<AccountSnapshot> OnboardAsync(PartnerProfile profile);

    /// <summary>Replaces profile fields (name, jurisdiction, tier, fee, limits).</summary>
    [Alias("UpdateProfile")]
    Task<AccountSnapshot> UpdateProfileAsync(OperationId operationId, PartnerProfile profile);

    /// <summary>Records the KYC review outcome.</summary>
    [Alias("SetKyc")]
    Task<AccountSnapshot> SetKycStatusAsync(OperationId operationId, KycStatus status);

    /// <summary>
    /// Allow-lists a wallet on a chain. Refused for a malformed or sanctioned address, and with
    /// <c>WalletHeldByAnotherAccount</c> for a wallet another account holds on that chain (a wallet belongs to one account).
    /// </summary>
    [Alias("AllowWallet")]
    Task<AccountSnapshot> AllowWalletAsync(OperationId operationId, string chain, string address);

    /// <summary>Removes a wallet from the allow-list (no-op if absent), with its control proof, and releases it for other accounts.</summary>
    [Alias("RemoveWallet")]
    Task<AccountSnapshot> RemoveWalletAsync(OperationId operationId, string chain, string address);

    /// <summary>
    /// Records the holder's consent to API burns from an allow-listed wallet: <paramref name="signature"/> must be the
    /// wallet key's signature of <c>WalletControlProof.Message</c> (EIP-191 on EVM, Ed25519 on Solana). Refused
    /// with <c>WalletNotAllowListed</c> for a wallet not on the allow-list and <c>WalletProofInvalid</c> for a signature
    /// that does not verify; nothing changes then. Idempotent.
    /// </summary>
    [Alias("ProveWalletControl")]
    Task<AccountSnapshot> ProveWalletControlAsync(OperationId operationId, string chain, string address, string signature);

    /// <summary>Credits cash (a fiat or stablecoin deposit, a redemption payout, a refund). At most 2 decimals.</summary>
    [Alias("CreditCash")]
    Task<AccountSnapshot> CreditCashAsync(OperationId operationId, decimal amount);

    /// <summary>Debits cash (a withdrawal or fee). Refused with <c>InsufficientCash</c> beyond the available balance.</summary>
    [Alias("DebitCash")]
    Task<AccountSnapshot> DebitCashAsync(OperationId operationId, decimal amount);

    /// <summary>
    /// Checks mint eligibility (invariant 7: KYC approved, not a US person, wallet allow-listed, not sanctioned, within limits)
    /// and holds the payment. The operation id names the hold. Nothing changes when any check fails. A hold whose id was
    /// released before it was made (the release overtook it) is refused with <c>IdempotencyConflict</c>.
    /// </summary>
    [Alias("HoldForMint")]
    Task<AccountSnapshot> HoldCashForMintAsync(OperationId operationId, MintPayment payment);

    /// <summary>Captures a hold: the cash leaves the account for good (the order settled). Idempotent.</summary>
    [Alias("CaptureHold")]
    Task<AccountSnapshot> CaptureHoldAsync(OperationId holdId);

    /// <summary>
    /// Releases a hold back to the balance (the order failed or was cancelled). Idempotent; a captured hold cannot be
    /// released. Releasing a hold never made moves no cash and closes its id, so that hold can no longer be made.
    /// </summary>
    [Alias("ReleaseHold")]
    Task<AccountSnapshot> ReleaseHoldAsync(OperationId holdId);

    /// <summary>
    /// Checks that the account may receive or hand over tokens at <paramref name="wallet"/> on <paramref name="chain"/>
    /// (invariant 7: eligible jurisdiction, KYC approved, wallet allow-listed, not sanctioned). Throws the first failed
    /// check as a <see cref="Errors.LedgerException"/>; changes nothing.
    /// </summary>
    [Alias("CheckEligibility"), ReadOnly]
    Task CheckEligibilityAsync(string chain, string wallet);
}
