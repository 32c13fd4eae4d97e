namespace Sharemint.Chains.Evm;

/// <summary>
/// The seam between the transaction sender and whatever holds a secp256k1 signing key: the in-process key by default, a
/// KMS or HSM adapter in production. It signs 32-byte digests only; the sender builds, persists and broadcasts.
/// </summary>
public interface IEvmKeySigner
{
    /// <summary>The address of the key (the transactions' sender).</summary>
    EvmAddress Address { get; }

    /// <summary>
    /// Signs <paramref name="digest"/> (32 bytes) with a recoverable signature. Throws <see cref="SigningUnavailableException"/>
    /// when the key's holder cannot sign now (KMS down, throttled, HSM offline): nothing was signed, so asking again later
    /// is safe.
    /// </summary>
    Task<EvmSignature> SignDigestAsync(ReadOnlyMemory<byte> digest, CancellationToken cancellationToken = default);
}

/// <summary>The default <see cref="IEvmKeySigner"/>: the private key lives in this process.</summary>
public sealed class InProcessEvmKeySigner(EvmPrivateKey key) : IEvmKeySigner
{
    private readonly EvmPrivateKey _key = key ?? throw new ArgumentNullException(nameof(key));

    public EvmAddress Address => _key.Address;

    public Task<EvmSignature> SignDigestAsync(ReadOnlyMemory<byte> digest, CancellationToken cancellationToken = default) =>
        Task.FromResult(_key.Sign(digest.Span));
}

/// <summary>The key's holder could not sign now; nothing was signed or sent, and the same request may be retried later.</summary>
public sealed class SigningUnavailableException(string message, Exception? inner = null)
    : EvmException(EvmErrorCode.SigningUnavailable, message, inner);
