using Sharemint.Accounts;

namespace Sharemint.Silo.Api.Limits;

/// <summary>
/// The default fee rate of each partner tier (a share of the gross cash of a mint or redemption). A partner's own rate,
/// set at onboarding, may differ; quotes use the partner's rate.
/// </summary>
public static class FeeSchedule
{
    /// <summary>The default rate for <paramref name="tier"/>.</summary>
    public static decimal DefaultFee(PartnerTier tier) => tier switch
    {
        PartnerTier.Premium => 0.003m,
        PartnerTier.Institutional => 0.001m,
        _ => 0.005m,
    };

    /// <summary>Every tier with its default rate.</summary>
    public static IReadOnlyList<(PartnerTier Tier, decimal FeeRate)> Tiers { get; } =
        [.. Enum.GetValues<PartnerTier>().Select(t => (t, DefaultFee(t)))];
}
