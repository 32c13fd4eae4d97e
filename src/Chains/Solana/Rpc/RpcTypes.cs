using System.Text.Json;

namespace Sharemint.Chains.Solana;

/// <summary>How settled a read or a status must be.</summary>
public enum Commitment
{
    /// <summary>Seen by the node, may be rolled back.</summary>
    Processed,
    /// <summary>Voted on by a supermajority.</summary>
    Confirmed,
    /// <summary>Rooted; will not be rolled back.</summary>
    Finalized,
}

/// <summary>A blockhash and the last block height at which a transaction using it can land.</summary>
public sealed record LatestBlockhash(string Blockhash, ulong LastValidBlockHeight, ulong ContextSlot);

/// <summary>An account as the node returns it.</summary>
public sealed record AccountInfo(ulong Lamports, PublicKey Owner, byte[] Data, bool Executable, ulong Space);

/// <summary>A token amount in base units with its decimals and the node's UI rendering (scaled by the multiplier where the mint has one).</summary>
public sealed record TokenAmount(ulong Amount, byte Decimals, string UiAmountString);

/// <summary>A token account found by owner.</summary>
public sealed record KeyedAccount(PublicKey Address, AccountInfo Account);

/// <summary>The status of a signature the node knows.</summary>
public sealed record SignatureStatus(ulong Slot, ulong? Confirmations, TransactionError? Error, Commitment? ConfirmationStatus)
{
    /// <summary>True when the status has reached <paramref name="commitment"/>.</summary>
    public bool Reached(Commitment commitment) => ConfirmationStatus is { } s && s >= commitment;
}

/// <summary>One entry of getSignaturesForAddress, newest first.</summary>
public sealed record SignatureInfo(string Signature, ulong Slot, TransactionError? Error, long? BlockTime, Commitment? ConfirmationStatus);

/// <summary>A token balance in a transaction's pre/post balances.</summary>
public sealed record TransactionTokenBalance(int AccountIndex, PublicKey Mint, PublicKey? Owner, ulong Amount, byte Decimals);

/// <summary>A landed transaction with its outcome.</summary>
public sealed record TransactionDetails(
    string Signature,
    ulong Slot,
    long? BlockTime,
    TransactionError? Error,
    ulong Fee,
    Transaction Transaction,
    IReadOnlyList<string> LogMessages,
    IReadOnlyList<TransactionTokenBalance> PreTokenBalances,
    IReadOnlyList<TransactionTokenBalance> PostTokenBalances,
    ulong? ComputeUnitsConsumed)
{
    /// <summary>Accounts a v0 message loaded through address lookup tables: writable ones, then read-only ones (meta.loadedAddresses).</summary>
    public IReadOnlyList<PublicKey> LoadedAddresses { get; init; } = [];

    /// <summary>Instructions run by programs (CPI), by the index of the top-level instruction that ran them (meta.innerInstructions).</summary>
    public IReadOnlyList<InnerInstructions> InnerInstructions { get; init; } = [];

    /// <summary>
    /// Every account the transaction addressed, in the order instruction and token-balance indexes use: the message's static
    /// keys, then lookup-table writable, then lookup-table read-only addresses.
    /// </summary>
    public IReadOnlyList<PublicKey> AllAccountKeys => [.. Transaction.Message.AccountKeys, .. LoadedAddresses];
}

/// <summary>The instructions a top-level instruction (at <paramref name="Index"/>) ran through cross-program invocation.</summary>
public sealed record InnerInstructions(int Index, IReadOnlyList<CompiledInstruction> Instructions);

/// <summary>The outcome of simulateTransaction.</summary>
public sealed record SimulationResult(TransactionError? Error, IReadOnlyList<string> Logs, ulong UnitsConsumed);

/// <summary>Options for sendTransaction.</summary>
public sealed record SendOptions(bool SkipPreflight = false, Commitment PreflightCommitment = Commitment.Confirmed, int? MaxRetries = null);

/// <summary>
/// A transaction error as the node reports it, e.g. "BlockhashNotFound" or
/// {"InstructionError":[1,{"Custom":17}]}; <see cref="Kind"/> classifies it.
/// </summary>
public sealed record TransactionError(string Name, int? InstructionIndex, string? InstructionError, uint? CustomCode, string Json)
{
    /// <summary>Token program custom error: the account is frozen.</summary>
    public const uint TokenAccountFrozen = 17;

    /// <summary>Token program custom error: owner or authority mismatch.</summary>
    public const uint TokenOwnerMismatch = 4;

    /// <summary>Token program custom error: insufficient funds.</summary>
    public const uint TokenInsufficientFunds = 1;

    /// <summary>Token program custom error: decimals mismatch.</summary>
    public const uint TokenMintDecimalsMismatch = 18;

    /// <summary>Token-2022 custom error: the mint is paused.</summary>
    public const uint TokenMintPaused = 67;

    /// <summary>The stable kind of this error.</summary>
    public SolanaErrorKind Kind => Name switch
    {
        "BlockhashNotFound" => SolanaErrorKind.BlockhashExpired,
        "AlreadyProcessed" => SolanaErrorKind.AlreadyProcessed,
        "SignatureFailure" => SolanaErrorKind.SignatureVerificationFailed,
        "AccountNotFound" or "InsufficientFundsForFee" or "InsufficientFundsForRent" => SolanaErrorKind.InsufficientLamports,
        "InstructionError" => CustomCode switch
        {
            TokenAccountFrozen => SolanaErrorKind.AccountFrozen,
            TokenMintPaused => SolanaErrorKind.MintPaused,
            TokenOwnerMismatch => SolanaErrorKind.WrongSigner,
            TokenInsufficientFunds => SolanaErrorKind.InsufficientFunds,
            null when InstructionError is "MissingRequiredSignature" => SolanaErrorKind.WrongSigner,
            null when InstructionError is "UninitializedAccount" or "InvalidAccountOwner" or "IncorrectProgramId" => SolanaErrorKind.AccountNotFound,
            _ => SolanaErrorKind.TransactionFailed,
        },
        _ => SolanaErrorKind.TransactionFailed,
    };

    /// <summary>Parses the node's JSON form; null for JSON null.</summary>
    public static TransactionError? Parse(JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return null;
            case JsonValueKind.String:
                return new TransactionError(e.GetString()!, null, null, null, e.GetRawText());
            case JsonValueKind.Object:
                var prop = e.EnumerateObject().First();
                if (prop.Name == "InstructionError" && prop.Value.ValueKind == JsonValueKind.Array && prop.Value.GetArrayLength() == 2)
                {
                    var index = prop.Value[0].GetInt32();
                    var inner = prop.Value[1];
                    if (inner.ValueKind == JsonValueKind.String)
                    {
                        return new TransactionError(prop.Name, index, inner.GetString(), null, e.GetRawText());
                    }
                    var innerProp = inner.EnumerateObject().First();
                    uint? custom = innerProp.Name == "Custom" ? innerProp.Value.GetUInt32() : null;
                    return new TransactionError(prop.Name, index, innerProp.Name, custom, e.GetRawText());
                }
                return new TransactionError(prop.Name, null, null, null, e.GetRawText());
            default:
                return new TransactionError(e.GetRawText(), null, null, null, e.GetRawText());
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Json;
}

/// <summary>A JSON-RPC error from the node, with its code, message and data kept verbatim.</summary>
public sealed class SolanaRpcException : SolanaException
{
    /// <summary>Creates the error.</summary>
    public SolanaRpcException(SolanaErrorKind kind, int code, string rpcMessage, string? dataJson, TransactionError? transactionError, IReadOnlyList<string> logs)
        : base(kind, $"RPC error {code}: {rpcMessage}")
    {
        Code = code;
        RpcMessage = rpcMessage;
        DataJson = dataJson;
        TransactionError = transactionError;
        Logs = logs;
    }

    /// <summary>The JSON-RPC error code (e.g. -32002 preflight failure, -32003 signature verification failure, -32602 invalid params).</summary>
    public int Code { get; }

    /// <summary>The node's message.</summary>
    public string RpcMessage { get; }

    /// <summary>The error's data member as raw JSON, if any.</summary>
    public string? DataJson { get; }

    /// <summary>The transaction error of a failed preflight simulation, if any.</summary>
    public TransactionError? TransactionError { get; }

    /// <summary>Program logs of a failed preflight simulation.</summary>
    public IReadOnlyList<string> Logs { get; }
}

/// <summary>One slot's entry of getRecentPrioritizationFees: the lowest fee in micro-lamports per compute unit paid there.</summary>
public sealed record PrioritizationFee(ulong Slot, ulong MicroLamportsPerUnit);
