using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math.EC.Multiplier;
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
        var (r, s, yOdd) = SignDeterministic(Domain, key.Scalar, digest32.ToArray());
        // Low S (EIP-2): negating s mirrors R, which flips the parity the recovery id encodes.
        if (s.CompareTo(HalfN) > 0)
        {
            s = Domain.N.Subtract(s);
            yOdd = !yOdd;
        }
        return new EvmSignature(ToUInt256(r), ToUInt256(s), yOdd ? (byte)1 : (byte)0);
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

    /// <summary>
    /// ECDSA with RFC 6979 (HMAC-SHA256) nonces on any curve, without S normalisation. Also returns the parity of R's y,
    /// which is the recovery id (R's x beyond n, recovery ids 2 and 3, is refused: Ethereum cannot express it).
    /// </summary>
    internal static (BcBigInteger R, BcBigInteger S, bool YOdd) SignDeterministic(ECDomainParameters domain, BcBigInteger d, byte[] hash)
    {
        var n = domain.N;
        var e = HashToInteger(n, hash);
        var nonces = new HMacDsaKCalculator(new Sha256Digest());
        nonces.Init(n, d, hash);
        var multiplier = new FixedPointCombMultiplier();
        while (true)
        {
            var k = nonces.NextK();
            var point = multiplier.Multiply(domain.G, k).Normalize();
            var x = point.AffineXCoord.ToBigInteger();
            var r = x.Mod(n);
            if (r.SignValue == 0 || x.CompareTo(n) >= 0) continue;
            var s = k.ModInverse(n).Multiply(e.Add(d.Multiply(r))).Mod(n);
            if (s.SignValue == 0) continue;
            return (r, s, point.AffineYCoord.TestBitZero());
        }
    }

    /// <summary>The leftmost bits of the hash as an integer, as many as the group order has (SEC 1, 4.1.3 step 5).</summary>
    private static BcBigInteger HashToInteger(BcBigInteger n, byte[] hash)
    {
        var e = new BcBigInteger(1, hash);
        var excess = hash.Length * 8 - n.BitLength;
        return excess > 0 ? e.ShiftRight(excess) : e;
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
