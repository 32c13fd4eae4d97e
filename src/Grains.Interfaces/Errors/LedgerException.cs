namespace Sharemint.Errors;

/// <summary>Why a ledger operation was refused. Each maps to a stable API error code (see <see cref="LedgerErrors.Code"/>).</summary>
public enum LedgerError
{
    InvalidArgument = 1,
    InvalidAmount,
    AmountOverflow,
    AmountHasDust,
    AssetNotFound,
    AssetAlreadyExists,
    AccountNotFound,
    AccountAlreadyExists,
    DeploymentNotFound,
    AssetPaused,
    ChainPaused,
    InsufficientBacking,
    InsufficientCash,
    InsufficientSupply,
    ReservationNotFound,
    JurisdictionNotEligible,
    KycNotApproved,
    WalletNotAllowListed,
    AddressInvalid,
    AddressSanctioned,
    LimitExceeded,
    IdempotencyConflict,
    QuoteNotFound,
    QuoteExpired,
    QuoteAlreadyUsed,
    OrderNotFound,
    OrderNotCancellable,
    RateLimited,
    MarketClosed,
    PriceUnavailable,
    ChainUnavailable,
    ChainWriteFailed,
    WalletHeldByAnotherAccount,
    WalletNotProven,
    WalletProofInvalid,
    CorporateActionConflict,
    CorporateActionNotFound,
    AssetDelisting,
    AssetDelisted,
}

/// <summary>The stable, snake_case codes partners see in problem+json responses.</summary>
public static class LedgerErrors
{
    /// <summary>The API code for an error, e.g. <c>asset_not_found</c>.</summary>
    public static string Code(LedgerError error) => error switch
    {
        LedgerError.InvalidArgument => "invalid_argument",
        LedgerError.InvalidAmount => "amount_invalid",
        LedgerError.AmountOverflow => "amount_overflow",
        LedgerError.AmountHasDust => "amount_has_dust",
        LedgerError.AssetNotFound => "asset_not_found",
        LedgerError.AssetAlreadyExists => "asset_already_exists",
        LedgerError.AccountNotFound => "account_not_found",
        LedgerError.AccountAlreadyExists => "account_already_exists",
        LedgerError.DeploymentNotFound => "deployment_not_found",
        LedgerError.AssetPaused => "asset_paused",
        LedgerError.AssetDelisting => "asset_delisting",
        LedgerError.AssetDelisted => "asset_delisted",
        LedgerError.ChainPaused => "chain_paused",
        LedgerError.InsufficientBacking => "insufficient_backing",
        LedgerError.InsufficientCash => "insufficient_cash",
        LedgerError.InsufficientSupply => "insufficient_supply",
        LedgerError.ReservationNotFound => "reservation_not_found",
        LedgerError.JurisdictionNotEligible => "jurisdiction_not_eligible",
        LedgerError.KycNotApproved => "kyc_not_approved",
        LedgerError.WalletNotAllowListed => "wallet_not_allow_listed",
        LedgerError.AddressInvalid => "address_invalid",
        LedgerError.AddressSanctioned => "address_sanctioned",
        LedgerError.LimitExceeded => "limit_exceeded",
        LedgerError.IdempotencyConflict => "idempotency_conflict",
        LedgerError.QuoteNotFound => "quote_not_found",
        LedgerError.QuoteExpired => "quote_expired",
        LedgerError.QuoteAlreadyUsed => "quote_already_used",
        LedgerError.OrderNotFound => "order_not_found",
        LedgerError.OrderNotCancellable => "order_not_cancellable",
        LedgerError.RateLimited => "rate_limited",
        LedgerError.MarketClosed => "market_closed",
        LedgerError.PriceUnavailable => "price_unavailable",
        LedgerError.ChainUnavailable => "chain_unavailable",
        LedgerError.ChainWriteFailed => "chain_write_failed",
        LedgerError.WalletHeldByAnotherAccount => "wallet_held_by_another_account",
        LedgerError.WalletNotProven => "wallet_not_proven",
        LedgerError.WalletProofInvalid => "wallet_proof_invalid",
        LedgerError.CorporateActionConflict => "corporate_action_conflict",
        LedgerError.CorporateActionNotFound => "corporate_action_not_found",
        _ => "unknown_error",
    };
}

/// <summary>
/// A ledger operation was refused. Thrown before any state changes: a refused operation has no effect and records
/// no operation id, so it can be retried once the cause is fixed.
/// </summary>
[GenerateSerializer, Alias("sharemint.LedgerException")]
public sealed class LedgerException : Exception
{
    public LedgerException() { }

    public LedgerException(string message) : base(message) { }

    public LedgerException(string message, Exception innerException) : base(message, innerException) { }

    public LedgerException(LedgerError error, string message) : base(message) => Error = error;

    /// <summary>Why the operation was refused.</summary>
    [Id(0)]
    public LedgerError Error { get; init; }

    /// <summary>The stable API code for <see cref="Error"/>.</summary>
    public string Code => LedgerErrors.Code(Error);
}
