using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math.EC;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Sharemint.Chains.Evm;

/// <summary>An ECDSA signature over secp256k1 with low S (EIP-2) and the public-key recovery id (0 or 1).</summary>
public readonly record struct EvmSignature(UInt256 R, UInt256 S, byte RecoveryId);

/// <summary>secp256k1 signing with RFC 6979 deterministic nonces, low-S normalisation and public-key recovery.</summary>
public static class Secp256k1
{
    internal static readonly ECDomainParameters Domain = CreateDomain();
    private static readonly BcBigInteger HalfN = Domain.N.ShiftRight(1);

    private static ECDomainParameters CreateDomain()
    {
        var curve = CustomNamedCurves.GetByName("secp256k1");
        return new ECDomainParameters(curve.Curve, curve.G, curve.N, curve.H);
    }

    /// <summary>Signs a 32-byte digest. Deterministic: the same key and digest always give the same signature.</summary>
    public static EvmSignature Sign(ReadOnlySpan<byte> digest32, EvmPrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (digest32.Length != 32) throw new EvmException(EvmErrorCode.InvalidArgument, "the digest to sign must be 32 bytes");
        var hash = digest32.ToArray();
        var (r, s) = SignDeterministic(Domain, key.Scalar, hash);
        if (s.CompareTo(HalfN) > 0) s = Domain.N.Subtract(s);
        var publicKey = key.PublicKey;
        for (byte recId = 0; recId < 2; recId++)
        {
            var candidate = TryRecover(hash, r, s, recId);
            if (candidate is not null && candidate.AsSpan().SequenceEqual(publicKey)) return new EvmSignature(ToUInt256(r), ToUInt256(s), recId);
        }
        throw new EvmException(EvmErrorCode.InvalidSignature, "could not compute the recovery id of a fresh signature");
    }

    /// <summary>Recovers the 64-byte public key (x || y) that produced <paramref name="signature"/>; throws InvalidSignature if none.</summary>
    public static byte[] RecoverPublicKey(ReadOnlySpan<byte> digest32, EvmSignature signature)
    {
        if (digest32.Length != 32) throw new EvmException(EvmErrorCode.InvalidArgument, "the digest must be 32 bytes");
        var r = ToBc(signature.R);
        var s = ToBc(signature.S);
        if (r.SignValue <= 0 || s.SignValue <= 0 || r.CompareTo(Domain.N) >= 0 || s.CompareTo(Domain.N) >= 0 || signature.RecoveryId > 1)
            throw new EvmException(EvmErrorCode.InvalidSignature, "signature values out of range");
        return TryRecover(digest32.ToArray(), r, s, signature.RecoveryId)
            ?? throw new EvmException(EvmErrorCode.InvalidSignature, "no public key recovers from this signature");
    }

    public static EvmAddress RecoverAddress(ReadOnlySpan<byte> digest32, EvmSignature signature) =>
        EvmAddress.FromPublicKey(RecoverPublicKey(digest32, signature));

    /// <summary>Plain ECDSA with RFC 6979 (HMAC-SHA256) nonces on any curve, without S normalisation.</summary>
    internal static (BcBigInteger R, BcBigInteger S) SignDeterministic(ECDomainParameters domain, BcBigInteger d, byte[] hash)
    {
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, new ECPrivateKeyParameters(d, domain));
        var rs = signer.GenerateSignature(hash);
        return (rs[0], rs[1]);
    }

    private static byte[]? TryRecover(byte[] hash, BcBigInteger r, BcBigInteger s, byte recId)
    {
        // SEC 1 v2, 4.1.6. On secp256k1 the x = r + n case is astronomically rare; recovery ids 2 and 3 are not used by Ethereum.
        var curve = Domain.Curve;
        var x = r;
        if (x.CompareTo(curve.Field.Characteristic) >= 0) return null;
        var compressed = new byte[33];
        compressed[0] = (byte)(0x02 | (recId & 1));
        var xBytes = x.ToByteArrayUnsigned();
        xBytes.CopyTo(compressed, 33 - xBytes.Length);
        ECPoint rPoint;
        try
        {
            rPoint = curve.DecodePoint(compressed);
        }
        catch (ArgumentException)
        {
            return null;
        }
        var n = Domain.N;
        var e = new BcBigInteger(1, hash);
        var rInv = r.ModInverse(n);
        var u1 = e.Negate().Mod(n).Multiply(rInv).Mod(n);
        var u2 = s.Multiply(rInv).Mod(n);
        var q = ECAlgorithms.SumOfTwoMultiplies(Domain.G, u1, rPoint, u2).Normalize();
        if (q.IsInfinity) return null;
        return q.GetEncoded(false)[1..];
    }

    internal static UInt256 ToUInt256(BcBigInteger value) => UInt256.FromBigEndian(value.ToByteArrayUnsigned());
    internal static BcBigInteger ToBc(UInt256 value) => new(1, value.ToBigEndian32());
}
