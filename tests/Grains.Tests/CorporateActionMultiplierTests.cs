using Sharemint.CorporateActions;
using Sharemint.Errors;
using Sharemint.Units;

namespace Sharemint.Grains.Tests;

/// <summary>The new multiplier of a corporate action: the documented formulas, rounded down to 15 significant digits.</summary>
public sealed class CorporateActionMultiplierTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    private static CorporateActionRequest Dividend(decimal perShare, decimal price) => new("d", CorporateActionKind.DividendReinvested, At, perShare, price, 0, 0);

    private static CorporateActionRequest Split(CorporateActionKind kind, long newShares, long oldShares) => new("s", kind, At, 0, 0, newShares, oldShares);

    [Theory]
    [InlineData("1", 2, 1, "2")]
    [InlineData("1.5", 3, 2, "2.25")]
    [InlineData("1", 1, 3, "0.333333333333333")]
    [InlineData("2.02", 1, 2, "1.01")]
    public void Splits_multiply_by_the_ratio_rounded_down(string old, long newShares, long oldShares, string expected)
    {
        var kind = newShares > oldShares ? CorporateActionKind.Split : CorporateActionKind.ReverseSplit;
        var result = CorporateActionGrain.NewMultiplier(Multiplier.From(decimal.Parse(old, System.Globalization.CultureInfo.InvariantCulture)), Split(kind, newShares, oldShares));
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), result.Value);
    }

    [Fact]
    public void A_dividend_raises_the_multiplier_by_dividend_over_reference_price_rounded_down_to_15_digits()
    {
        Assert.Equal(1.01m, CorporateActionGrain.NewMultiplier(Multiplier.One, Dividend(1.25m, 125m)).Value);
        // 1 × (1 + 1/3) = 1.333… → 1.33333333333333 (15 significant digits, down: the reserve's favour).
        Assert.Equal(1.33333333333333m, CorporateActionGrain.NewMultiplier(Multiplier.One, Dividend(1m, 3m)).Value);
        // Every such value survives Solana's f64 unchanged, so all chains hold the same multiplier.
        var value = CorporateActionGrain.NewMultiplier(Multiplier.From(1.23456789012345678m), Dividend(0.37m, 181.11m));
        Assert.Equal(value.Raw, Sharemint.Chains.Solana.ScaledMultiplier.ToFixed18(Sharemint.Chains.Solana.ScaledMultiplier.ToDouble(value.Raw)));
    }

    [Theory]
    [InlineData(CorporateActionKind.Split, 0, 1, LedgerError.InvalidArgument)]
    [InlineData(CorporateActionKind.Split, 1, 0, LedgerError.InvalidArgument)]
    [InlineData(CorporateActionKind.Split, 1, 2, LedgerError.InvalidArgument)]
    [InlineData(CorporateActionKind.ReverseSplit, 2, 1, LedgerError.InvalidArgument)]
    [InlineData(CorporateActionKind.Split, 2_000_000, 1, LedgerError.AmountOverflow)]
    public void Bad_ratios_are_refused(CorporateActionKind kind, long newShares, long oldShares, LedgerError error) =>
        Assert.Equal(error, Assert.Throws<LedgerException>(() => CorporateActionGrain.NewMultiplier(Multiplier.One, Split(kind, newShares, oldShares))).Error);

    [Fact]
    public void Bad_dividends_are_refused()
    {
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => CorporateActionGrain.NewMultiplier(Multiplier.One, Dividend(0m, 100m))).Error);
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => CorporateActionGrain.NewMultiplier(Multiplier.One, Dividend(1m, 0m))).Error);
        Assert.Equal(LedgerError.AmountOverflow, Assert.Throws<LedgerException>(() =>
            CorporateActionGrain.NewMultiplier(Multiplier.From(1_000m), Dividend(1_000_000m, 0.001m))).Error);
        Assert.Equal(LedgerError.AmountOverflow, Assert.Throws<LedgerException>(() =>
            CorporateActionGrain.NewMultiplier(Multiplier.From(70_000_000_000_000_000_000_000m), Dividend(1m, 1m))).Error);
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() =>
            CorporateActionGrain.NewMultiplier(Multiplier.One, new CorporateActionRequest("x", CorporateActionKind.DividendReinvested, At, 1m, 10m, 2, 1))).Error);
    }
}
