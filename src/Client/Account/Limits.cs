namespace Sharemint.Client.Account;

/// <summary>A move rate limit of one deployment (a refilling bucket), in tokens.</summary>
public sealed record RateLimitInfo(decimal Capacity, decimal RefillPerSecond, decimal Available);

/// <summary>
/// What an order on one chain may be: the token's decimals there, the smallest amount and the step every amount is a
/// multiple of (tokens), the on-chain base units per step (anything finer is dust, refused), pause, and move limits.
/// </summary>
public sealed record ChainLimits(
    string Chain, int Decimals, decimal MinAmount, decimal AmountStep, string BaseUnitsPerStep, bool Paused,
    RateLimitInfo? Outbound, RateLimitInfo? Inbound);

/// <summary>A tier's default fee rate.</summary>
public sealed record TierFee(PartnerTier Tier, decimal FeeRate);

/// <summary>
/// A partner's limits and fees for one asset: the fee rate (× gross, rounded up to the cent) and the schedule by tier;
/// per-order and daily cash limits with what remains today (UTC); the smallest and largest order; per-chain decimals,
/// step and dust.
/// </summary>
public sealed record AssetLimits(
    string AccountId, string Symbol, string AssetStatus, bool MintAllowed, bool RedeemAllowed,
    PartnerTier Tier, decimal FeeRate, string FeeRounding, IReadOnlyList<TierFee> FeeSchedule,
    decimal MaxOrderCash, decimal MaxDailyCash, decimal SpentToday, decimal RemainingToday, DateTimeOffset DailyLimitResetsAt,
    decimal CashBalance, decimal CashHeld, decimal MinOrderAmount, decimal MaxOrderAmount, IReadOnlyList<ChainLimits> Chains);
