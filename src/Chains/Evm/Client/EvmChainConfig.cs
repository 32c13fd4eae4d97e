namespace Sharemint.Chains.Evm;

/// <summary>How transactions on a chain pay for gas.</summary>
public enum EvmFeeModel
{
    /// <summary>Type-2 transactions with base fee and priority fee (Ethereum, Base, Mantle).</summary>
    Eip1559 = 1,

    /// <summary>EIP-155 legacy transactions with a single gas price (chains or nodes without EIP-1559).</summary>
    Legacy = 2,
}

/// <summary>
/// One EVM chain as the platform sees it. The same client serves Ethereum, BNB Chain, Mantle and Base by this configuration.
/// </summary>
/// <param name="Name">Human name for logs and errors ("base", "bnb").</param>
/// <param name="ChainId">EIP-155 chain id; the client refuses a node that reports another.</param>
/// <param name="RpcUrl">JSON-RPC endpoint.</param>
/// <param name="ConfirmationsDepth">Blocks (the including one counted) after which a block is treated as final; at least 1.</param>
/// <param name="FeeModel">Which transaction type the signer produces.</param>
public sealed record EvmChainConfig(string Name, ulong ChainId, Uri RpcUrl, int ConfirmationsDepth, EvmFeeModel FeeModel)
{
    /// <summary>
    /// When true, a block is final once the node's <c>finalized</c> block tag reaches it (Ethereum and the chains that
    /// implement the tag); <see cref="ConfirmationsDepth"/> then only sizes the rewind after a reorg.
    /// </summary>
    public bool UseFinalizedTag { get; init; }

    /// <summary>Most block headers asked for in one JSON-RPC batch; halved for the client's life when a provider refuses a batch.</summary>
    public int MaxHeaderBatch { get; init; } = 100;

    /// <summary>Largest block span of one eth_getLogs request when scanning.</summary>
    public ulong MaxLogBlockRange { get; init; } = 2_000;

    /// <summary>Most blocks one <see cref="EvmClient.ScanLogsAsync"/> call covers; the returned cursor lets the caller continue.</summary>
    public ulong MaxScanBlocks { get; init; } = 100_000;

    /// <summary>Priority fee used when the node cannot suggest one.</summary>
    public UInt256 DefaultPriorityFeePerGas { get; init; } = new(1_000_000_000UL);

    public JsonRpcClientOptions Rpc { get; init; } = new();

    /// <summary>Throws InvalidArgument for a configuration that cannot work.</summary>
    public void Validate()
    {
        if (ChainId == 0) throw new EvmException(EvmErrorCode.InvalidArgument, "chain id must be positive");
        if (ConfirmationsDepth < 1) throw new EvmException(EvmErrorCode.InvalidArgument, "confirmations depth must be at least 1");
        if (MaxScanBlocks == 0) throw new EvmException(EvmErrorCode.InvalidArgument, "scan block limit must be positive");
        if (MaxHeaderBatch < 1) throw new EvmException(EvmErrorCode.InvalidArgument, "header batch must hold at least one block");
        if (MaxLogBlockRange == 0) throw new EvmException(EvmErrorCode.InvalidArgument, "log block range must be positive");
        if (!Enum.IsDefined(FeeModel)) throw new EvmException(EvmErrorCode.InvalidArgument, $"unknown fee model {FeeModel}");
        if (RpcUrl is null || !RpcUrl.IsAbsoluteUri || (RpcUrl.Scheme != Uri.UriSchemeHttp && RpcUrl.Scheme != Uri.UriSchemeHttps))
            throw new EvmException(EvmErrorCode.InvalidArgument, "RPC URL must be an absolute http(s) URL");
    }
}
