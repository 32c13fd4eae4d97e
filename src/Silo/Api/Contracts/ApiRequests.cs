namespace Sharemint.Silo.Api.Contracts;

// Request bodies. Parsed strictly: unknown fields, missing required fields, malformed JSON and numbers out of range
// are refused with 400 and a code before anything runs. Token amounts are decimals of whole tokens (at most 8 decimals).
// clientReference (optional, 1-64 printable ASCII characters) is the partner's own id for an order: echoed on the order,
// searchable with GET /v1/orders?client_reference=…, and unique per partner (409 client_reference_conflict).

/// <summary>Price <paramref name="Amount"/> tokens of <paramref name="Symbol"/>; side is <c>mint</c> or <c>redeem</c>.</summary>
public sealed record CreateQuoteBody(string Symbol, string Side, decimal Amount);

/// <summary>Mint a quote's amount on a chain to an allow-listed wallet.</summary>
public sealed record MintOrderBody(string QuoteId, string Chain, string Wallet, string? ClientReference = null);

/// <summary>Redeem tokens from an allow-listed wallet; with a redeem quote, at its price.</summary>
public sealed record RedeemOrderBody(string Symbol, string Chain, string Wallet, decimal Amount, string? QuoteId = null, string? ClientReference = null);

/// <summary>Move tokens between chains.</summary>
public sealed record TransferBody(string Symbol, string FromChain, string FromWallet, string ToChain, string ToWallet, decimal Amount, string? ClientReference = null);

/// <summary>Pause an asset: <c>mint</c>, <c>redeem</c> or <c>all</c> (the default).</summary>
public sealed record PauseBody(string? Scope = null);

/// <summary>Onboard a partner (KYC starts pending).</summary>
public sealed record OnboardPartnerBody(
    string AccountId, string DisplayName, string Jurisdiction, string? Tier = null, decimal? FeeRate = null,
    decimal? MaxOrderCash = null, decimal? MaxDailyCash = null);

/// <summary>Record a KYC outcome: <c>pending</c>, <c>approved</c> or <c>rejected</c>.</summary>
public sealed record KycBody(string Status);

/// <summary>A wallet on a chain.</summary>
public sealed record WalletBody(string Chain, string Address);

/// <summary>Credit cash (USD, at most 2 decimals).</summary>
public sealed record CashBody(decimal Amount);

/// <summary>
/// Create a partner key. Scopes: <c>read</c>, <c>trade</c>, <c>withdraw</c> (all three when omitted). Allowed IPs:
/// addresses or CIDR ranges the key may be used from (any address when omitted).
/// </summary>
public sealed record CreatePartnerKeyBody(string? Label = null, IReadOnlyList<string>? Scopes = null, IReadOnlyList<string>? AllowedIps = null);

/// <summary>Create an operator key with a role: <c>viewer</c>, <c>operator</c> or <c>admin</c>, optionally limited to some addresses.</summary>
public sealed record CreateOperatorKeyBody(string Role, string? Label = null, IReadOnlyList<string>? AllowedIps = null);

/// <summary>Rotate a key: the old secret keeps working for <c>overlapSeconds</c> (self-service default 3600; operators' default 0).</summary>
public sealed record RotateKeyBody(int? OverlapSeconds = null);

/// <summary>
/// Prove control of an allow-listed wallet: the wallet key's signature of the control message (GET
/// <c>/v1/account/wallets/challenge</c>). EVM: EIP-191 personal_sign, 0x-hex; Solana: Ed25519, base58 or hex.
/// </summary>
public sealed record WalletProofBody(string Chain, string Address, string Signature);

/// <summary>List a sanctioned address.</summary>
public sealed record SanctionBody(string Chain, string Address, string Reason);

/// <summary>Set a last price (USD per share, positive, at most 6 decimals).</summary>
public sealed record PriceBody(decimal Price);
