using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Sharemint.Chains.Solana;

/// <summary>An Ed25519 signing key (RFC 8032) with its public key. Signing is deterministic.</summary>
public sealed class Keypair
{
    private readonly byte[]? _seed;
    private readonly byte[] _publicKey;

    private Keypair(byte[] seed)
    {
        _seed = seed;
        _publicKey = new byte[Ed25519.PublicKeySize];
        Ed25519.GeneratePublicKey(seed, 0, _publicKey, 0);
        PublicKey = new PublicKey(_publicKey);
    }

    private Keypair(PublicKey publicKey)
    {
        _publicKey = publicKey.Bytes.ToArray();
        PublicKey = publicKey;
    }

    /// <summary>The address of this key.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>False for a key held elsewhere (<see cref="HeldElsewhere"/>): it names a signer but cannot sign here.</summary>
    public bool HasSecret => _seed is not null;

    /// <summary>
    /// A key whose secret lives outside this process (a KMS or HSM behind <see cref="ISolanaKeySigner"/>). Transactions built
    /// with it leave its signature empty; the <see cref="TransactionSender"/> asks the holder for it before storing anything.
    /// </summary>
    public static Keypair HeldElsewhere(PublicKey publicKey) => new(publicKey);

    /// <summary>A fresh random key from the OS CSPRNG.</summary>
    public static Keypair Generate() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key for a 32-byte RFC 8032 private key (seed).</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidLength"/> unless 32 bytes.</exception>
    public static Keypair FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != 32)
        {
            throw new SolanaException(SolanaErrorKind.InvalidLength, $"an Ed25519 seed is 32 bytes, got {seed.Length}");
        }
        return new Keypair(seed.ToArray());
    }

    /// <summary>The key for a 64-byte Solana secret key (seed followed by public key); the halves must agree.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidLength"/> or <see cref="SolanaErrorKind.InvalidKeypair"/>.</exception>
    public static Keypair FromSecretKey(ReadOnlySpan<byte> secretKey)
    {
        if (secretKey.Length != 64)
        {
            throw new SolanaException(SolanaErrorKind.InvalidLength, $"a Solana secret key is 64 bytes, got {secretKey.Length}");
        }
        var kp = new Keypair(secretKey[..32].ToArray());
        if (!secretKey[32..].SequenceEqual(kp._publicKey))
        {
            throw new SolanaException(SolanaErrorKind.InvalidKeypair, "the public half of the secret key does not match its seed");
        }
        return kp;
    }

    /// <summary>Parses the Solana CLI keypair file format: a JSON array of 64 numbers 0..255.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidKeypair"/> or <see cref="SolanaErrorKind.InvalidLength"/>.</exception>
    public static Keypair FromJson(string json)
    {
        byte[] bytes;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new SolanaException(SolanaErrorKind.InvalidKeypair, "a keypair file is a JSON array of numbers");
            }
            bytes = doc.RootElement.EnumerateArray().Select(e => e.GetByte()).ToArray();
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            throw new SolanaException(SolanaErrorKind.InvalidKeypair, $"malformed keypair JSON: {e.Message}", e);
        }
        return FromSecretKey(bytes);
    }

    /// <summary>Reads a Solana CLI keypair file (e.g. ~/.config/solana/id.json).</summary>
    public static Keypair Load(string path) => FromJson(File.ReadAllText(path));

    /// <summary>The Solana CLI keypair file text for this key.</summary>
    public string ToJson()
    {
        var sb = new StringBuilder("[");
        var secret = SecretKey();
        for (var i = 0; i < secret.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }
            sb.Append(secret[i].ToString(CultureInfo.InvariantCulture));
        }
        return sb.Append(']').ToString();
    }

    /// <summary>Writes the Solana CLI keypair file.</summary>
    public void Save(string path) => File.WriteAllText(path, ToJson());

    /// <summary>The 64-byte Solana secret key (seed then public key). Handle with care.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidKeypair"/> for a key held elsewhere.</exception>
    public byte[] SecretKey() => [.. Seed(), .. _publicKey];

    private byte[] Seed() => _seed ?? throw new SolanaException(SolanaErrorKind.InvalidKeypair, $"the secret of {PublicKey} is held outside this process");

    /// <summary>Signs a message (pure Ed25519, no prehash).</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        var sig = new byte[Ed25519.SignatureSize];
        var m = message.ToArray();
        Ed25519.Sign(Seed(), 0, _publicKey, 0, m, 0, m.Length, sig, 0);
        return sig;
    }

    /// <summary>Verifies an Ed25519 signature; false for any malformed input.</summary>
    public static bool Verify(PublicKey key, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != Ed25519.SignatureSize)
        {
            return false;
        }
        var m = message.ToArray();
        return Ed25519.Verify(signature.ToArray(), 0, key.Bytes.ToArray(), 0, m, 0, m.Length);
    }
}
