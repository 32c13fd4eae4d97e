using System.Globalization;
using System.Numerics;

namespace Sharemint.Chains.Solana;

/// <summary>
/// Converts the platform's 18-decimal fixed-point multiplier (1.0 = 10^18) to and from the f64 that
/// Token-2022's scaled-UI-amount extension stores. The chain can only hold the nearest double.
/// </summary>
public static class ScaledMultiplier
{
    private static readonly BigInteger One = BigInteger.Pow(10, 18);

    /// <summary>The nearest double to <paramref name="fixed18"/> / 10^18.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.AmountOutOfRange"/> when not positive.</exception>
    public static double ToDouble(BigInteger fixed18)
    {
        if (fixed18.Sign <= 0)
        {
            throw new SolanaException(SolanaErrorKind.AmountOutOfRange, $"a multiplier must be positive, got {fixed18}");
        }
        var whole = BigInteger.DivRem(fixed18, One, out var frac);
        // Round-trip through the exact decimal text so the parser picks the nearest double.
        return double.Parse($"{whole}.{frac.ToString(CultureInfo.InvariantCulture).PadLeft(18, '0')}", CultureInfo.InvariantCulture);
    }

    /// <summary>The double as 18-decimal fixed point, rounded half-even at the 18th decimal.</summary>
    public static BigInteger ToFixed18(double multiplier)
    {
        var d = (decimal)multiplier;
        return new BigInteger(decimal.Round(d * 1_000_000_000m, 9, MidpointRounding.ToEven) * 1_000_000_000m);
    }
}
