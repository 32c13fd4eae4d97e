namespace Sharemint.Chains.Evm;

/// <summary>
/// A 20-byte EVM account address. Parsing follows EIP-55: all-lower or all-upper hex is accepted as unchecksummed;
/// mixed case must be the exact checksum, else <see cref="EvmErrorCode.InvalidAddressChecksum"/> is thrown.
/// <see cref="ToString"/> always gives the checksummed form.
/// </summary>
public readonly struct EvmAddress : IEquatable<EvmAddress>
{
    private static readonly System.Buffers.SearchValues<char> LowerHexLetters = System.Buffers.SearchValues.Create("abcdef");
    private static readonly System.Buffers.SearchValues<char> UpperHexLetters = System.Buffers.SearchValues.Create("ABCDEF");
    private readonly byte[]? _bytes;

    public EvmAddress(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 20) throw new EvmException(EvmErrorCode.InvalidAddress, $"an address needs 20 bytes, got {bytes.Length}");
        _bytes = bytes.ToArray();
    }

    public static readonly EvmAddress Zero = new(new byte[20]);

    public ReadOnlySpan<byte> Span => _bytes ?? new byte[20];
    public byte[] ToArray() => Span.ToArray();

    /// <summary>Parses "0x" + 40 hex digits; throws <see cref="EvmException"/> (InvalidAddress or InvalidAddressChecksum).</summary>
    public static EvmAddress Parse(string text)
    {
        if (text is null || text.Length != 42 || !text.StartsWith("0x", StringComparison.Ordinal))
            throw new EvmException(EvmErrorCode.InvalidAddress, $"'{text}' is not 0x followed by 40 hex digits");
        var digits = text.AsSpan(2);
        foreach (var c in digits)
        {
            if (!char.IsAsciiHexDigit(c)) throw new EvmException(EvmErrorCode.InvalidAddress, $"'{text}' contains a non-hex character '{c}'");
        }
        var address = new EvmAddress(Convert.FromHexString(digits));
        var hasLower = digits.ContainsAny(LowerHexLetters);
        var hasUpper = digits.ContainsAny(UpperHexLetters);
        if (hasLower && hasUpper && !string.Equals(address.ToString(), text, StringComparison.Ordinal))
            throw new EvmException(EvmErrorCode.InvalidAddressChecksum, $"'{text}' has a wrong EIP-55 checksum (expected {address})");
        return address;
    }

    public static bool TryParse(string text, out EvmAddress address)
    {
        try
        {
            address = Parse(text);
            return true;
        }
        catch (EvmException)
        {
            address = default;
            return false;
        }
    }

    /// <summary>The address of an uncompressed public key (64 bytes, without the 0x04 prefix).</summary>
    public static EvmAddress FromPublicKey(ReadOnlySpan<byte> publicKey64)
    {
        if (publicKey64.Length != 64) throw new EvmException(EvmErrorCode.InvalidKey, "public key must be 64 bytes (x || y)");
        return new EvmAddress(Keccak256.Hash(publicKey64).AsSpan(12));
    }

    /// <summary>EIP-55 checksummed text.</summary>
    public override string ToString()
    {
        var lower = Convert.ToHexStringLower(Span);
        var hash = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(lower));
        var chars = new char[42];
        chars[0] = '0';
        chars[1] = 'x';
        for (var i = 0; i < 40; i++)
        {
            var nibble = (hash[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF;
            chars[i + 2] = nibble >= 8 ? char.ToUpperInvariant(lower[i]) : lower[i];
        }
        return new string(chars);
    }

    public bool Equals(EvmAddress other) => Span.SequenceEqual(other.Span);
    public override bool Equals(object? obj) => obj is EvmAddress other && Equals(other);
    public override int GetHashCode() => BitConverter.ToInt32(Span[..4]) ^ BitConverter.ToInt32(Span[16..]);
    public static bool operator ==(EvmAddress a, EvmAddress b) => a.Equals(b);
    public static bool operator !=(EvmAddress a, EvmAddress b) => !a.Equals(b);
}
