using Sharemint.Errors;

namespace Sharemint.Compliance;

/// <summary>The chains the platform knows and how their addresses look.</summary>
public static class ChainAddress
{
    /// <summary>Chain families: addresses on EVM chains are 20-byte hex, on Solana 32-byte base58, on Tron base58check (T…).</summary>
    public enum Family { Evm, Solana, Tron }

    // Chains named in configuration beyond the well-known names (Base, Mantle, Ink, … are configuration, not code).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Family> Configured = new(StringComparer.Ordinal);

    /// <summary>The family of a chain name: a well-known one (<c>ethereum</c>, <c>bnb</c>, <c>solana</c>, <c>tron</c> …) or one registered from configuration.</summary>
    /// <exception cref="LedgerException"><c>InvalidArgument</c> for a chain the platform does not know.</exception>
    public static Family FamilyOf(string chain) => WellKnown(chain)
        ?? (chain is not null && Configured.TryGetValue(chain, out var family) ? family
            : throw new LedgerException(LedgerError.InvalidArgument, $"Unknown chain '{chain}'."));

    /// <summary>The family of a well-known chain name, or null when the name is not one of them.</summary>
    public static Family? WellKnown(string? chain) => chain switch
    {
        "solana" => Family.Solana,
        "tron" => Family.Tron,
        "ethereum" or "base" or "bnb" or "mantle" or "arbitrum" or "evm-a" or "evm-b" => Family.Evm,
        _ => null,
    };

    /// <summary>
    /// Makes a configured chain name known with its family (idempotent). A well-known name keeps its own family, and a
    /// name registered once keeps it: either conflict throws <c>InvalidArgument</c>, so one name never means two families.
    /// </summary>
    public static void Register(string chain, Family family)
    {
        if (string.IsNullOrWhiteSpace(chain) || chain.Length > 32 || chain.AsSpan().ContainsAnyExcept(ChainNameCharacters))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"'{chain}' is not a chain name (1-32 characters of a-z, 0-9 and '-').");
        }
        var known = WellKnown(chain) ?? Configured.GetOrAdd(chain, family);
        if (known != family)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Chain '{chain}' is a {known} chain, not {family}.");
        }
    }

    private static readonly System.Buffers.SearchValues<char> ChainNameCharacters = System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-");

    /// <summary>
    /// Validates an address for a chain and returns its canonical form (EVM: lower-case 0x-hex; Solana: as given; Tron:
    /// base58check of 0x41 and 20 bytes, checksum verified).
    /// EIP-55 checksums are verified by the chain clients; here the shape is checked.
    /// </summary>
    /// <exception cref="LedgerException"><c>AddressInvalid</c> when the address cannot be one of that chain's.</exception>
    public static string Canonicalize(string chain, string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        switch (FamilyOf(chain))
        {
            case Family.Evm:
                if (address.Length != 42 || !address.StartsWith("0x", StringComparison.Ordinal) || address.AsSpan(2).ContainsAnyExcept(HexDigits))
                {
                    throw new LedgerException(LedgerError.AddressInvalid, $"'{address}' is not a 20-byte 0x-hex address.");
                }
                if (address.AsSpan(2).IndexOfAnyExcept('0') < 0)
                {
                    throw new LedgerException(LedgerError.AddressInvalid, "The zero address cannot hold tokens.");
                }
                return address.ToLowerInvariant();
            case Family.Tron:
                return CanonicalTron(address);
            default:
                if (!IsBase58Of32Bytes(address))
                {
                    throw new LedgerException(LedgerError.AddressInvalid, $"'{address}' is not a base58 32-byte Solana address.");
                }
                return address;
        }
    }

    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    private const string Base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    private static string CanonicalTron(string text)
    {
        // 25 bytes: 0x41, the 20-byte account, and the first 4 bytes of SHA-256(SHA-256(the 21 before)).
        if (text.Length is < 30 or > 40 || DecodeBase58(text) is not { Length: 25 } bytes)
        {
            throw new LedgerException(LedgerError.AddressInvalid, $"'{text}' is not a base58check Tron address.");
        }
        if (bytes[0] != 0x41)
        {
            throw new LedgerException(LedgerError.AddressInvalid, $"'{text}' is not a Tron address (prefix 0x{bytes[0]:x2}, expected 0x41).");
        }
        var check = System.Security.Cryptography.SHA256.HashData(System.Security.Cryptography.SHA256.HashData(bytes.AsSpan(0, 21)));
        if (!check.AsSpan(0, 4).SequenceEqual(bytes.AsSpan(21, 4)))
        {
            throw new LedgerException(LedgerError.AddressInvalid, $"'{text}' has a bad base58check checksum.");
        }
        if (bytes.AsSpan(1, 20).IndexOfAnyExcept((byte)0) < 0)
        {
            throw new LedgerException(LedgerError.AddressInvalid, "The zero address cannot hold tokens.");
        }
        return text;
    }

    /// <summary>The bytes of a base58 string (leading '1's are zero bytes), or null when it holds a character outside the alphabet.</summary>
    private static byte[]? DecodeBase58(string text)
    {
        var value = System.Numerics.BigInteger.Zero;
        foreach (var c in text)
        {
            var digit = Base58Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return null;
            }
            value = value * 58 + digit;
        }
        var leadingZeros = text.TakeWhile(c => c == '1').Count();
        return [.. new byte[leadingZeros], .. value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true)];
    }

    private static bool IsBase58Of32Bytes(string text)
    {
        if (text.Length is < 32 or > 44)
        {
            return false;
        }
        var value = System.Numerics.BigInteger.Zero;
        foreach (var c in text)
        {
            var digit = Base58Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }
            value = value * 58 + digit;
        }
        var leadingZeros = text.TakeWhile(c => c == '1').Count();
        var length = leadingZeros + (value.IsZero ? 0 : value.GetByteCount(isUnsigned: true));
        return length == 32;
    }
}
