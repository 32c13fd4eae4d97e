using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Sharemint.Signing;

/// <summary>
/// The issuer's two Ed25519 (RFC 8032) keys: the attestation key signs proof-of-reserves attestations, the quote key
/// signs quotes. Seeds come from <c>Sharemint:Signing:AttestationKey</c> and <c>Sharemint:Signing:QuoteKey</c> (base64 of
/// 32 bytes, see <see cref="NewKeySeedBase64"/>); a missing one is replaced by a random key for this process only, with a
/// warning, so development starts without setup but nothing signed then verifies after a restart. Signatures are
/// deterministic and 64 bytes; public keys are 32 bytes; both travel as standard base64.
/// </summary>
public sealed class IssuerSigningKeys
{
    /// <summary>Configuration key of the attestation key's seed.</summary>
    public const string AttestationKeyName = "Sharemint:Signing:AttestationKey";

    /// <summary>Configuration key of the quote key's seed.</summary>
    public const string QuoteKeyName = "Sharemint:Signing:QuoteKey";

    private const int SeedSize = 32;
    private const int SignatureSize = 64;
    private const int PublicKeySize = 32;

    private readonly Ed25519PrivateKeyParameters _attestation;
    private readonly Ed25519PrivateKeyParameters _quote;

    /// <summary>Keys from 32-byte seeds.</summary>
    public IssuerSigningKeys(ReadOnlySpan<byte> attestationSeed, ReadOnlySpan<byte> quoteSeed)
    {
        _attestation = FromSeed(attestationSeed, "attestation");
        _quote = FromSeed(quoteSeed, "quote");
        AttestationPublicKey = Convert.ToBase64String(_attestation.GeneratePublicKey().GetEncoded());
        QuotePublicKey = Convert.ToBase64String(_quote.GeneratePublicKey().GetEncoded());
    }

    /// <summary>The attestation public key, base64 of 32 bytes: what outsiders verify attestations with.</summary>
    public string AttestationPublicKey { get; }

    /// <summary>The quote public key, base64 of 32 bytes.</summary>
    public string QuotePublicKey { get; }

    /// <summary>
    /// Keys from configuration. A malformed seed fails here, naming its key; a missing one becomes a random key for
    /// this process and a warning.
    /// </summary>
    public static IssuerSigningKeys FromConfiguration(IConfiguration configuration, ILogger logger)
    {
        var attestation = SeedFromConfiguration(configuration, AttestationKeyName, "attestations", logger);
        var quote = SeedFromConfiguration(configuration, QuoteKeyName, "quotes", logger);
        return new IssuerSigningKeys(attestation, quote);
    }

    /// <summary>A new random seed, base64: the value to put in <see cref="AttestationKeyName"/> or <see cref="QuoteKeyName"/>.</summary>
    public static string NewKeySeedBase64() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(SeedSize));

    /// <summary>Signs a proof-of-reserves attestation payload; the signature as base64 of 64 bytes.</summary>
    public string SignAttestation(ReadOnlySpan<byte> payload) => Sign(_attestation, payload);

    /// <summary>Signs a quote payload; the signature as base64 of 64 bytes.</summary>
    public string SignQuote(ReadOnlySpan<byte> payload) => Sign(_quote, payload);

    /// <summary>
    /// True only when <paramref name="signatureBase64"/> is a valid Ed25519 signature of <paramref name="payload"/> by
    /// <paramref name="publicKeyBase64"/>. Malformed base64, wrong lengths or a key that is not a curve point give
    /// false; this never throws.
    /// </summary>
    public static bool Verify(string? publicKeyBase64, ReadOnlySpan<byte> payload, string? signatureBase64)
    {
        if (!TryDecode(publicKeyBase64, PublicKeySize, out var publicKey)
            || !TryDecode(signatureBase64, SignatureSize, out var signature))
        {
            return false;
        }
        // BouncyCastle's point decoding rejects non-canonical and off-curve encodings by returning false from verify.
        return Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Verify(signature, 0, publicKey, 0, payload.ToArray(), 0, payload.Length);
    }

    private static string Sign(Ed25519PrivateKeyParameters key, ReadOnlySpan<byte> payload)
    {
        var signer = new Ed25519Signer();
        signer.Init(forSigning: true, key);
        signer.BlockUpdate(payload);
        return Convert.ToBase64String(signer.GenerateSignature());
    }

    private static Ed25519PrivateKeyParameters FromSeed(ReadOnlySpan<byte> seed, string name) =>
        seed.Length == SeedSize
            ? new Ed25519PrivateKeyParameters(seed)
            : throw new ArgumentException($"The {name} key seed must be {SeedSize} bytes, not {seed.Length}.", name == "quote" ? "quoteSeed" : "attestationSeed");

    private static byte[] SeedFromConfiguration(IConfiguration configuration, string key, string purpose, ILogger logger)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            logger.LogWarning(
                "{Key} is not set: signing {Purpose} with a RANDOM key for this process only. Signatures will NOT verify after a restart or on another silo. Development only: set it to base64 of a 32-byte seed in production.",
                key, purpose);
            return RandomNumberGenerator.GetBytes(SeedSize);
        }
        if (!TryDecode(value.Trim(), SeedSize, out var seed))
        {
            throw new InvalidOperationException($"{key} must be base64 of a {SeedSize}-byte Ed25519 seed.");
        }
        return seed;
    }

    private static bool TryDecode(string? base64, int expectedLength, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrEmpty(base64))
        {
            return false;
        }
        var buffer = new byte[((base64.Length + 3) / 4) * 3];
        if (!Convert.TryFromBase64String(base64, buffer, out var written) || written != expectedLength)
        {
            return false;
        }
        bytes = buffer[..written];
        return true;
    }
}
