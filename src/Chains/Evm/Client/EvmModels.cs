namespace Sharemint.Chains.Evm;

/// <summary>One log entry. <see cref="Removed"/> is the node's flag for logs of a block that left the canonical chain.</summary>
public sealed record EvmLog(
    EvmAddress Address, IReadOnlyList<Hash32> Topics, byte[] Data, ulong BlockNumber, Hash32 BlockHash, Hash32 TransactionHash,
    ulong LogIndex, bool Removed);

/// <summary>A transaction receipt. <see cref="Succeeded"/> is false when the transaction reverted.</summary>
public sealed record EvmReceipt(
    Hash32 TransactionHash, ulong BlockNumber, Hash32 BlockHash, bool Succeeded, ulong GasUsed, UInt256 EffectiveGasPrice,
    EvmAddress From, EvmAddress? To, EvmAddress? ContractAddress, IReadOnlyList<EvmLog> Logs);

public sealed record EvmBlockHeader(ulong Number, Hash32 Hash, Hash32 ParentHash, ulong Timestamp, UInt256? BaseFeePerGas);

/// <summary>Fees to offer now: for EIP-1559 a max fee and priority fee, for legacy a gas price (in <see cref="MaxFeePerGas"/>).</summary>
public sealed record EvmFees(UInt256 MaxFeePerGas, UInt256 MaxPriorityFeePerGas);

/// <summary>Which logs to fetch: one contract address and optional topic filters per position (null = any).</summary>
public sealed record EvmLogFilter(EvmAddress Address, IReadOnlyList<Hash32?> Topics);

/// <summary>
/// Where a log scan stopped: the last block fully scanned and its hash at that time. If the hash at that height changes,
/// the chain reorganised under the cursor and the next scan reports it instead of moving on.
/// </summary>
public sealed record EvmLogCursor(ulong BlockNumber, Hash32 BlockHash);

/// <summary>
/// Result of one scan. When <see cref="ReorgDetected"/> is true, <see cref="Logs"/> is empty and <see cref="Cursor"/> is the
/// unchanged input cursor: rewind with <see cref="EvmClient.RewindCursorAsync"/> and scan again (consumers must be idempotent per log).
/// </summary>
public sealed record EvmLogScan(IReadOnlyList<EvmLog> Logs, EvmLogCursor? Cursor, bool ReorgDetected);
