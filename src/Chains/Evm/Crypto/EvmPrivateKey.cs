using Org.BouncyCastle.Security;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Sharemint.Chains.Evm;

/// <summary>A secp256k1 private key and the account it controls. Immutable and thread-safe.</summary>
public sealed class EvmPrivateKey
{
    private EvmPrivateKey(BcBigInteger scalar)
    {
        if (scalar.SignValue <= 0 || scalar.CompareTo(Secp256k1.Domain.N) >= 0)
            throw new EvmException(EvmErrorCode.InvalidKey, "a private key must be in [1, n-1]");
        Scalar = scalar;
        PublicKey = Secp256k1.Domain.G.Multiply(scalar).Normalize().GetEncoded(false)[1..];
        Address = EvmAddress.FromPublicKey(PublicKey);
    }

    internal BcBigInteger Scalar { get; }

    /// <summary>Uncompressed public key without the 0x04 prefix (64 bytes).</summary>
    public byte[] PublicKey { get; }

    public EvmAddress Address { get; }

    /// <summary>Parses 32 bytes of hex (0x optional); throws InvalidHex or InvalidKey.</summary>
    public static EvmPrivateKey FromHex(string hex)
    {
        var bytes = EvmHex.Decode(hex);
        if (bytes.Length != 32) throw new EvmException(EvmErrorCode.InvalidKey, $"a private key is 32 bytes, got {bytes.Length}");
        return new EvmPrivateKey(new BcBigInteger(1, bytes));
    }

    public static EvmPrivateKey Generate()
    {
        var random = new SecureRandom();
        while (true)
        {
            var candidate = new BcBigInteger(256, random);
            if (candidate.SignValue > 0 && candidate.CompareTo(Secp256k1.Domain.N) < 0) return new EvmPrivateKey(candidate);
        }
    }

    public EvmSignature Sign(ReadOnlySpan<byte> digest32) => Secp256k1.Sign(digest32, this);

    public override string ToString() => $"EvmPrivateKey({Address})";
}
