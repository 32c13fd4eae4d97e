namespace Sharemint.Chains.Evm;

/// <summary>Stable error codes for everything the EVM client refuses or fails at. Never renumbered.</summary>
public enum EvmErrorCode
{
    InvalidHex = 1,
    InvalidAddress = 2,
    InvalidAddressChecksum = 3,
    Overflow = 4,
    InvalidRlp = 5,
    InvalidAbi = 6,
    InvalidSignature = 7,
    InvalidKey = 8,
    InvalidArgument = 9,

    RpcError = 20,
    RpcTimeout = 21,
    RpcConnectionFailed = 22,
    RpcMalformedResponse = 23,
    RpcHttpStatus = 24,
    ChainIdMismatch = 25,

    Reverted = 40,
    NonceAlreadyUsed = 41,
    TransactionNotFound = 42,
    ArtifactMissing = 43,
    ReceiptTimeout = 44,
    ReorgDetected = 45,
    SigningUnavailable = 46,
}

/// <summary>Base of every error raised by the EVM client. <see cref="Code"/> is stable and machine-readable.</summary>
public class EvmException : Exception
{
    public EvmException(EvmErrorCode code, string message, Exception? inner = null) : base(message, inner) => Code = code;

    public EvmErrorCode Code { get; }
}

/// <summary>The node answered a JSON-RPC error object; its code, message and data are kept verbatim.</summary>
public sealed class JsonRpcException : EvmException
{
    public JsonRpcException(string method, long nodeCode, string nodeMessage, string? nodeData)
        : base(EvmErrorCode.RpcError, $"{method}: node error {nodeCode}: {nodeMessage}")
    {
        Method = method;
        NodeCode = nodeCode;
        NodeMessage = nodeMessage;
        NodeData = nodeData;
    }

    public string Method { get; }
    public long NodeCode { get; }
    public string NodeMessage { get; }

    /// <summary>The raw JSON of the error's <c>data</c> member, if any (for reverts: the hex revert payload).</summary>
    public string? NodeData { get; }
}

/// <summary>
/// The request did not produce a usable JSON-RPC answer: timeout, connection refused or dropped, a non-2xx HTTP status,
/// or a body that is not JSON-RPC. <see cref="EvmException.Code"/> says which.
/// </summary>
public sealed class EvmRpcTransportException : EvmException
{
    public EvmRpcTransportException(EvmErrorCode code, string method, string message, Exception? inner = null)
        : base(code, $"{method}: {message}", inner) => Method = method;

    public string Method { get; }

    /// <summary>The HTTP status when the node answered with an error status (429, 503 …), else null.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>The node's Retry-After hint with a 429 or 503, else null.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

/// <summary>
/// A contract call or transaction reverted. <see cref="ErrorName"/> is the Solidity error name
/// (<c>Error</c> for <c>require</c> strings, <c>Panic</c> for panics, the custom error's name otherwise,
/// or <c>unknown</c> when the payload matched nothing known) and <see cref="Arguments"/> its decoded values.
/// </summary>
public class ContractRevertedException : EvmException
{
    public ContractRevertedException(string errorName, IReadOnlyList<object> arguments, byte[] rawData, string? transactionHash = null)
        : base(EvmErrorCode.Reverted, Describe(errorName, arguments, transactionHash))
    {
        ErrorName = errorName;
        Arguments = arguments;
        RawData = rawData;
        TransactionHash = transactionHash;
    }

    public string ErrorName { get; }
    public IReadOnlyList<object> Arguments { get; }
    public byte[] RawData { get; }

    /// <summary>Set when the revert happened in a mined transaction (status 0); null when refused at simulation.</summary>
    public string? TransactionHash { get; }

    /// <summary>For <c>Error(string)</c> reverts: the reason string.</summary>
    public string? Reason => ErrorName == "Error" && Arguments.Count == 1 ? Arguments[0] as string : null;

    private static string Describe(string name, IReadOnlyList<object> args, string? txHash) =>
        $"execution reverted: {name}({string.Join(", ", args.Select(FormatArgument))})" + (txHash is null ? "" : $" in {txHash}");

    private static string FormatArgument(object value) => value switch
    {
        byte[] bytes => EvmHex.Encode(bytes),
        string s => "\"" + s + "\"",
        _ => value.ToString() ?? "",
    };
}

/// <summary>The nonce was already used by another transaction of this sender, so this transaction can never land.</summary>
public sealed class EvmNonceConsumedException : EvmException
{
    public EvmNonceConsumedException(EvmAddress sender, ulong nonce, string detail)
        : base(EvmErrorCode.NonceAlreadyUsed, $"nonce {nonce} of {sender} is already used: {detail}")
    {
        Sender = sender;
        Nonce = nonce;
    }

    public EvmAddress Sender { get; }
    public ulong Nonce { get; }
}
