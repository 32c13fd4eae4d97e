using System.Globalization;
using System.Numerics;
using Sharemint.Errors;

namespace Sharemint.Units;

/// <summary>
/// Shares of the underlying per token, fixed point with 18 decimals (1.0 = 10^18). Dividends are reinvested by
/// raising it and splits multiply it; token balances never change for a corporate action.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.Multiplier")]
[System.Text.Json.Serialization.JsonConverter(typeof(MultiplierJsonConverter))]
public readonly record struct Multiplier
{
    /// <summary>Decimals of the fixed-point representation.</summary>
    public const int Decimals = 18;

    /// <summary>The multiplier as an exact decimal (at most 18 decimals).</summary>
    [Id(0)]
    public decimal Value { get; init; }

    /// <summary>One share per token.</summary>
    public static Multiplier One => new() { Value = 1m };

    /// <summary>A multiplier from a decimal value.</summary>
    /// <exception cref="LedgerException"><see cref="LedgerError.InvalidArgument"/> when not positive or with more than 18 decimals.</exception>
    public static Multiplier From(decimal value)
    {
        if (value <= 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Multiplier must be positive (got {value.ToString(CultureInfo.InvariantCulture)}).");
        }
        if (value.Scale > Decimals && value != decimal.Round(value, Decimals))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Multiplier has more than {Decimals} decimals.");
        }
        return new Multiplier { Value = value };
    }

    /// <summary>The fixed-point integer (value × 10^18), as written on chain. Exact.</summary>
    public BigInteger Raw
    {
        get
        {
            // A decimal is mantissa / 10^scale with a 96-bit mantissa; rescale the mantissa to 18 decimals.
            Span<int> bits = stackalloc int[4];
            decimal.GetBits(decimal.Round(Value, Decimals), bits);
            var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
            var scale = (bits[3] >> 16) & 0xFF;
            return mantissa * BigInteger.Pow(10, Decimals - scale);
        }
    }

    /// <summary>
    /// Shares needed to back <paramref name="amount"/> tokens, rounded up to the 9 decimals a custodian reports
    /// (rounding always in the reserve's favour).
    /// </summary>
    public decimal SharesToBack(CanonicalAmount amount)
    {
        // units × raw / 10^(8 + 18) shares = units × raw / 10^17 nano-shares, rounded up.
        var numerator = new BigInteger(amount.Units) * Raw;
        var divisor = BigInteger.Pow(10, CanonicalAmount.Decimals + Decimals - 9);
        var nanoShares = BigInteger.DivRem(numerator, divisor, out var remainder);
        if (!remainder.IsZero)
        {
            nanoShares += 1;
        }
        if (nanoShares > new BigInteger(decimal.MaxValue))
        {
            throw new LedgerException(LedgerError.AmountOverflow, $"Backing for {amount} at multiplier {this} overflows.");
        }
        return (decimal)nanoShares / 1_000_000_000m;
    }

    /// <inheritdoc />
    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);
}
