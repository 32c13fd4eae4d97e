namespace Sharemint.Accounts;

/// <summary>Know-your-customer review state. Only <see cref="Approved"/> accounts may mint.</summary>
public enum KycStatus
{
    Pending = 1,
    Approved,
    Rejected,
}

/// <summary>Commercial tier; sets the default fee.</summary>
public enum PartnerTier
{
    Standard = 1,
    Premium,
    Institutional,
}

/// <summary>Per-account limits on cash moved by a single order and per UTC day.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.AccountLimits")]
public sealed record AccountLimits(
    [property: Id(0)] decimal MaxOrderCash,
    [property: Id(1)] decimal MaxDailyCash)
{
    /// <summary>Limits for a newly onboarded partner.</summary>
    public static AccountLimits Default { get; } = new(1_000_000m, 10_000_000m);
}

/// <summary>Who a partner is. <paramref name="Jurisdiction"/> is an ISO 3166-1 alpha-2 country code.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.PartnerProfile")]
public sealed record PartnerProfile(
    [property: Id(0)] string DisplayName,
    [property: Id(1)] string Jurisdiction,
    [property: Id(2)] PartnerTier Tier,
    [property: Id(3)] decimal FeeRate,
    [property: Id(4)] AccountLimits Limits);

/// <summary>A wallet a partner may receive tokens at.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.AllowListedWallet")]
public sealed record AllowListedWallet(
    [property: Id(0)] string Chain,
    [property: Id(1)] string Address);

/// <summary>A partner's account at one instant.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.AccountSnapshot")]
public sealed record AccountSnapshot(
    [property: Id(0)] string AccountId,
    [property: Id(1)] PartnerProfile Profile,
    [property: Id(2)] KycStatus Kyc,
    [property: Id(3)] IReadOnlyList<AllowListedWallet> Wallets,
    [property: Id(4)] decimal CashBalance,
    [property: Id(5)] decimal CashHeld,
    [property: Id(6)] decimal SpentToday,
    [property: Id(7)] long Version)
{
    /// <summary>
    /// Allow-listed wallets whose holder proved control (see <c>ProveWalletControlAsync</c>): the only wallets the API
    /// may redeem or move tokens from.
    /// </summary>
    [Id(8)]
    public IReadOnlyList<AllowListedWallet> ProvenWallets { get; init; } = [];

    /// <summary>Value equality, wallets compared element by element.</summary>
    public bool Equals(AccountSnapshot? other) =>
        other is not null && AccountId == other.AccountId && Profile == other.Profile && Kyc == other.Kyc
        && Wallets.SequenceEqual(other.Wallets) && CashBalance == other.CashBalance && CashHeld == other.CashHeld
        && SpentToday == other.SpentToday && Version == other.Version && ProvenWallets.SequenceEqual(other.ProvenWallets);

    public override int GetHashCode() => HashCode.Combine(AccountId, Kyc, CashBalance, CashHeld, Version);
}

/// <summary>What a mint asks of the partner's account: the wallet that receives and the cash that pays.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.MintPayment")]
public sealed record MintPayment(
    [property: Id(0)] string Symbol,
    [property: Id(1)] string Chain,
    [property: Id(2)] string Wallet,
    [property: Id(3)] decimal Cash);
