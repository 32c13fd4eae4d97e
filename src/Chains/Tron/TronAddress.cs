using System.Security.Cryptography;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;

namespace Sharemint.Chains.Tron;

/// <summary>
/// A Tron account or contract address: 0x41 followed by the 20 bytes an EVM address has (Keccak-256 of the public key),
/// written as base58check (T…) or as 42 hex digits. Parsing refuses a bad checksum or a wrong prefix with a clear error.
/// </summary>
public readonly struct TronAddress : IEquatable<TronAddress>
{
    public const byte Prefix = 0x41;
    private readonly byte[]? _body;

    public TronAddress(EvmAddress evm) => _body = evm.ToArray();

    private TronAddress(byte[] body) => _body = body;

    /// <summary>The 20 bytes shared with the EVM form.</summary>
    public ReadOnlySpan<byte> Body => _body ?? new byte[20];

    public EvmAddress ToEvm() => new(Body);

    /// <summary>The 21 bytes carried in protobuf fields (0x41 || body).</summary>
    public byte[] ToBytes21() => [Prefix, .. Body];

    public string ToHex() => "41" + Convert.ToHexStringLower(Body);

    public string ToBase58()
    {
        var payload = ToBytes21();
        var check = SHA256.HashData(SHA256.HashData(payload));
        return Base58.Encode([.. payload, .. check.AsSpan(0, 4)]);
    }

    public override string ToString() => ToBase58();

    public static TronAddress FromPublicKey(ReadOnlySpan<byte> publicKey64) => new(EvmAddress.FromPublicKey(publicKey64));

    /// <summary>Parses base58check (T…) or hex (41…, 0x41… or 21 bytes). Throws InvalidAddress, InvalidAddressChecksum or InvalidAddressPrefix.</summary>
    public static TronAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length == 0) throw new TronException(TronErrorCode.InvalidAddress, "a Tron address is required");
        var hex = trimmed.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? trimmed[2..] : trimmed;
        if (hex.Length == 42 && hex.All(Uri.IsHexDigit)) return FromBytes21(Convert.FromHexString(hex), text);
        byte[] decoded;
        try
        {
            decoded = Base58.Decode(trimmed);
        }
        catch (Exception e) when (e is SolanaException or FormatException or ArgumentException)
        {
            throw new TronException(TronErrorCode.InvalidAddress, $"'{text}' is neither base58check nor 41-prefixed hex: {e.Message}", e);
        }
        if (decoded.Length != 25) throw new TronException(TronErrorCode.InvalidAddress, $"'{text}' decodes to {decoded.Length} bytes; a Tron address is 21 bytes and a 4-byte checksum");
        var expected = SHA256.HashData(SHA256.HashData(decoded.AsSpan(0, 21)));
        if (!expected.AsSpan(0, 4).SequenceEqual(decoded.AsSpan(21, 4)))
            throw new TronException(TronErrorCode.InvalidAddressChecksum, $"'{text}' has a bad base58check checksum (mistyped?)");
        return FromBytes21(decoded[..21], text);
    }

    public static bool TryParse(string text, out TronAddress address)
    {
        try
        {
            address = Parse(text);
            return true;
        }
        catch (TronException)
        {
            address = default;
            return false;
        }
    }

    private static TronAddress FromBytes21(byte[] bytes, string text)
    {
        if (bytes[0] != Prefix)
            throw new TronException(TronErrorCode.InvalidAddressPrefix, $"'{text}' starts with 0x{bytes[0]:x2}; Tron mainnet addresses start with 0x41");
        return new TronAddress(bytes[1..]);
    }

    public bool Equals(TronAddress other) => Body.SequenceEqual(other.Body);
    public override bool Equals(object? obj) => obj is TronAddress other && Equals(other);
    public override int GetHashCode() => BitConverter.ToInt32(Body[..4]) ^ BitConverter.ToInt32(Body[16..]);
    public static bool operator ==(TronAddress a, TronAddress b) => a.Equals(b);
    public static bool operator !=(TronAddress a, TronAddress b) => !a.Equals(b);
}
