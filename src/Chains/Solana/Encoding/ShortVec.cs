namespace Sharemint.Chains.Solana;

/// <summary>Solana's compact-u16 length prefix: 7 bits per byte, low bits first, at most 3 bytes.</summary>
public static class ShortVec
{
    /// <summary>Appends the encoding of <paramref name="value"/> (0..65535).</summary>
    public static void Write(List<byte> output, int value)
    {
        if (value is < 0 or > ushort.MaxValue)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, $"compact-u16 out of range: {value}");
        }
        var v = value;
        while (true)
        {
            var b = v & 0x7f;
            v >>= 7;
            if (v == 0)
            {
                output.Add((byte)b);
                return;
            }
            output.Add((byte)(b | 0x80));
        }
    }

    /// <summary>Number of bytes the encoding of <paramref name="value"/> takes.</summary>
    public static int Size(int value) => value < 0x80 ? 1 : value < 0x4000 ? 2 : 3;

    /// <summary>Reads a value at <paramref name="offset"/> and advances it; rejects non-minimal and overlong encodings.</summary>
    public static int Read(ReadOnlySpan<byte> data, ref int offset)
    {
        var value = 0;
        for (var i = 0; i < 3; i++)
        {
            if (offset >= data.Length)
            {
                throw new SolanaException(SolanaErrorKind.InvalidTransaction, "truncated compact-u16");
            }
            var b = data[offset++];
            value |= (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (i > 0 && b == 0)
                {
                    throw new SolanaException(SolanaErrorKind.InvalidTransaction, "non-minimal compact-u16");
                }
                if (value > ushort.MaxValue)
                {
                    throw new SolanaException(SolanaErrorKind.InvalidTransaction, "compact-u16 overflows u16");
                }
                return value;
            }
        }
        throw new SolanaException(SolanaErrorKind.InvalidTransaction, "compact-u16 longer than 3 bytes");
    }
}
