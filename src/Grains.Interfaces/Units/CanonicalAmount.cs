using System.Globalization;
using System.Numerics;
using Sharemint.Errors;

namespace Sharemint.Units;

/// <summary>
/// A token amount in the platform's canonical units: 8 decimals, 1 token = 100,000,000 units.
/// Never negative; arithmetic is checked and refuses overflow rather than wrapping.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.CanonicalAmount")]
[System.Text.Json.Serialization.JsonConverter(typeof(CanonicalAmountJsonConverter))]
public readonly record struct CanonicalAmount : IComparable<CanonicalAmount>
{
    /// <summary>Decimals of the canonical unit.</summary>
    public const int Decimals = 8;

    /// <summary>Units in one whole token.</summary>
    public const long UnitsPerToken = 100_000_000;

    /// <summary>The amount in canonical units.</summary>
    [Id(0)]
    public long Units { get; init; }

    /// <summary>Zero tokens.</summary>
    public static CanonicalAmount Zero => default;

    private CanonicalAmount(long units) => Units = units;

    /// <summary>An amount from canonical units.</summary>
    /// <exception cref="LedgerException"><see cref="LedgerError.InvalidAmount"/> when negative.</exception>
    public static CanonicalAmount FromUnits(long units) =>
        units < 0
            ? throw new LedgerException(LedgerError.InvalidAmount, $"Amount must not be negative (got {units} units).")
            : new CanonicalAmount(units);

    /// <summary>An amount from whole tokens written as a decimal, e.g. 1.5 for 150,000,000 units.</summary>
    /// <exception cref="LedgerException">
    /// <see cref="LedgerError.AmountHasDust"/> with more than 8 decimals, <see cref="LedgerError.AmountOverflow"/> beyond range,
    /// <see cref="LedgerError.InvalidAmount"/> when negative.
    /// </exception>
    public static CanonicalAmount FromTokens(decimal tokens)
    {
        if (tokens < 0)
        {
            throw new LedgerException(LedgerError.InvalidAmount, $"Amount must not be negative (got {tokens.ToString(CultureInfo.InvariantCulture)}).");
        }
        var scaled = tokens * UnitsPerToken;
        if (scaled != decimal.Truncate(scaled))
        {
            throw new LedgerException(LedgerError.AmountHasDust,
                $"{tokens.ToString(CultureInfo.InvariantCulture)} has more than {Decimals} decimals; canonical amounts cannot hold it.");
        }
        if (scaled > long.MaxValue)
        {
            throw new LedgerException(LedgerError.AmountOverflow, $"{tokens.ToString(CultureInfo.InvariantCulture)} tokens exceed the largest representable amount.");
        }
        return new CanonicalAmount((long)scaled);
    }

    /// <summary>
    /// An amount from a chain's base units with <paramref name="chainDecimals"/> decimals (e.g. 18 on ERC-20).
    /// Exact scaling only: a value that is not a whole number of canonical units is dust and refused.
    /// </summary>
    public static CanonicalAmount FromChainUnits(BigInteger chainUnits, int chainDecimals)
    {
        if (chainUnits.Sign < 0)
        {
            throw new LedgerException(LedgerError.InvalidAmount, "Chain amount must not be negative.");
        }
        BigInteger units;
        if (chainDecimals >= Decimals)
        {
            var factor = BigInteger.Pow(10, chainDecimals - Decimals);
            units = BigInteger.DivRem(chainUnits, factor, out var remainder);
            if (!remainder.IsZero)
            {
                throw new LedgerException(LedgerError.AmountHasDust,
                    $"{chainUnits} base units at {chainDecimals} decimals is not a whole number of canonical units ({remainder} dust).");
            }
        }
        else
        {
            units = chainUnits * BigInteger.Pow(10, Decimals - chainDecimals);
        }
        if (units > long.MaxValue)
        {
            throw new LedgerException(LedgerError.AmountOverflow, $"{chainUnits} base units exceed the largest representable amount.");
        }
        return new CanonicalAmount((long)units);
    }

    /// <summary>This amount in a chain's base units. Refuses (dust) when the chain has fewer decimals and precision would be lost.</summary>
    public BigInteger ToChainUnits(int chainDecimals)
    {
        if (chainDecimals >= Decimals)
        {
            return Units * BigInteger.Pow(10, chainDecimals - Decimals);
        }
        var factor = BigInteger.Pow(10, Decimals - chainDecimals);
        var whole = BigInteger.DivRem(Units, factor, out var remainder);
        return remainder.IsZero
            ? whole
            : throw new LedgerException(LedgerError.AmountHasDust,
                $"{this} cannot be represented with {chainDecimals} decimals without rounding.");
    }

    /// <summary>The amount in whole tokens (exact: decimal holds 8 decimals without loss).</summary>
    public decimal Tokens => Units / (decimal)UnitsPerToken;

    /// <summary>True for zero.</summary>
    public bool IsZero => Units == 0;

    /// <summary>Checked sum.</summary>
    public static CanonicalAmount operator +(CanonicalAmount a, CanonicalAmount b)
    {
        try
        {
            return new CanonicalAmount(checked(a.Units + b.Units));
        }
        catch (OverflowException)
        {
            throw new LedgerException(LedgerError.AmountOverflow, $"{a} + {b} overflows.");
        }
    }

    /// <summary>Checked difference; a negative result is refused.</summary>
    public static CanonicalAmount operator -(CanonicalAmount a, CanonicalAmount b) =>
        b.Units > a.Units
            ? throw new LedgerException(LedgerError.InvalidAmount, $"{a} - {b} would be negative.")
            : new CanonicalAmount(a.Units - b.Units);

    public static bool operator <(CanonicalAmount a, CanonicalAmount b) => a.Units < b.Units;
    public static bool operator >(CanonicalAmount a, CanonicalAmount b) => a.Units > b.Units;
    public static bool operator <=(CanonicalAmount a, CanonicalAmount b) => a.Units <= b.Units;
    public static bool operator >=(CanonicalAmount a, CanonicalAmount b) => a.Units >= b.Units;

    /// <inheritdoc />
    public int CompareTo(CanonicalAmount other) => Units.CompareTo(other.Units);

    /// <summary>Tokens with all 8 decimals, e.g. "1.50000000".</summary>
    public override string ToString() => Tokens.ToString("0.00000000", CultureInfo.InvariantCulture);
}
