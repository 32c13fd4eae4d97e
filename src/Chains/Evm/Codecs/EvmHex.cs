using System.Globalization;

namespace Sharemint.Chains.Evm;

/// <summary>Strict 0x-prefixed hex used on the EVM wire.</summary>
public static class EvmHex
{
    /// <summary>Lower-case hex with a 0x prefix ("0x" for empty input).</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>Decodes hex with or without 0x; throws <see cref="EvmException"/> (InvalidHex) on odd length or a non-hex digit.</summary>
    public static byte[] Decode(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex.AsSpan(2) : hex.AsSpan();
        if (digits.Length % 2 != 0) throw new EvmException(EvmErrorCode.InvalidHex, $"hex string has an odd number of digits: '{Shorten(hex)}'");
        foreach (var c in digits)
        {
            if (!char.IsAsciiHexDigit(c)) throw new EvmException(EvmErrorCode.InvalidHex, $"not a hex digit '{c}' in '{Shorten(hex)}'");
        }
        return Convert.FromHexString(digits);
    }

    /// <summary>Encodes a quantity the JSON-RPC way: 0x-prefixed, no leading zeros ("0x0" for zero).</summary>
    public static string EncodeQuantity(System.Numerics.BigInteger value)
    {
        if (value.Sign < 0) throw new EvmException(EvmErrorCode.Overflow, "a quantity cannot be negative");
        if (value.IsZero) return "0x0";
        return "0x" + Convert.ToHexStringLower(value.ToByteArray(isUnsigned: true, isBigEndian: true)).TrimStart('0');
    }

    public static string EncodeQuantity(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Parses a JSON-RPC quantity ("0x1a"); throws InvalidHex on anything else.</summary>
    public static System.Numerics.BigInteger DecodeQuantity(string quantity)
    {
        ArgumentNullException.ThrowIfNull(quantity);
        if (!quantity.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || quantity.Length < 3)
            throw new EvmException(EvmErrorCode.InvalidHex, $"not a hex quantity: '{Shorten(quantity)}'");
        var digits = quantity.AsSpan(2);
        foreach (var c in digits)
        {
            if (!char.IsAsciiHexDigit(c)) throw new EvmException(EvmErrorCode.InvalidHex, $"not a hex quantity: '{Shorten(quantity)}'");
        }
        return System.Numerics.BigInteger.Parse("0" + digits.ToString(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    public static ulong DecodeQuantityUInt64(string quantity)
    {
        var value = DecodeQuantity(quantity);
        if (value > ulong.MaxValue) throw new EvmException(EvmErrorCode.Overflow, $"quantity {quantity} does not fit 64 bits");
        return (ulong)value;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
