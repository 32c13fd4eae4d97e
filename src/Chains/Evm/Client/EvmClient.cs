using System.Text.Json;

namespace Sharemint.Chains.Evm;

/// <summary>
/// Reads from and broadcasts to one EVM chain. Knows nothing of keys or nonces (see <see cref="EvmTransactionSender"/>).
/// Reverts of calls and gas estimates surface as <see cref="ContractRevertedException"/> decoded by the given
/// <see cref="IRevertDecoder"/>; other node errors as <see cref="JsonRpcException"/>; transport failures as
/// <see cref="EvmRpcTransportException"/>; answers that do not parse as <see cref="EvmErrorCode.RpcMalformedResponse"/>.
/// </summary>
public sealed class EvmClient : IDisposable
{
    private static readonly ContractAbi NoAbi = ContractAbi.Parse("[]");
    private readonly bool _ownsRpc;

    public EvmClient(EvmChainConfig config, JsonRpcClient? rpc = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _ownsRpc = rpc is null;
        Rpc = rpc ?? new JsonRpcClient(config.RpcUrl, config.Rpc);
    }

    public EvmChainConfig Config { get; }
    public JsonRpcClient Rpc { get; }

    /// <summary>Checks that the node serves <see cref="EvmChainConfig.ChainId"/>; throws ChainIdMismatch otherwise.</summary>
    public async Task VerifyChainIdAsync(CancellationToken cancellationToken = default)
    {
        var actual = await GetChainIdAsync(cancellationToken);
        if (actual != Config.ChainId)
            throw new EvmException(EvmErrorCode.ChainIdMismatch, $"{Config.Name}: node at {Config.RpcUrl} serves chain {actual}, configured {Config.ChainId}");
    }

    public async Task<ulong> GetChainIdAsync(CancellationToken cancellationToken = default) =>
        Quantity64(await CallAsync("eth_chainId", [], cancellationToken), "eth_chainId");

    public async Task<ulong> GetBlockNumberAsync(CancellationToken cancellationToken = default) =>
        Quantity64(await CallAsync("eth_blockNumber", [], cancellationToken), "eth_blockNumber");

    public async Task<UInt256> GetBalanceAsync(EvmAddress account, string block = "latest", CancellationToken cancellationToken = default) =>
        Quantity(await CallAsync("eth_getBalance", [account.ToString(), block], cancellationToken), "eth_getBalance");

    /// <summary>The account's nonce: transactions mined (<c>latest</c>) or including the node's pool (<c>pending</c>).</summary>
    public async Task<ulong> GetTransactionCountAsync(EvmAddress account, string block = "latest", CancellationToken cancellationToken = default) =>
        Quantity64(await CallAsync("eth_getTransactionCount", [account.ToString(), block], cancellationToken), "eth_getTransactionCount");

    /// <summary>A block header by number, or null if the chain is not that long.</summary>
    public async Task<EvmBlockHeader?> GetBlockAsync(ulong number, CancellationToken cancellationToken = default) =>
        ParseBlock(await CallAsync("eth_getBlockByNumber", [EvmHex.EncodeQuantity(number), false], cancellationToken));

    /// <summary>
    /// The newest final block's number: the node's <c>finalized</c> tag when <see cref="EvmChainConfig.UseFinalizedTag"/>,
    /// else head − depth + 1; null when no block is final yet.
    /// </summary>
    public async Task<ulong?> GetFinalBlockNumberAsync(CancellationToken cancellationToken = default)
    {
        if (Config.UseFinalizedTag)
        {
            var finalized = ParseBlock(await CallAsync("eth_getBlockByNumber", ["finalized", false], cancellationToken));
            return finalized?.Number;
        }
        var head = await GetBlockNumberAsync(cancellationToken);
        var depth = (ulong)Config.ConfirmationsDepth;
        return head + 1 < depth ? null : head + 1 - depth;
    }

    public async Task<EvmBlockHeader> GetLatestBlockAsync(CancellationToken cancellationToken = default) =>
        ParseBlock(await CallAsync("eth_getBlockByNumber", ["latest", false], cancellationToken))
        ?? throw Malformed("eth_getBlockByNumber", "node has no latest block");

    /// <summary>eth_call; a revert throws <see cref="ContractRevertedException"/> decoded by <paramref name="revertDecoder"/>.</summary>
    public async Task<byte[]> CallContractAsync(EvmAddress to, byte[] data, EvmAddress? from = null, string block = "latest",
        IRevertDecoder? revertDecoder = null, CancellationToken cancellationToken = default)
    {
        var call = new Dictionary<string, object?> { ["to"] = to.ToString(), ["data"] = EvmHex.Encode(data) };
        if (from is { } f) call["from"] = f.ToString();
        var result = await CallWithRevertAsync("eth_call", [call, block], revertDecoder, cancellationToken);
        return Bytes(result, "eth_call");
    }

    /// <summary>Gas the node estimates for a call; a revert throws <see cref="ContractRevertedException"/> and nothing is sent.</summary>
    public async Task<ulong> EstimateGasAsync(EvmAddress from, EvmAddress? to, byte[] data, UInt256 value, IRevertDecoder? revertDecoder = null,
        CancellationToken cancellationToken = default)
    {
        var call = new Dictionary<string, object?> { ["from"] = from.ToString(), ["data"] = EvmHex.Encode(data) };
        if (to is { } t) call["to"] = t.ToString();
        if (!value.IsZero) call["value"] = EvmHex.EncodeQuantity(value.Value);
        return Quantity64(await CallWithRevertAsync("eth_estimateGas", [call], revertDecoder, cancellationToken), "eth_estimateGas");
    }

    /// <summary>Fees to offer now according to <see cref="EvmChainConfig.FeeModel"/>.</summary>
    public async Task<EvmFees> GetFeesAsync(CancellationToken cancellationToken = default)
    {
        if (Config.FeeModel == EvmFeeModel.Legacy)
        {
            var gasPrice = Quantity(await CallAsync("eth_gasPrice", [], cancellationToken), "eth_gasPrice");
            return new EvmFees(gasPrice, gasPrice);
        }
        var latest = await GetLatestBlockAsync(cancellationToken);
        var baseFee = latest.BaseFeePerGas ?? throw new EvmException(EvmErrorCode.InvalidArgument,
            $"{Config.Name}: the chain has no base fee; configure {nameof(EvmFeeModel)}.{nameof(EvmFeeModel.Legacy)}");
        UInt256 priority;
        try
        {
            priority = Quantity(await CallAsync("eth_maxPriorityFeePerGas", [], cancellationToken), "eth_maxPriorityFeePerGas");
        }
        catch (JsonRpcException)
        {
            priority = Config.DefaultPriorityFeePerGas;
        }
        // Twice the base fee leaves room for six full blocks of base-fee growth before the transaction is priced out.
        return new EvmFees(baseFee * new UInt256(2) + priority, priority);
    }

    /// <summary>Broadcasts signed bytes and returns the hash the node reports. Not retried here (see the sender).</summary>
    public async Task<Hash32> SendRawTransactionAsync(byte[] raw, CancellationToken cancellationToken = default) =>
        Hash(await CallAsync("eth_sendRawTransaction", [EvmHex.Encode(raw)], cancellationToken), "eth_sendRawTransaction");

    /// <summary>The receipt, or null while the transaction is not mined (or unknown).</summary>
    public async Task<EvmReceipt?> GetReceiptAsync(Hash32 transactionHash, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync("eth_getTransactionReceipt", [transactionHash.ToString()], cancellationToken);
        return result.ValueKind == JsonValueKind.Null ? null : ParseReceipt(result);
    }

    /// <summary>Whether the node knows the transaction at all (mined or in its pool).</summary>
    public async Task<bool> IsTransactionKnownAsync(Hash32 transactionHash, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync("eth_getTransactionByHash", [transactionHash.ToString()], cancellationToken);
        return result.ValueKind != JsonValueKind.Null;
    }

    /// <summary>Logs of one contract in [fromBlock, toBlock] (one request; use <see cref="ScanLogsAsync"/> for paging).</summary>
    public async Task<IReadOnlyList<EvmLog>> GetLogsAsync(EvmLogFilter filter, ulong fromBlock, ulong toBlock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (toBlock < fromBlock) throw new EvmException(EvmErrorCode.InvalidArgument, $"toBlock {toBlock} is before fromBlock {fromBlock}");
        var query = new Dictionary<string, object?>
        {
            ["address"] = filter.Address.ToString(),
            ["fromBlock"] = EvmHex.EncodeQuantity(fromBlock),
            ["toBlock"] = EvmHex.EncodeQuantity(toBlock),
            ["topics"] = filter.Topics.Select(t => t?.ToString()).ToList(),
        };
        var result = await CallAsync("eth_getLogs", [query], cancellationToken);
        if (result.ValueKind != JsonValueKind.Array) throw Malformed("eth_getLogs", "result is not an array");
        return result.EnumerateArray().Select(ParseLog).ToList();
    }

    private long _logRangeShrinks;
    private long _headerBatchShrinks;
    private int _headerBatch;

    /// <summary>Times a scan halved its eth_getLogs range because the provider refused it (for tests and metrics).</summary>
    public long LogRangeShrinks => Interlocked.Read(ref _logRangeShrinks);

    /// <summary>Times a header batch was refused as a whole and halved since this client was made.</summary>
    public long HeaderBatchShrinks => Interlocked.Read(ref _headerBatchShrinks);

    /// <summary>
    /// Scans logs after <paramref name="cursor"/> (or from <paramref name="firstBlock"/> when null) up to the newest final block
    /// (head − depth + 1), at most <see cref="EvmChainConfig.MaxScanBlocks"/> blocks per call, in pages of
    /// <see cref="EvmChainConfig.MaxLogBlockRange"/> blocks. If the block under the cursor changed
    /// hash, or a block changed during the scan, returns <see cref="EvmLogScan.ReorgDetected"/> and no logs.
    /// </summary>
    public async Task<EvmLogScan> ScanLogsAsync(EvmLogFilter filter, EvmLogCursor? cursor, ulong firstBlock = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (await GetFinalBlockNumberAsync(cancellationToken) is not { } finalHead) return new EvmLogScan([], cursor, false);
        ulong from;
        if (cursor is not null)
        {
            var under = await GetBlockAsync(cursor.BlockNumber, cancellationToken);
            if (under is null || under.Hash != cursor.BlockHash) return new EvmLogScan([], cursor, true);
            from = cursor.BlockNumber + 1;
        }
        else
        {
            from = firstBlock;
        }
        if (from > finalHead) return new EvmLogScan([], cursor, false);
        if (finalHead - from >= Config.MaxScanBlocks) finalHead = from + Config.MaxScanBlocks - 1;

        var logs = new List<EvmLog>();
        var span = Config.MaxLogBlockRange;
        for (var start = from; start <= finalHead;)
        {
            var end = Math.Min(finalHead, start + span - 1);
            try
            {
                logs.AddRange(await GetLogsAsync(filter, start, end, cancellationToken));
                start = end + 1;
            }
            catch (JsonRpcException) when (end > start)
            {
                // Providers refuse wide ranges (too many blocks or results) with a node error: halve the span and ask again;
                // later pages of this scan keep the smaller span. A single block that is still refused is a real error.
                span = Math.Max(1, (end - start + 1) / 2);
                Interlocked.Increment(ref _logRangeShrinks);
            }
        }

        // Every block that produced a log, and the end block, must still be canonical; otherwise the chain moved under us.
        var heights = logs.Select(l => l.BlockNumber).Append(finalHead).Distinct().ToList();
        var headers = await GetBlocksAsync(heights, cancellationToken);
        var hashByHeight = headers.ToDictionary(h => h.Number, h => h.Hash);
        if (logs.Any(l => l.Removed || !hashByHeight.TryGetValue(l.BlockNumber, out var h) || h != l.BlockHash) || !hashByHeight.TryGetValue(finalHead, out var endHash))
            return new EvmLogScan([], cursor, true);
        return new EvmLogScan(logs, new EvmLogCursor(finalHead, endHash), false);
    }

    /// <summary>A cursor <paramref name="blocks"/> below <paramref name="cursor"/> on the current canonical chain (for re-scanning after a reorg).</summary>
    public async Task<EvmLogCursor> RewindCursorAsync(EvmLogCursor cursor, ulong blocks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var height = cursor.BlockNumber > blocks ? cursor.BlockNumber - blocks : 0;
        var header = await GetBlockAsync(height, cancellationToken) ?? throw Malformed("eth_getBlockByNumber", $"block {height} missing");
        return new EvmLogCursor(header.Number, header.Hash);
    }

    /// <summary>Blocks on top of and including the receipt's block; 0 if that block is no longer canonical (reorged out).</summary>
    public async Task<ulong> GetConfirmationsAsync(EvmReceipt receipt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        var responses = await Rpc.BatchAsync(
        [
            new JsonRpcRequest("eth_blockNumber"),
            new JsonRpcRequest("eth_getBlockByNumber", EvmHex.EncodeQuantity(receipt.BlockNumber), false),
        ], cancellationToken);
        var head = Quantity64(responses[0].GetResultOrThrow(), "eth_blockNumber");
        var block = ParseBlock(responses[1].GetResultOrThrow());
        if (block is null || block.Hash != receipt.BlockHash || head < receipt.BlockNumber) return 0;
        return head - receipt.BlockNumber + 1;
    }

    /// <summary>
    /// True when the receipt's block is canonical and final: at or below the <c>finalized</c> tag when
    /// <see cref="EvmChainConfig.UseFinalizedTag"/>, else at least <see cref="EvmChainConfig.ConfirmationsDepth"/> deep.
    /// </summary>
    public async Task<bool> IsFinalAsync(EvmReceipt receipt, CancellationToken cancellationToken = default)
    {
        var confirmations = await GetConfirmationsAsync(receipt, cancellationToken);
        if (!Config.UseFinalizedTag)
        {
            return confirmations >= (ulong)Config.ConfirmationsDepth;
        }
        return confirmations > 0 && await GetFinalBlockNumberAsync(cancellationToken) is { } finalized && receipt.BlockNumber <= finalized;
    }

    private async Task<IReadOnlyList<EvmBlockHeader>> GetBlocksAsync(IReadOnlyList<ulong> heights, CancellationToken cancellationToken)
    {
        var headers = new List<EvmBlockHeader>(heights.Count);
        for (var start = 0; start < heights.Count;)
        {
            var size = Math.Max(1, Volatile.Read(ref _headerBatch) is > 0 and var known ? known : Config.MaxHeaderBatch);
            var chunk = heights.Skip(start).Take(size).ToList();
            var responses = await Rpc.BatchAsync(
                chunk.Select(h => new JsonRpcRequest("eth_getBlockByNumber", EvmHex.EncodeQuantity(h), false)).ToList(), cancellationToken);
            if (chunk.Count > 1 && responses.All(r => r.Error is not null))
            {
                // Every call refused alike (providers cap batch sizes, answering one error for the batch): halve the batch
                // for this client from now on and ask again. A single header that is refused is a real error.
                Volatile.Write(ref _headerBatch, Math.Max(1, chunk.Count / 2));
                Interlocked.Increment(ref _headerBatchShrinks);
                continue;
            }
            headers.AddRange(responses.Select(r => ParseBlock(r.GetResultOrThrow())).OfType<EvmBlockHeader>());
            start += chunk.Count;
        }
        return headers;
    }

    private Task<JsonElement> CallAsync(string method, object?[] parameters, CancellationToken cancellationToken) =>
        Rpc.CallAsync(method, parameters, cancellationToken);

    private async Task<JsonElement> CallWithRevertAsync(string method, object?[] parameters, IRevertDecoder? decoder, CancellationToken cancellationToken)
    {
        try
        {
            return await Rpc.CallAsync(method, parameters, cancellationToken);
        }
        catch (JsonRpcException e) when (TryGetRevertData(e, out var data))
        {
            throw (decoder ?? NoAbi).Decode(data, null);
        }
    }

    /// <summary>Recognises a node's "execution reverted" error and extracts its revert payload (possibly empty).</summary>
    public static bool TryGetRevertData(JsonRpcException error, out byte[] data)
    {
        ArgumentNullException.ThrowIfNull(error);
        data = [];
        var isRevert = error.NodeCode == 3 || error.NodeMessage.StartsWith("execution reverted", StringComparison.OrdinalIgnoreCase);
        if (!isRevert) return false;
        var raw = error.NodeData;
        if (raw is not null && raw.StartsWith('{'))
        {
            using var document = JsonDocument.Parse(raw);
            raw = document.RootElement.TryGetProperty("data", out var inner) && inner.ValueKind == JsonValueKind.String ? inner.GetString() : null;
        }
        if (raw is not null && raw.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                data = EvmHex.Decode(raw);
            }
            catch (EvmException)
            {
                data = [];
            }
        }
        return true;
    }

    // ----------------------------------------------------------------- parsing (node answers are untrusted input)

    private static EvmException Malformed(string method, string detail) =>
        new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, method, detail);

    private static string Text(JsonElement element, string what) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : throw Malformed(what, $"expected a string, got {element.ValueKind}");

    private static UInt256 Quantity(JsonElement element, string what)
    {
        try
        {
            return new UInt256(EvmHex.DecodeQuantity(Text(element, what)));
        }
        catch (EvmException e) when (e is not EvmRpcTransportException)
        {
            throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, what, $"bad quantity: {e.Message}", e);
        }
    }

    private static ulong Quantity64(JsonElement element, string what)
    {
        var value = Quantity(element, what);
        return value.Value <= ulong.MaxValue ? value.ToUInt64() : throw Malformed(what, "quantity does not fit 64 bits");
    }

    private static byte[] Bytes(JsonElement element, string what)
    {
        try
        {
            return EvmHex.Decode(Text(element, what));
        }
        catch (EvmException e) when (e is not EvmRpcTransportException)
        {
            throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, what, $"bad hex: {e.Message}", e);
        }
    }

    private static Hash32 Hash(JsonElement element, string what)
    {
        var bytes = Bytes(element, what);
        return bytes.Length == 32 ? new Hash32(bytes) : throw Malformed(what, "hash is not 32 bytes");
    }

    private static EvmAddress Address(JsonElement element, string what)
    {
        var bytes = Bytes(element, what);
        return bytes.Length == 20 ? new EvmAddress(bytes) : throw Malformed(what, "address is not 20 bytes");
    }

    private static JsonElement Field(JsonElement obj, string name, string what) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) ? value : throw Malformed(what, $"missing field '{name}'");

    private static EvmBlockHeader? ParseBlock(JsonElement block)
    {
        const string what = "eth_getBlockByNumber";
        if (block.ValueKind == JsonValueKind.Null) return null;
        UInt256? baseFee = block.ValueKind == JsonValueKind.Object && block.TryGetProperty("baseFeePerGas", out var fee) && fee.ValueKind == JsonValueKind.String
            ? Quantity(fee, what)
            : null;
        return new EvmBlockHeader(
            Quantity64(Field(block, "number", what), what), Hash(Field(block, "hash", what), what), Hash(Field(block, "parentHash", what), what),
            Quantity64(Field(block, "timestamp", what), what), baseFee);
    }

    private static EvmLog ParseLog(JsonElement log)
    {
        const string what = "log";
        var topics = Field(log, "topics", what);
        if (topics.ValueKind != JsonValueKind.Array) throw Malformed(what, "topics is not an array");
        return new EvmLog(
            Address(Field(log, "address", what), what),
            topics.EnumerateArray().Select(t => Hash(t, what)).ToList(),
            Bytes(Field(log, "data", what), what),
            Quantity64(Field(log, "blockNumber", what), what),
            Hash(Field(log, "blockHash", what), what),
            Hash(Field(log, "transactionHash", what), what),
            Quantity64(Field(log, "logIndex", what), what),
            log.TryGetProperty("removed", out var removed) && removed.ValueKind == JsonValueKind.True);
    }

    internal static EvmReceipt ParseReceipt(JsonElement receipt)
    {
        const string what = "eth_getTransactionReceipt";
        var to = Field(receipt, "to", what);
        var contract = receipt.TryGetProperty("contractAddress", out var c) ? c : default;
        var logs = Field(receipt, "logs", what);
        if (logs.ValueKind != JsonValueKind.Array) throw Malformed(what, "logs is not an array");
        return new EvmReceipt(
            Hash(Field(receipt, "transactionHash", what), what),
            Quantity64(Field(receipt, "blockNumber", what), what),
            Hash(Field(receipt, "blockHash", what), what),
            Quantity(Field(receipt, "status", what), what) == UInt256.One,
            Quantity64(Field(receipt, "gasUsed", what), what),
            receipt.TryGetProperty("effectiveGasPrice", out var price) ? Quantity(price, what) : UInt256.Zero,
            Address(Field(receipt, "from", what), what),
            to.ValueKind == JsonValueKind.Null ? null : Address(to, what),
            contract.ValueKind == JsonValueKind.String ? Address(contract, what) : null,
            logs.EnumerateArray().Select(ParseLog).ToList());
    }

    public void Dispose()
    {
        if (_ownsRpc) Rpc.Dispose();
    }
}
