using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api.Security;

/// <summary>An API secret as stored: AES-256-GCM ciphertext (with its tag appended) and the nonce.</summary>
public sealed record EncryptedSecret(byte[] Nonce, byte[] Ciphertext);

/// <summary>
/// Encrypts API secrets at rest with AES-256-GCM under the configured key. The key id is bound as associated data, so a
/// ciphertext copied onto another key's row does not decrypt. Without a configured key every call fails closed.
/// </summary>
public sealed class SecretProtector
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[]? _key;

    public SecretProtector(IOptions<ApiOptions> options)
    {
        var configured = options.Value.SecretEncryptionKey;
        if (string.IsNullOrWhiteSpace(configured))
        {
            return;
        }
        byte[] key;
        try
        {
            key = Convert.FromBase64String(configured);
        }
        catch (FormatException)
        {
            throw new InvalidOperationException("Sharemint:Api:SecretEncryptionKey must be base64 of 32 bytes.");
        }
        _key = key.Length == 32 ? key : throw new InvalidOperationException("Sharemint:Api:SecretEncryptionKey must be base64 of exactly 32 bytes (AES-256).");
    }

    /// <summary>Whether a key is configured.</summary>
    public bool IsConfigured => _key is not null;

    public EncryptedSecret Encrypt(string keyId, string secret)
    {
        var key = RequireKey();
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var plaintext = Encoding.UTF8.GetBytes(secret);
        var output = new byte[plaintext.Length + TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), AssociatedData(keyId));
        return new EncryptedSecret(nonce, output);
    }

    /// <exception cref="CryptographicException">The ciphertext was tampered with, moved to another key id, or encrypted under another key.</exception>
    public string Decrypt(string keyId, EncryptedSecret secret)
    {
        var key = RequireKey();
        var length = secret.Ciphertext.Length - TagSize;
        if (length < 0 || secret.Nonce.Length != NonceSize)
        {
            throw new CryptographicException("Stored secret is malformed.");
        }
        var plaintext = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(secret.Nonce, secret.Ciphertext.AsSpan(0, length), secret.Ciphertext.AsSpan(length), plaintext, AssociatedData(keyId));
        return Encoding.UTF8.GetString(plaintext);
    }

    private byte[] RequireKey() => _key ?? throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "api_keys_unavailable",
        "API keys are not available: the server has no Sharemint:Api:SecretEncryptionKey configured.");

    private static byte[] AssociatedData(string keyId) => Encoding.UTF8.GetBytes("sharemint-api-key\n" + keyId);
}
