namespace Sharemint.Chains.Solana;

/// <summary>Bitcoin-alphabet base58, as Solana uses for keys, signatures and blockhashes.</summary>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static readonly sbyte[] Digits = BuildDigits();

    private static sbyte[] BuildDigits()
    {
        var d = new sbyte[128];
        Array.Fill(d, (sbyte)-1);
        for (var i = 0; i < Alphabet.Length; i++)
        {
            d[Alphabet[i]] = (sbyte)i;
        }
        return d;
    }

    /// <summary>Encodes bytes; each leading zero byte becomes a leading '1'.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        var zeros = 0;
        while (zeros < data.Length && data[zeros] == 0)
        {
            zeros++;
        }
        // log(256)/log(58) < 1.37: enough digits for the rest.
        var size = ((data.Length - zeros) * 137 / 100) + 1;
        Span<byte> buf = size <= 256 ? stackalloc byte[size] : new byte[size];
        buf.Clear();
        var length = 0;
        for (var i = zeros; i < data.Length; i++)
        {
            int carry = data[i];
            var j = 0;
            for (var k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 256 * buf[k];
                buf[k] = (byte)(carry % 58);
                carry /= 58;
            }
            length = j;
        }
        var start = size - length;
        while (start < size && buf[start] == 0)
        {
            start++;
        }
        var chars = new char[zeros + (size - start)];
        chars.AsSpan(0, zeros).Fill('1');
        for (var i = start; i < size; i++)
        {
            chars[zeros + i - start] = Alphabet[buf[i]];
        }
        return new string(chars);
    }

    /// <summary>Decodes a base58 string.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidEncoding"/> for a character outside the alphabet or null input.</exception>
    public static byte[] Decode(string text)
    {
        if (text is null)
        {
            throw new SolanaException(SolanaErrorKind.InvalidEncoding, "base58 text is null");
        }
        var zeros = 0;
        while (zeros < text.Length && text[zeros] == '1')
        {
            zeros++;
        }
        var size = ((text.Length - zeros) * 733 / 1000) + 1;
        var buf = new byte[size];
        var length = 0;
        for (var i = zeros; i < text.Length; i++)
        {
            var c = text[i];
            var digit = c < 128 ? Digits[c] : -1;
            if (digit < 0)
            {
                throw new SolanaException(SolanaErrorKind.InvalidEncoding, $"invalid base58 character '{c}' at position {i}");
            }
            var carry = (int)digit;
            var j = 0;
            for (var k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 58 * buf[k];
                buf[k] = (byte)(carry & 0xff);
                carry >>= 8;
            }
            length = j;
        }
        var start = size - length;
        while (start < size && buf[start] == 0)
        {
            start++;
        }
        var result = new byte[zeros + (size - start)];
        Array.Copy(buf, start, result, zeros, size - start);
        return result;
    }

    /// <summary>Decodes and checks the decoded length (32 for keys and hashes, 64 for signatures).</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidEncoding"/> or <see cref="SolanaErrorKind.InvalidLength"/>.</exception>
    public static byte[] Decode(string text, int expectedLength)
    {
        var bytes = Decode(text);
        if (bytes.Length != expectedLength)
        {
            throw new SolanaException(SolanaErrorKind.InvalidLength, $"expected {expectedLength} bytes, base58 decodes to {bytes.Length}");
        }
        return bytes;
    }
}
