namespace Sharemint.Chains.Solana;

/// <summary>Stable kinds of Solana client errors; callers branch on these, never on message text.</summary>
public enum SolanaErrorKind
{
    /// <summary>A string is not valid base58 (or base64 where that is expected).</summary>
    InvalidEncoding,
    /// <summary>A key, signature or hash has the wrong number of bytes.</summary>
    InvalidLength,
    /// <summary>An address lies on the Ed25519 curve where a program-derived (off-curve) address is required, or no bump gives one.</summary>
    AddressOnCurve,
    /// <summary>Seeds for a program-derived address are too long or too many.</summary>
    InvalidSeeds,
    /// <summary>An amount does not fit the chain's integer type (u64) or is negative.</summary>
    AmountOutOfRange,
    /// <summary>A transaction or message is malformed, too large, or lacks a required signer.</summary>
    InvalidTransaction,
    /// <summary>A keypair file or secret key is malformed or inconsistent.</summary>
    InvalidKeypair,
    /// <summary>A mint or token account does not exist.</summary>
    AccountNotFound,
    /// <summary>An account exists but is not the expected kind (for example not a Token-2022 mint).</summary>
    InvalidAccountData,
    /// <summary>The token account is frozen.</summary>
    AccountFrozen,
    /// <summary>The mint is paused (Token-2022 pausable extension).</summary>
    MintPaused,
    /// <summary>The signer is not the authority the program expects (owner or authority mismatch, missing signature).</summary>
    WrongSigner,
    /// <summary>A token account holds fewer tokens than requested.</summary>
    InsufficientFunds,
    /// <summary>The fee payer cannot pay the fee or rent.</summary>
    InsufficientLamports,
    /// <summary>The transaction's blockhash is unknown or past its last valid block height.</summary>
    BlockhashExpired,
    /// <summary>The same transaction (signature) was already processed.</summary>
    AlreadyProcessed,
    /// <summary>The node rejected a signature as invalid.</summary>
    SignatureVerificationFailed,
    /// <summary>The transaction executed (or simulated) and failed with a program error not classified above.</summary>
    TransactionFailed,
    /// <summary>The RPC node answered with a JSON-RPC error not classified above.</summary>
    RpcError,
    /// <summary>The RPC node did not answer in time or could not be reached.</summary>
    RpcUnavailable,
    /// <summary>The write-ahead store holds a record that contradicts the request (same operation id, different intent).</summary>
    OperationConflict,
    /// <summary>No write-ahead record exists for the operation id asked about.</summary>
    UnknownOperation,
    /// <summary>Another writer (a second activation) recorded this operation first; this one must not sign or broadcast.</summary>
    ConcurrentWriter,
}

/// <summary>The one exception type of the Solana client. <see cref="Kind"/> is stable; the message is for people.</summary>
public class SolanaException : Exception
{
    /// <summary>Creates an error of the given kind.</summary>
    public SolanaException(SolanaErrorKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    /// <summary>What went wrong, stable across versions.</summary>
    public SolanaErrorKind Kind { get; }
}

/// <summary>
/// <see cref="SolanaErrorKind.RpcUnavailable"/> from the transport: no connection, no answer in time, an HTTP error status
/// (<see cref="HttpStatus"/>, with the provider's <see cref="RetryAfter"/> hint) or an answer that is not JSON-RPC.
/// </summary>
public sealed class SolanaTransportException : SolanaException
{
    /// <summary>Creates the error.</summary>
    public SolanaTransportException(string message, Exception? inner = null)
        : base(SolanaErrorKind.RpcUnavailable, message, inner)
    {
    }

    /// <summary>The HTTP status when the provider answered one that is not a JSON-RPC answer (429, 503 …); null otherwise.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>How long the provider asked to wait (Retry-After), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
