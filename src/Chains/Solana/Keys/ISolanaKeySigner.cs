using Sharemint.Chains.Evm;

namespace Sharemint.Chains.Solana;

/// <summary>
/// The seam between the transaction sender and whatever holds an Ed25519 signing key: the in-process key by default, a KMS
/// or HSM adapter in production. It signs message bytes only; the sender builds, persists and broadcasts.
/// </summary>
public interface ISolanaKeySigner
{
    /// <summary>The key's address (the fee payer and authority of the transactions it signs).</summary>
    PublicKey PublicKey { get; }

    /// <summary>
    /// Signs <paramref name="message"/> (a serialized transaction message) with pure Ed25519. Throws
    /// <see cref="SigningUnavailableException"/> when the holder cannot sign now: nothing was signed, asking again is safe.
    /// </summary>
    Task<byte[]> SignMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default);
}

/// <summary>The default <see cref="ISolanaKeySigner"/>: the keypair lives in this process.</summary>
public sealed class InProcessSolanaKeySigner(Keypair key) : ISolanaKeySigner
{
    /// <summary>The keypair itself (signers that hold it sign in place, without the sender's round trip).</summary>
    public Keypair Key { get; } = key ?? throw new ArgumentNullException(nameof(key));

    public PublicKey PublicKey => Key.PublicKey;

    public Task<byte[]> SignMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default) =>
        Task.FromResult(Key.Sign(message.Span));
}
