using System.Globalization;
using System.Numerics;

namespace Sharemint.Chains.Evm;

/// <summary>
/// An unsigned 256-bit integer (token amounts, wei). Every constructor and operator is checked:
/// a value outside [0, 2^256) throws <see cref="EvmException"/> with <see cref="EvmErrorCode.Overflow"/>, never wraps.
/// </summary>
public readonly struct UInt256 : IEquatable<UInt256>, IComparable<UInt256>
{
    public static readonly BigInteger MaxBig = (BigInteger.One << 256) - 1;
    public static readonly UInt256 Zero;
    public static readonly UInt256 One = new(BigInteger.One);
    public static readonly UInt256 MaxValue = new(MaxBig);

    private readonly BigInteger _value;

    public UInt256(BigInteger value)
    {
        if (value.Sign < 0 || value > MaxBig) throw new EvmException(EvmErrorCode.Overflow, $"{value} is outside the uint256 range");
        _value = value;
    }

    public UInt256(ulong value) => _value = value;

    public BigInteger Value => _value;
    public bool IsZero => _value.IsZero;

    /// <summary>Parses a non-negative decimal integer (no sign, no exponent, no fraction).</summary>
    public static UInt256 Parse(string decimalText)
    {
        ArgumentNullException.ThrowIfNull(decimalText);
        if (decimalText.Length == 0 || !decimalText.All(char.IsAsciiDigit))
            throw new EvmException(EvmErrorCode.InvalidArgument, $"'{decimalText}' is not a non-negative decimal integer");
        return new UInt256(BigInteger.Parse(decimalText, NumberStyles.None, CultureInfo.InvariantCulture));
    }

    /// <summary>Big-endian, exactly 32 bytes (ABI word).</summary>
    public byte[] ToBigEndian32()
    {
        var bytes = _value.IsZero ? [] : _value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var word = new byte[32];
        bytes.CopyTo(word, 32 - bytes.Length);
        return word;
    }

    /// <summary>Minimal big-endian bytes (empty for zero), as RLP wants.</summary>
    public byte[] ToMinimalBigEndian() => _value.IsZero ? [] : _value.ToByteArray(isUnsigned: true, isBigEndian: true);

    public static UInt256 FromBigEndian(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 32) throw new EvmException(EvmErrorCode.Overflow, $"{bytes.Length} bytes do not fit uint256");
        return new UInt256(new BigInteger(bytes, isUnsigned: true, isBigEndian: true));
    }

    public static UInt256 operator +(UInt256 a, UInt256 b) => new(a._value + b._value);
    public static UInt256 operator -(UInt256 a, UInt256 b) => new(a._value - b._value);
    public static UInt256 operator *(UInt256 a, UInt256 b) => new(a._value * b._value);
    public static UInt256 operator /(UInt256 a, UInt256 b) => new(a._value / b._value);
    public static bool operator ==(UInt256 a, UInt256 b) => a._value == b._value;
    public static bool operator !=(UInt256 a, UInt256 b) => a._value != b._value;
    public static bool operator <(UInt256 a, UInt256 b) => a._value < b._value;
    public static bool operator >(UInt256 a, UInt256 b) => a._value > b._value;
    public static bool operator <=(UInt256 a, UInt256 b) => a._value <= b._value;
    public static bool operator >=(UInt256 a, UInt256 b) => a._value >= b._value;
    public static implicit operator UInt256(ulong value) => new(value);
    public static implicit operator BigInteger(UInt256 value) => value._value;

    /// <summary>Checked conversion; throws Overflow when the value exceeds 64 bits.</summary>
    public ulong ToUInt64() => _value <= ulong.MaxValue ? (ulong)_value : throw new EvmException(EvmErrorCode.Overflow, $"{_value} does not fit 64 bits");

    public bool Equals(UInt256 other) => _value == other._value;
    public override bool Equals(object? obj) => obj is UInt256 other && Equals(other);
    public override int GetHashCode() => _value.GetHashCode();
    public int CompareTo(UInt256 other) => _value.CompareTo(other._value);
    public override string ToString() => _value.ToString(CultureInfo.InvariantCulture);
}
