using System.Numerics;
using System.Text.Json;
using FsCheck.Xunit;
using Sharemint.Errors;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Grains.Interfaces.Tests;

public sealed class UnitsTests
{
    [Fact]
    public void Tokens_and_units_convert_exactly()
    {
        Assert.Equal(150_000_000, CanonicalAmount.FromTokens(1.5m).Units);
        Assert.Equal(1, CanonicalAmount.FromTokens(0.00000001m).Units);
        Assert.Equal(1.5m, CanonicalAmount.FromUnits(150_000_000).Tokens);
        Assert.Equal("1.50000000", CanonicalAmount.FromUnits(150_000_000).ToString());
    }

    [Fact]
    public void Chain_units_scale_exactly_and_dust_is_refused()
    {
        var amount = CanonicalAmount.FromTokens(2.5m);
        Assert.Equal(BigInteger.Parse("2500000000000000000"), amount.ToChainUnits(18));
        Assert.Equal(amount, CanonicalAmount.FromChainUnits(BigInteger.Parse("2500000000000000000"), 18));
        Assert.Equal(amount, CanonicalAmount.FromChainUnits(250_000_000, 8));

        var dust = Assert.Throws<LedgerException>(() => CanonicalAmount.FromChainUnits(BigInteger.Parse("2500000000000000001"), 18));
        Assert.Equal(LedgerError.AmountHasDust, dust.Error);
        Assert.Equal(LedgerError.AmountHasDust, Assert.Throws<LedgerException>(() => CanonicalAmount.FromUnits(123).ToChainUnits(6)).Error);
        Assert.Equal(LedgerError.AmountOverflow, Assert.Throws<LedgerException>(() => CanonicalAmount.FromChainUnits(BigInteger.Pow(10, 40), 18)).Error);
        Assert.Equal(LedgerError.InvalidAmount, Assert.Throws<LedgerException>(() => CanonicalAmount.FromChainUnits(-1, 18)).Error);
    }

    [Property]
    public bool Chain_round_trip_is_lossless(long units, byte extraDecimals)
    {
        var amount = CanonicalAmount.FromUnits(Math.Abs(units % long.MaxValue));
        var decimals = 8 + (extraDecimals % 20);
        return CanonicalAmount.FromChainUnits(amount.ToChainUnits(decimals), decimals) == amount;
    }

    [Fact]
    public void Backing_rounds_up_to_the_nano_share()
    {
        Assert.Equal(1m, Multiplier.One.SharesToBack(CanonicalAmount.FromTokens(1m)));
        // 1 unit at multiplier 1 = 1e-8 shares = 10 nano-shares exactly.
        Assert.Equal(0.00000001m, Multiplier.One.SharesToBack(CanonicalAmount.FromUnits(1)));
        // 1 unit at 1.00000000001 needs a hair more than 10 nano-shares: rounded up to 11.
        Assert.Equal(0.000000011m, Multiplier.From(1.00000000001m).SharesToBack(CanonicalAmount.FromUnits(1)));
        Assert.Equal(BigInteger.Parse("1012500000000000000"), Multiplier.From(1.0125m).Raw);
        Assert.Equal(BigInteger.Parse("123456789012345678"), Multiplier.From(0.123456789012345678m).Raw);
    }

    [Property]
    public bool Backing_is_never_less_than_the_exact_product(long units, int multiplierMillionths)
    {
        var amount = CanonicalAmount.FromUnits(Math.Abs(units % 1_000_000_000_000_000L));
        var multiplier = Multiplier.From(1m + Math.Abs(multiplierMillionths % 10_000_000) / 1_000_000m);
        var exact = new BigInteger(amount.Units) * multiplier.Raw; // shares × 10^26
        var backing = new BigInteger(multiplier.SharesToBack(amount) * 1_000_000_000m) * BigInteger.Pow(10, 17);
        return backing >= exact && backing - exact < BigInteger.Pow(10, 17);
    }

    [Fact]
    public void Invalid_multipliers_and_operation_ids_are_refused()
    {
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => Multiplier.From(0m)).Error);
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => Multiplier.From(1.0000000000000000001m)).Error);
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => OperationId.From("")).Error);
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => OperationId.From(new string('a', 129))).Error);
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => OperationId.From("drop table;")).Error);
        Assert.Equal("order-1/reserve", OperationId.From("order-1").Step("reserve").Value);
    }

    [Fact]
    public void Units_serialize_as_plain_numbers()
    {
        var json = JsonSerializer.Serialize(new { amount = CanonicalAmount.FromUnits(42), multiplier = Multiplier.From(1.5m) });
        Assert.Equal("""{"amount":42,"multiplier":1.5}""", json);
        Assert.Equal(CanonicalAmount.FromUnits(42), JsonSerializer.Deserialize<CanonicalAmount>("42"));
        Assert.Throws<LedgerException>(() => JsonSerializer.Deserialize<CanonicalAmount>("-1"));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<CanonicalAmount>("1.5"));
    }
}
