using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Compliance;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Reserves;
using Sharemint.Silo.Api.Security;

namespace Sharemint.Silo.Api.Contracts;

// What the API answers. Token amounts appear twice: as a decimal of whole tokens (exact, 8 decimals) and as integer
// canonical units; cash is decimal USD. Decimals and 64-bit integers are written as strings (Json.ExactNumbers); enums in
// lower snake case (ApiRoutes.EnumName).

/// <summary>An asset: what is issued and how it is backed.</summary>
public sealed record AssetView(
    string Symbol, string UnderlyingTicker, string Name, string Isin, string Kind, string Status,
    decimal Multiplier, decimal CustodyShares, decimal ReservedShares, string Issued, long IssuedUnits, DateTimeOffset? RedeemUntil = null)
{
    public static AssetView From(AssetSnapshot s) => new(
        s.Definition.Symbol, s.Definition.UnderlyingTicker, s.Definition.Name, s.Definition.Isin,
        ApiRoutes.EnumName(s.Definition.Kind), ApiRoutes.EnumName(s.Status), s.Multiplier.Value, s.CustodyShares, s.ReservedShares,
        s.Issued.ToString(), s.Issued.Units, s.RedeemUntil);
}

/// <summary>
/// One deployment of an asset: its token, the ledger supply there, and the issuer's addresses on that chain (EVM holders
/// approve the issuer address before asking for a redemption or a move; deposits to the redemption address are redeemed).
/// </summary>
public sealed record DeploymentView(
    string Chain, string TokenAddress, int Decimals, bool Paused, string Supply, long SupplyUnits, string RedemptionAddress, string IssuerAddress);

/// <summary>A wallet on a chain.</summary>
public sealed record WalletView(string Chain, string Address);

/// <summary>A partner's account: profile, KYC, wallets and cash.</summary>
public sealed record AccountView(
    string AccountId, string DisplayName, string Jurisdiction, string Tier, decimal FeeRate, string Kyc,
    IReadOnlyList<WalletView> Wallets, decimal CashBalance, decimal CashHeld, decimal SpentToday,
    decimal MaxOrderCash, decimal MaxDailyCash, IReadOnlyList<WalletView> ProvenWallets)
{
    public static AccountView From(AccountSnapshot s) => new(
        s.AccountId, s.Profile.DisplayName, s.Profile.Jurisdiction, ApiRoutes.EnumName(s.Profile.Tier), s.Profile.FeeRate, ApiRoutes.EnumName(s.Kyc),
        s.Wallets.Select(w => new WalletView(w.Chain, w.Address)).ToArray(), s.CashBalance, s.CashHeld, s.SpentToday,
        s.Profile.Limits.MaxOrderCash, s.Profile.Limits.MaxDailyCash, s.ProvenWallets.Select(w => new WalletView(w.Chain, w.Address)).ToArray());
}

/// <summary>The message a holder signs with the wallet's key to prove control (and consent to API burns).</summary>
public sealed record WalletChallengeView(string Chain, string Address, string Message, string Scheme);

/// <summary>A signed, firm price until <see cref="ExpiresAt"/>.</summary>
public sealed record QuoteView(
    string QuoteId, string Symbol, string Side, decimal Amount, long AmountUnits, decimal PricePerShare, decimal Multiplier,
    decimal Shares, decimal Gross, decimal Fee, decimal Total, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    bool MarketOpen, string Payload, string Signature, string? UsedByOrder)
{
    public static QuoteView From(Quote q) => new(
        q.QuoteId, q.Symbol, ApiRoutes.EnumName(q.Side), q.Amount.Tokens, q.Amount.Units, q.PricePerShare, q.Multiplier.Value,
        q.Shares, q.Gross, q.Fee, q.Total, q.CreatedAt, q.ExpiresAt, q.MarketOpen, q.Payload, q.Signature, q.UsedByOrder);
}

/// <summary>One recorded saga step.</summary>
public sealed record OrderStepView(string Name, string OperationId, string Outcome, DateTimeOffset At, string? Detail);

/// <summary>An order with its steps.</summary>
public sealed record OrderView(
    string OrderId, string Kind, string Status, string AccountId, string Symbol, string Chain, string Wallet,
    string? FromChain, string? FromWallet, decimal Amount, long AmountUnits, decimal? Cash, string? QuoteId,
    IReadOnlyList<OrderStepView> Steps, IReadOnlyList<string> TransactionIds, string? FailureCode, string? FailureMessage,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool IsTerminal, string? ClientReference)
{
    public static OrderView From(OrderSnapshot o, string? clientReference = null) => new(
        o.OrderId, ApiRoutes.EnumName(o.Kind), ApiRoutes.EnumName(o.Status), o.AccountId, o.Symbol, o.Chain, o.Wallet, o.FromChain, o.FromWallet,
        o.Amount.Tokens, o.Amount.Units, o.Cash, o.QuoteId,
        o.Steps.Select(s => new OrderStepView(s.Name, s.OperationId, s.Outcome, s.At, s.Detail)).ToArray(),
        o.TransactionIds, o.FailureCode, o.FailureMessage, o.CreatedAt, o.UpdatedAt, o.IsTerminal, clientReference);
}

/// <summary>A row of an order listing.</summary>
public sealed record OrderSummaryView(
    string OrderId, string Kind, string Status, string AccountId, string Symbol, string Chain, decimal Amount, long AmountUnits,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? ClientReference)
{
    public static OrderSummaryView From(OrderIndexEntry e) => new(
        e.OrderId, ApiRoutes.EnumName(e.Kind), ApiRoutes.EnumName(e.Status), e.AccountId, e.Symbol, e.Chain, e.Amount.Tokens, e.Amount.Units, e.CreatedAt, e.UpdatedAt,
        e.ClientReference);
}

/// <summary>One deployment in a reserve report.</summary>
public sealed record DeploymentReserveView(
    string Chain, string TokenAddress, decimal LedgerSupply, decimal OnChainSupply, string OnChainRawUnits, long DriftUnits, long AtHeight);

/// <summary>A reconciliation of one asset.</summary>
public sealed record ReserveReportView(
    string Symbol, string UnderlyingTicker, long Sequence, DateTimeOffset At, decimal Multiplier, decimal BrokerShares,
    decimal LedgerCustodyShares, decimal ReservedShares, decimal Issued, decimal InTransit, decimal OnChainTotal,
    decimal RequiredShares, decimal BackingRatio, IReadOnlyList<DeploymentReserveView> Deployments, bool Balanced)
{
    public static ReserveReportView From(ReserveReport r) => new(
        r.Symbol, r.UnderlyingTicker, r.Sequence, r.At, r.Multiplier.Value, r.BrokerShares, r.LedgerCustodyShares, r.ReservedShares,
        r.Issued.Tokens, r.InTransit.Tokens, r.OnChainTotal.Tokens, r.RequiredShares, r.BackingRatio,
        r.Deployments.Select(d => new DeploymentReserveView(d.Chain, d.TokenAddress, d.LedgerSupply.Tokens, d.OnChainSupply.Tokens, d.OnChainRawUnits, d.DriftUnits, d.AtHeight)).ToArray(),
        r.Balanced);
}

/// <summary>
/// A signed proof of reserves: <see cref="Payload"/> is the exact JSON whose UTF-8 bytes <see cref="Signature"/> (Ed25519,
/// base64) signs under <see cref="PublicKey"/> (base64, 32 bytes).
/// </summary>
public sealed record AttestationView(string Payload, string Signature, string PublicKey, string Algorithm, ReserveReportView Report)
{
    public static AttestationView From(SignedAttestation a) => new(a.Payload, a.Signature, a.PublicKey, a.Algorithm, ReserveReportView.From(a.Report));
}

/// <summary>A sanctioned address.</summary>
public sealed record SanctionView(string Chain, string Address, string Reason, DateTimeOffset ListedAt)
{
    public static SanctionView From(SanctionedAddress s) => new(s.Chain, s.Address, s.Reason, s.ListedAt);
}

/// <summary>An API key without its secret.</summary>
public sealed record ApiKeyView(string KeyId, string Kind, string? AccountId, string? Role, string Label,
    DateTimeOffset CreatedAt, DateTimeOffset? RotatedAt, DateTimeOffset? RevokedAt,
    IReadOnlyList<string> Scopes, IReadOnlyList<string> AllowedIps, DateTimeOffset? OverlapEndsAt)
{
    public static ApiKeyView From(ApiKeyInfo k) => new(
        k.KeyId, k.Kind == ApiKeyKind.Partner ? "partner" : "operator", k.AccountId, k.Role is { } r ? ApiKeyStore.RoleName(r) : null,
        k.Label, k.CreatedAt, k.RotatedAt, k.RevokedAt,
        k.Kind == ApiKeyKind.Partner ? ApiKeyStore.ScopeNames(k.Scopes) : [], k.AllowedNetworks.Select(n => n.ToString()).ToArray(),
        k.PreviousSecretExpiresAt);
}

/// <summary>A key with its secret: shown once, when created or rotated, and never again.</summary>
public sealed record IssuedKeyView(ApiKeyView Key, string Secret)
{
    public static IssuedKeyView From(IssuedApiKey k) => new(ApiKeyView.From(k.Key), k.Secret);
}

/// <summary>A market price.</summary>
public sealed record PriceView(string Ticker, decimal Price, DateTimeOffset AsOf);
