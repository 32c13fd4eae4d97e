namespace Sharemint.Chains.Tron;

/// <summary>Stable error codes for everything the Tron client refuses or fails at. Never renumbered.</summary>
public enum TronErrorCode
{
    InvalidAddress = 1,
    InvalidAddressChecksum = 2,
    InvalidAddressPrefix = 3,
    InvalidArgument = 4,
    InvalidTransaction = 5,

    HttpStatus = 20,
    Timeout = 21,
    ConnectionFailed = 22,
    MalformedResponse = 23,
    NodeError = 24,

    /// <summary>The node refused a broadcast (its code, e.g. SIGERROR, TAPOS_ERROR, is in <see cref="TronBroadcastRefusedException.NodeCode"/>).</summary>
    BroadcastRefused = 40,
    TransactionExpired = 41,
    DuplicateTransaction = 42,
    Reverted = 43,
    OutOfEnergy = 44,
    ConfirmationTimeout = 45,
    ContractNotFound = 46,
    InsufficientBalance = 47,
}

/// <summary>Base of every error raised by the Tron client. <see cref="Code"/> is stable and machine-readable.</summary>
public class TronException : Exception
{
    public TronException(TronErrorCode code, string message, Exception? inner = null) : base(message, inner) => Code = code;

    public TronErrorCode Code { get; }
}

/// <summary>The node refused a broadcast; <see cref="NodeCode"/> is the node's own code (SIGERROR, TAPOS_ERROR, DUP_TRANSACTION_ERROR …).</summary>
public sealed class TronBroadcastRefusedException : TronException
{
    public TronBroadcastRefusedException(string txId, string nodeCode, string nodeMessage)
        : base(nodeCode switch
        {
            "TRANSACTION_EXPIRATION_ERROR" => TronErrorCode.TransactionExpired,
            "DUP_TRANSACTION_ERROR" => TronErrorCode.DuplicateTransaction,
            _ => TronErrorCode.BroadcastRefused,
        }, $"the node refused {txId}: {nodeCode}: {nodeMessage}")
    {
        TxId = txId;
        NodeCode = nodeCode;
        NodeMessage = nodeMessage;
    }

    public string TxId { get; }
    public string NodeCode { get; }
    public string NodeMessage { get; }
}

/// <summary>A transaction landed in a block but failed (REVERT, OUT_OF_ENERGY …); <see cref="RevertData"/> holds what the contract returned.</summary>
public sealed class TronTransactionFailedException : TronException
{
    public TronTransactionFailedException(string txId, string result, byte[] revertData, Exception? decoded = null)
        : base(result == "OUT_OF_ENERGY" ? TronErrorCode.OutOfEnergy : TronErrorCode.Reverted,
            $"{txId} failed on chain: {result}{(decoded is null ? "" : $" ({decoded.Message})")}", decoded)
    {
        TxId = txId;
        Result = result;
        RevertData = revertData;
    }

    public string TxId { get; }
    public string Result { get; }
    public byte[] RevertData { get; }
}
