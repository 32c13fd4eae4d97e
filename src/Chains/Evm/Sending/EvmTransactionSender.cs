namespace Sharemint.Chains.Evm;

/// <summary>What to send. <see cref="To"/> null deploys a contract with <see cref="Data"/> as init code.</summary>
public sealed record EvmTransactionRequest(EvmAddress? To, byte[] Data, UInt256 Value = default, ulong? GasLimit = null)
{
    /// <summary>Decodes reverts of this call (usually the contract's <see cref="ContractAbi"/>); null decodes only Error/Panic.</summary>
    public IRevertDecoder? RevertDecoder { get; init; }
}

public sealed record EvmSenderOptions
{
    /// <summary>How often <see cref="EvmTransactionSender.WaitAsync"/> polls for a receipt.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A transaction still unmined this long after signing is replaced with a higher fee on the same nonce.</summary>
    public TimeSpan StuckAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest wait for a receipt before <see cref="EvmErrorCode.ReceiptTimeout"/>.</summary>
    public TimeSpan ReceiptTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Fee increase of a replacement over the previous attempt (nodes require at least 10%).</summary>
    public int FeeBumpPercent { get; init; } = 25;

    /// <summary>Gas limit as a percentage of the node's estimate.</summary>
    public int GasLimitPercent { get; init; } = 125;

    /// <summary>Upper bound for the fee cap of replacements; a replacement that would need more is not signed. Null: no bound.</summary>
    public UInt256? MaxFeePerGasCap { get; init; }

    /// <summary>
    /// Most same-nonce fee replacements of one write; after that the last attempt stays as it is (pending, and an alert
    /// on stuck writes says so) instead of raising the fee without end on a chain that stays congested.
    /// </summary>
    public int MaxReplacements { get; init; } = 10;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

public enum EvmSendState
{
    /// <summary>Broadcast and waiting to be mined.</summary>
    Pending,

    /// <summary>One attempt is mined (successfully or reverted); see the receipt.</summary>
    Landed,

    /// <summary>The latest attempt could not land (dropped, stuck, or its nonce consumed) and a new attempt was signed, persisted and broadcast.</summary>
    Replaced,
}

/// <summary>Where an operation stands. <see cref="Current"/> is the latest attempt, or the one that landed.</summary>
public sealed record EvmSendProgress(EvmSendState State, SignedEvmTransaction Current, EvmReceipt? Receipt);

/// <summary>
/// Sends transactions from one account on one chain, exactly once per operation key:
/// <list type="bullet">
/// <item>nonces are allocated in order, one signing at a time, so concurrent operations land with consecutive nonces;</item>
/// <item>each signed attempt is saved to the <see cref="ISignedTransactionStore"/> before it is broadcast;</item>
/// <item>submitting an operation key that already has an attempt rebroadcasts the same bytes instead of signing again;</item>
/// <item>an attempt the node dropped or that is stuck past <see cref="EvmSenderOptions.StuckAfter"/> is replaced with a higher fee on the
/// same nonce; only when the nonce is provably consumed by another transaction is a new nonce used.</item>
/// </list>
/// Calls that would revert are refused before signing (<see cref="ContractRevertedException"/>), and nothing is saved or sent.
/// One instance per (chain, account) per process; the platform's chain signer grain plays that role in the cluster.
/// </summary>
public sealed class EvmTransactionSender
{
    private readonly EvmClient _client;
    private readonly IEvmKeySigner _signer;
    private readonly ISignedTransactionStore _store;
    private readonly SemaphoreSlim _signing = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Key, ulong Nonce), ulong> _nonceConsumedSeenAt = new();
    private ulong? _nextNonce;

    public EvmTransactionSender(EvmClient client, EvmPrivateKey key, ISignedTransactionStore store, EvmSenderOptions? options = null)
        : this(client, new InProcessEvmKeySigner(key), store, options)
    {
    }

    /// <summary>A sender whose key is held behind <paramref name="signer"/> (an in-process key, a KMS, an HSM).</summary>
    public EvmTransactionSender(EvmClient client, IEvmKeySigner signer, ISignedTransactionStore store, EvmSenderOptions? options = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _signer = signer ?? throw new ArgumentNullException(nameof(signer));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        Options = options ?? new EvmSenderOptions();
        if (Options.FeeBumpPercent < 10) throw new EvmException(EvmErrorCode.InvalidArgument, "fee bump must be at least 10%");
        if (Options.MaxReplacements < 0) throw new EvmException(EvmErrorCode.InvalidArgument, "the number of fee replacements cannot be negative");
    }

    public EvmSenderOptions Options { get; }
    public EvmAddress Address => _signer.Address;
    public EvmClient Client => _client;
    private ulong ChainId => _client.Config.ChainId;

    /// <summary>Submits and waits for the receipt; throws <see cref="ContractRevertedException"/> if the landed transaction reverted.</summary>
    public async Task<EvmReceipt> SendAsync(EvmTransactionRequest request, string operationKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await SubmitAsync(request, operationKey, cancellationToken);
        return await WaitAsync(operationKey, request.RevertDecoder, cancellationToken);
    }

    /// <summary>
    /// Signs, persists and broadcasts the operation, or—if the key already has an attempt—rebroadcasts that attempt's bytes.
    /// Idempotent per operation key. A transport failure after persisting propagates; calling again is safe.
    /// </summary>
    public async Task<SignedEvmTransaction> SubmitAsync(EvmTransactionRequest request, string operationKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(operationKey)) throw new EvmException(EvmErrorCode.InvalidArgument, "an operation key is required");

        var existing = await _store.GetAttemptsAsync(ChainId, operationKey, cancellationToken);
        if (existing.Count > 0) return await RebroadcastLatestAsync(existing, cancellationToken);

        var gasLimit = request.GasLimit ?? checked(await _client.EstimateGasAsync(Address, request.To, request.Data, request.Value, request.RevertDecoder,
            cancellationToken) * (ulong)Options.GasLimitPercent / 100);
        var fees = await _client.GetFeesAsync(cancellationToken);

        await _signing.WaitAsync(cancellationToken);
        SignedEvmTransaction? signed = null;
        try
        {
            existing = await _store.GetAttemptsAsync(ChainId, operationKey, cancellationToken);
            if (existing.Count == 0)
                signed = await SignWithNewNonceAsync(operationKey, 0, request.To, request.Value, request.Data, gasLimit, fees, cancellationToken);
        }
        finally
        {
            _signing.Release();
        }
        return signed ?? await RebroadcastLatestAsync(existing, cancellationToken);
    }

    /// <summary>
    /// Looks at the operation once: landed (receipt of any attempt), still pending, or replaced because the latest attempt was
    /// dropped, stuck, or lost its nonce. Throws TransactionNotFound for an unknown operation key.
    /// </summary>
    public async Task<EvmSendProgress> CheckAsync(string operationKey, CancellationToken cancellationToken = default) =>
        await TryCheckAsync(operationKey, rebroadcastUnmined: false, cancellationToken)
        ?? throw new EvmException(EvmErrorCode.TransactionNotFound, $"no transaction was ever signed for '{operationKey}'");

    /// <summary>
    /// As <see cref="CheckAsync(string, CancellationToken)"/>, but null for an operation key nothing was ever signed for.
    /// With <paramref name="rebroadcastUnmined"/>, an operation none of whose attempts is mined first has its latest
    /// attempt's bytes offered to the node again (see <see cref="RebroadcastAsync"/>), so a node that lost them gets them
    /// back before the check can judge the attempt dropped and replace it. A mined operation is never broadcast again.
    /// </summary>
    public async Task<EvmSendProgress?> TryCheckAsync(string operationKey, bool rebroadcastUnmined, CancellationToken cancellationToken = default)
    {
        var attempts = await _store.GetAttemptsAsync(ChainId, operationKey, cancellationToken);
        if (attempts.Count == 0) return null;

        if (await FindLandedAsync(attempts, cancellationToken) is { } landed)
        {
            _nonceConsumedSeenAt.TryRemove((operationKey, attempts[^1].Nonce), out _);
            return landed;
        }

        var latest = attempts[^1];
        if (rebroadcastUnmined)
        {
            await RebroadcastAsync(latest, cancellationToken);
        }
        var head = await _client.GetBlockNumberAsync(cancellationToken);
        var minedNonce = await _client.GetTransactionCountAsync(Address, EvmHex.EncodeQuantity(head), cancellationToken);
        if (minedNonce > latest.Nonce)
        {
            // The nonce is used at block `head`. It may be one of ours whose receipt is not served yet, so the proof that another
            // transaction took it needs: no attempt known to the node by hash, no receipt, and the same finding again once the
            // chain has moved past `head` (by then every block up to `head` is fully served).
            if (await FindLandedAsync(attempts, cancellationToken) is { } justLanded) return justLanded;
            if (await AnyKnownAsync(attempts, cancellationToken)) return new EvmSendProgress(EvmSendState.Pending, latest, null);
            var firstSeen = _nonceConsumedSeenAt.GetOrAdd((operationKey, latest.Nonce), head);
            if (head < firstSeen + 1) return new EvmSendProgress(EvmSendState.Pending, latest, null);
            _nonceConsumedSeenAt.TryRemove((operationKey, latest.Nonce), out _);
            return await ReplaceAsync(operationKey, latest, sameNonce: false, cancellationToken);
        }

        var known = await _client.IsTransactionKnownAsync(latest.Hash, cancellationToken);
        var stuck = Options.Time.GetUtcNow() - latest.SignedAt >= Options.StuckAfter;
        if (!known || stuck) return await ReplaceAsync(operationKey, latest, sameNonce: true, cancellationToken);
        return new EvmSendProgress(EvmSendState.Pending, latest, null);
    }

    /// <summary>
    /// Polls <see cref="CheckAsync"/> until an attempt is mined. Throws <see cref="ContractRevertedException"/> (decoded with
    /// <paramref name="revertDecoder"/>, carrying the transaction hash) if it reverted, ReceiptTimeout after
    /// <see cref="EvmSenderOptions.ReceiptTimeout"/>.
    /// </summary>
    public async Task<EvmReceipt> WaitAsync(string operationKey, IRevertDecoder? revertDecoder = null, CancellationToken cancellationToken = default)
    {
        var deadline = Options.Time.GetUtcNow() + Options.ReceiptTimeout;
        while (true)
        {
            var progress = await CheckAsync(operationKey, cancellationToken);
            if (progress is { State: EvmSendState.Landed, Receipt: { } receipt })
            {
                if (!receipt.Succeeded) throw await ExplainRevertAsync(progress.Current, receipt, revertDecoder, cancellationToken);
                return receipt;
            }
            if (Options.Time.GetUtcNow() > deadline)
                throw new EvmException(EvmErrorCode.ReceiptTimeout, $"'{operationKey}' not mined within {Options.ReceiptTimeout} (latest attempt {progress.Current.Hash})");
            await Task.Delay(Options.PollInterval, Options.Time, cancellationToken);
        }
    }

    /// <summary>
    /// Broadcasts the stored bytes again. Harmless by construction: the node answers "already known" or "nonce too low" for a
    /// transaction it has or that was mined, and those answers are accepted. Other node errors propagate.
    /// </summary>
    public async Task RebroadcastAsync(SignedEvmTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        try
        {
            await _client.SendRawTransactionAsync(transaction.Raw, cancellationToken);
        }
        catch (JsonRpcException e) when (IsAlreadyKnown(e) || IsNonceTaken(e))
        {
            // Same bytes already in the pool or on chain, or the nonce is used: nothing new was sent.
        }
    }

    private async Task<SignedEvmTransaction> RebroadcastLatestAsync(IReadOnlyList<SignedEvmTransaction> attempts, CancellationToken cancellationToken)
    {
        var latest = attempts[^1];
        if (await FindLandedAsync(attempts, cancellationToken) is { } landed) return landed.Current;
        await RebroadcastAsync(latest, cancellationToken);
        return latest;
    }

    private async Task<EvmSendProgress?> FindLandedAsync(IReadOnlyList<SignedEvmTransaction> attempts, CancellationToken cancellationToken)
    {
        var responses = await _client.Rpc.BatchAsync(
            attempts.Select(a => new JsonRpcRequest("eth_getTransactionReceipt", a.Hash.ToString())).ToList(), cancellationToken);
        for (var i = attempts.Count - 1; i >= 0; i--)
        {
            var result = responses[i].GetResultOrThrow();
            if (result.ValueKind == System.Text.Json.JsonValueKind.Null) continue;
            return new EvmSendProgress(EvmSendState.Landed, attempts[i], EvmClient.ParseReceipt(result));
        }
        return null;
    }

    private async Task<bool> AnyKnownAsync(IReadOnlyList<SignedEvmTransaction> attempts, CancellationToken cancellationToken)
    {
        var responses = await _client.Rpc.BatchAsync(
            attempts.Select(a => new JsonRpcRequest("eth_getTransactionByHash", a.Hash.ToString())).ToList(), cancellationToken);
        return responses.Any(r => r.GetResultOrThrow().ValueKind != System.Text.Json.JsonValueKind.Null);
    }

    private async Task<EvmSendProgress> ReplaceAsync(string operationKey, SignedEvmTransaction latest, bool sameNonce, CancellationToken cancellationToken)
    {
        var market = await _client.GetFeesAsync(cancellationToken);
        await _signing.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have replaced it meanwhile; never sign two attempts with the same number.
            var attempts = await _store.GetAttemptsAsync(ChainId, operationKey, cancellationToken);
            if (attempts[^1].Attempt != latest.Attempt) return new EvmSendProgress(EvmSendState.Pending, attempts[^1], null);

            if (!sameNonce)
            {
                var fresh = await SignWithNewNonceAsync(operationKey, latest.Attempt + 1, latest.To, latest.Value, latest.Data, latest.GasLimit, market, cancellationToken);
                return new EvmSendProgress(EvmSendState.Replaced, fresh, null);
            }

            var priority = Max(Bump(latest.MaxPriorityFeePerGas), market.MaxPriorityFeePerGas);
            var maxFee = Max(Max(Bump(latest.MaxFeePerGas), market.MaxFeePerGas), priority);
            if (Options.MaxFeePerGasCap is { } cap && maxFee > cap || latest.Attempt >= Options.MaxReplacements)
            {
                // Never pay more, or replace more often, than the operator allowed; the attempt stays as it is and the caller sees it pending.
                return new EvmSendProgress(EvmSendState.Pending, latest, null);
            }
            var replacement = await SignAsync(operationKey, latest.Attempt + 1, latest.Nonce, latest.To, latest.Value, latest.Data, latest.GasLimit,
                new EvmFees(maxFee, priority), cancellationToken);
            await _store.SaveAsync(replacement, cancellationToken);
            try
            {
                await _client.SendRawTransactionAsync(replacement.Raw, cancellationToken);
            }
            catch (JsonRpcException e) when (IsNonceTaken(e) || IsAlreadyKnown(e) || IsUnderpriced(e))
            {
                // The nonce got mined meanwhile, or the bump was not enough: the next check sees which and acts again.
            }
            return new EvmSendProgress(EvmSendState.Replaced, replacement, null);
        }
        finally
        {
            _signing.Release();
        }
    }

    /// <summary>Under <see cref="_signing"/>: allocate the next nonce, sign, persist, broadcast.</summary>
    private async Task<SignedEvmTransaction> SignWithNewNonceAsync(string operationKey, int attempt, EvmAddress? to, UInt256 value, byte[] data,
        ulong gasLimit, EvmFees fees, CancellationToken cancellationToken)
    {
        for (var tries = 0; ; tries++)
        {
            if (_nextNonce is null)
            {
                // First signature of this process: make sure the node serves the chain we sign for.
                await _client.VerifyChainIdAsync(cancellationToken);
                _nextNonce = await _client.GetTransactionCountAsync(Address, "pending", cancellationToken);
            }
            var nonce = _nextNonce.Value;
            var signed = await SignAsync(operationKey, attempt, nonce, to, value, data, gasLimit, fees, cancellationToken);
            await _store.SaveAsync(signed, cancellationToken);
            try
            {
                await _client.SendRawTransactionAsync(signed.Raw, cancellationToken);
                _nextNonce = nonce + 1;
                return signed;
            }
            catch (JsonRpcException e) when (IsAlreadyKnown(e))
            {
                _nextNonce = nonce + 1;
                return signed;
            }
            catch (JsonRpcException e) when ((IsNonceTaken(e) || IsUnderpriced(e)) && tries < 3)
            {
                // Our nonce counter was behind the account (another process used this key): the saved attempt can never land.
                _nextNonce = await _client.GetTransactionCountAsync(Address, "pending", cancellationToken);
                attempt++;
            }
            catch (JsonRpcException e) when (IsNonceTaken(e) || IsUnderpriced(e))
            {
                throw new EvmNonceConsumedException(Address, nonce, e.NodeMessage);
            }
            catch (EvmRpcTransportException)
            {
                // The node may have it. Keep the nonce taken; a retry of this operation rebroadcasts the same bytes.
                _nextNonce = nonce + 1;
                throw;
            }
        }
    }

    /// <summary>
    /// Signs through the key's holder before anything is persisted or sent: a holder that refuses leaves no record and no
    /// broadcast. A signature that does not recover to <see cref="Address"/> is refused the same way (a misconfigured KMS key).
    /// </summary>
    private async Task<SignedEvmTransaction> SignAsync(string operationKey, int attempt, ulong nonce, EvmAddress? to, UInt256 value, byte[] data,
        ulong gasLimit, EvmFees fees, CancellationToken cancellationToken)
    {
        EvmUnsignedTransaction unsigned = _client.Config.FeeModel == EvmFeeModel.Legacy
            ? new LegacyTransaction(ChainId, nonce, fees.MaxFeePerGas, gasLimit, to, value, data)
            : new Eip1559Transaction(ChainId, nonce, fees.MaxPriorityFeePerGas, fees.MaxFeePerGas, gasLimit, to, value, data);
        var digest = unsigned.SigningHash();
        var signature = await _signer.SignDigestAsync(digest, cancellationToken);
        EvmAddress signer;
        try
        {
            signer = Secp256k1.RecoverAddress(digest, signature);
        }
        catch (EvmException e)
        {
            throw new SigningUnavailableException($"the key holder returned an invalid signature for {Address}: {e.Message}", e);
        }
        if (signer != Address)
        {
            throw new SigningUnavailableException($"the key holder signed as {signer}, not as {Address}");
        }
        var raw = EvmRawTransaction.WithSignature(unsigned, signature);
        return new SignedEvmTransaction(operationKey, ChainId, Address, nonce, attempt, raw.Hash, raw.Raw, to, value, data, gasLimit,
            fees.MaxFeePerGas, fees.MaxPriorityFeePerGas, Options.Time.GetUtcNow());
    }

    private async Task<ContractRevertedException> ExplainRevertAsync(SignedEvmTransaction landed, EvmReceipt receipt, IRevertDecoder? decoder,
        CancellationToken cancellationToken)
    {
        // Replay the call against the state of the block that included it to learn the reason.
        var call = new Dictionary<string, object?>
        {
            ["from"] = landed.From.ToString(),
            ["data"] = EvmHex.Encode(landed.Data),
            ["gas"] = EvmHex.EncodeQuantity(landed.GasLimit),
        };
        if (landed.To is { } to) call["to"] = to.ToString();
        if (!landed.Value.IsZero) call["value"] = EvmHex.EncodeQuantity(landed.Value.Value);
        try
        {
            await _client.Rpc.CallAsync("eth_call", [call, EvmHex.EncodeQuantity(receipt.BlockNumber)], cancellationToken);
        }
        catch (JsonRpcException e) when (EvmClient.TryGetRevertData(e, out var data))
        {
            return (decoder ?? ContractAbi.Parse("[]")).Decode(data, receipt.TransactionHash.ToString());
        }
        return new ContractRevertedException("unknown", [], [], receipt.TransactionHash.ToString());
    }

    private UInt256 Bump(UInt256 fee) => new((fee.Value * (100 + Options.FeeBumpPercent) + 99) / 100);
    private static UInt256 Max(UInt256 a, UInt256 b) => a >= b ? a : b;

    private static bool IsAlreadyKnown(JsonRpcException e) =>
        ContainsAny(e.NodeMessage, "already known", "known transaction", "already imported", "alreadyknown", "already exists");

    private static bool IsNonceTaken(JsonRpcException e) =>
        ContainsAny(e.NodeMessage, "nonce too low", "noncetoolow", "nonce has already been used", "oldnonce", "invalid nonce");

    private static bool IsUnderpriced(JsonRpcException e) =>
        ContainsAny(e.NodeMessage, "replacement transaction underpriced", "replacementunderpriced", "underpriced");

    private static bool ContainsAny(string message, params string[] fragments) =>
        fragments.Any(f => message.Contains(f, StringComparison.OrdinalIgnoreCase));
}
