using System.Security.Cryptography;

namespace Sharemint.Chains.Solana;

/// <summary>Tuning for <see cref="TransactionSender"/>.</summary>
public sealed record TransactionSenderOptions
{
    /// <summary>Commitment at which a send counts as done.</summary>
    public Commitment Commitment { get; init; } = Commitment.Confirmed;

    /// <summary>Delay between status polls (and rebroadcasts).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Give up (with <see cref="SolanaErrorKind.RpcUnavailable"/>) after this long without reaching the commitment; the record stays pending and a later call resumes it.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>At most this many signings per operation (each after a proven expiry).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>
    /// The holder of a key that signs outside this process (built into transactions as <see cref="Keypair.HeldElsewhere"/>):
    /// the sender asks it for that key's signatures before anything is stored or broadcast.
    /// </summary>
    public ISolanaKeySigner? KeySigner { get; init; }
}

/// <summary>What a completed send produced.</summary>
public sealed record SendOutcome(string OperationId, string Signature, ulong Slot, int Attempt);

/// <summary>
/// Sends a transaction for an operation id exactly once. The signed bytes are written ahead to the
/// caller's <see cref="ISignedTransactionStore"/> before the first broadcast; a retry (same process or
/// after a crash) rebroadcasts the same bytes while their blockhash is valid; a new transaction is
/// signed only when the old blockhash has expired at finalized block height AND no signature of the
/// operation is known to the cluster. Re-signing must produce the same instructions (same intent),
/// else <see cref="SolanaErrorKind.OperationConflict"/>. Calls for different operation ids may run
/// concurrently; calls for the same id must not (the caller serializes them, as a grain does).
/// </summary>
public sealed class TransactionSender
{
    private readonly SolanaRpcClient _rpc;
    private readonly ISignedTransactionStore _store;
    private readonly TransactionSenderOptions _options;

    /// <summary>Creates a sender.</summary>
    public TransactionSender(SolanaRpcClient rpc, ISignedTransactionStore store, TransactionSenderOptions? options = null)
    {
        _rpc = rpc;
        _store = store;
        _options = options ?? new TransactionSenderOptions();
    }

    /// <summary>The store used for write-ahead.</summary>
    public ISignedTransactionStore Store => _store;

    /// <summary>
    /// Signs (with <paramref name="sign"/>, given a fresh blockhash) only if needed, and drives the
    /// operation to the configured commitment. Idempotent per <paramref name="operationId"/>.
    /// </summary>
    /// <exception cref="SolanaException">
    /// A typed kind: the preflight or on-chain failure (<see cref="SolanaErrorKind.MintPaused"/>, <see cref="SolanaErrorKind.AccountFrozen"/>,
    /// <see cref="SolanaErrorKind.WrongSigner"/> …); <see cref="SolanaErrorKind.OperationConflict"/>; <see cref="SolanaErrorKind.RpcUnavailable"/> on timeout.
    /// After a preflight rejection the record stays pending, so a later call with the same id resumes safely.
    /// </exception>
    public async Task<SendOutcome> SendAsync(string operationId, Func<LatestBlockhash, Transaction> sign, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        var record = await _store.GetAsync(operationId, cancellationToken);
        if (record is null)
        {
            record = await SignAndPersistAsync(operationId, sign, null, cancellationToken);
        }
        else
        {
            // A retry must ask for the same thing: re-sign locally (no broadcast) to compare intents.
            var again = sign(new LatestBlockhash(record.Blockhash, record.LastValidBlockHeight, 0));
            if (IntentHash(again.Message) != record.IntentHash)
            {
                throw new SolanaException(SolanaErrorKind.OperationConflict, $"operation {operationId} was recorded with different instructions");
            }
        }
        var deadline = DateTime.UtcNow + _options.Timeout;
        var preflight = true;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (record.State)
            {
                case SignedTransactionState.Succeeded:
                    return new SendOutcome(operationId, record.Signature, record.Slot ?? 0, record.Attempt);
                case SignedTransactionState.Failed:
                    throw Failure(record);
                default:
                    break;
            }

            var (landed, status) = await FindLandedAsync(record, cancellationToken);
            if (status is not null)
            {
                if (status.Error is not null)
                {
                    record = record with { Signature = landed!, State = SignedTransactionState.Failed, Slot = status.Slot, ErrorJson = status.Error.Json };
                    await _store.SaveAsync(record, cancellationToken);
                    throw Failure(record);
                }
                if (status.Reached(_options.Commitment))
                {
                    record = record with { Signature = landed!, State = SignedTransactionState.Succeeded, Slot = status.Slot };
                    await _store.SaveAsync(record, cancellationToken);
                    continue;
                }
            }
            else if (await IsExpiredAsync(record, cancellationToken))
            {
                if (await ProvablyAbsentAsync(record, cancellationToken))
                {
                    if (record.Attempt >= _options.MaxAttempts)
                    {
                        throw new SolanaException(SolanaErrorKind.BlockhashExpired, $"operation {operationId}: blockhash expired {record.Attempt} times without landing");
                    }
                    record = await SignAndPersistAsync(operationId, sign, record, cancellationToken);
                    preflight = true;
                    continue;
                }
            }
            else
            {
                await BroadcastAsync(record, preflight, cancellationToken);
                preflight = false;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new SolanaException(SolanaErrorKind.RpcUnavailable, $"operation {operationId}: not {_options.Commitment} within {_options.Timeout}; the record stays pending");
            }
            await Task.Delay(_options.PollInterval, cancellationToken);
        }
    }

    /// <summary>
    /// The non-blocking first half of <see cref="SendAsync"/>, for callers that poll from elsewhere (a grain, a reminder):
    /// for a new operation it signs, persists the record, and broadcasts it once with preflight; for a known one it checks
    /// the intent and does one <see cref="PollAsync"/> turn. Never waits for a commitment.
    /// </summary>
    /// <exception cref="SolanaRpcException">
    /// The first broadcast of a new record was refused at preflight (the node never accepted those bytes; the record stays
    /// pending, and since no copy exists outside the store, it cannot land unless broadcast again).
    /// </exception>
    /// <exception cref="SolanaException">
    /// <see cref="SolanaErrorKind.RpcUnavailable"/> (record persisted when the failure came after signing: a later poll
    /// rebroadcasts the same bytes); <see cref="SolanaErrorKind.OperationConflict"/> for a different intent under a used id.
    /// </exception>
    public async Task<SignedTransactionRecord> SubmitAsync(string operationId, Func<LatestBlockhash, Transaction> sign, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        var record = await _store.GetAsync(operationId, cancellationToken);
        if (record is not null)
        {
            var again = sign(new LatestBlockhash(record.Blockhash, record.LastValidBlockHeight, 0));
            if (IntentHash(again.Message) != record.IntentHash)
            {
                throw new SolanaException(SolanaErrorKind.OperationConflict, $"operation {operationId} was recorded with different instructions");
            }
            return await PollAsync(operationId, sign, cancellationToken);
        }
        record = await SignAndPersistAsync(operationId, sign, null, cancellationToken);
        try
        {
            await _rpc.SendTransactionAsync(record.WireTransaction, new SendOptions(SkipPreflight: false, PreflightCommitment: Commitment.Processed), cancellationToken);
        }
        catch (SolanaRpcException e) when (e.Kind == SolanaErrorKind.AlreadyProcessed)
        {
            // Landed already (a duplicate broadcast by the network): the next poll sees its status.
        }
        return record;
    }

    /// <summary>
    /// One turn of <see cref="SendAsync"/>'s loop for a recorded operation: reports the record once it reached the
    /// configured commitment (<see cref="SignedTransactionState.Succeeded"/>) or failed on chain
    /// (<see cref="SignedTransactionState.Failed"/>, see <see cref="FailureKind"/>); otherwise rebroadcasts the same bytes
    /// (without preflight) or, once the blockhash expired at finalized height and no signature of the operation is known,
    /// signs, persists and broadcasts a new attempt; returns the (pending) record.
    /// </summary>
    /// <exception cref="SolanaException">
    /// <see cref="SolanaErrorKind.UnknownOperation"/> for an operation never recorded; <see cref="SolanaErrorKind.RpcUnavailable"/>;
    /// <see cref="SolanaErrorKind.BlockhashExpired"/> after <see cref="TransactionSenderOptions.MaxAttempts"/> attempts that all expired
    /// unseen (none of them can land any more); <see cref="SolanaErrorKind.OperationConflict"/>.
    /// </exception>
    public async Task<SignedTransactionRecord> PollAsync(string operationId, Func<LatestBlockhash, Transaction> sign, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        var record = await _store.GetAsync(operationId, cancellationToken)
            ?? throw new SolanaException(SolanaErrorKind.UnknownOperation, $"operation {operationId} was never signed");
        if (record.State != SignedTransactionState.Pending)
        {
            return record;
        }
        var (landed, status) = await FindLandedAsync(record, cancellationToken);
        if (status is not null)
        {
            if (status.Error is not null)
            {
                record = record with { Signature = landed!, State = SignedTransactionState.Failed, Slot = status.Slot, ErrorJson = status.Error.Json };
                await _store.SaveAsync(record, cancellationToken);
            }
            else if (status.Reached(_options.Commitment))
            {
                record = record with { Signature = landed!, State = SignedTransactionState.Succeeded, Slot = status.Slot };
                await _store.SaveAsync(record, cancellationToken);
            }
            return record;
        }
        if (await IsExpiredAsync(record, cancellationToken) && await ProvablyAbsentAsync(record, cancellationToken))
        {
            if (record.Attempt >= _options.MaxAttempts)
            {
                throw new SolanaException(SolanaErrorKind.BlockhashExpired, $"operation {operationId}: blockhash expired {record.Attempt} times without landing");
            }
            record = await SignAndPersistAsync(operationId, sign, record, cancellationToken);
        }
        // Without preflight: a copy that fails lands as a recorded failure instead of an answer that proves nothing.
        await BroadcastAsync(record, preflight: false, cancellationToken);
        return record;
    }

    /// <summary>What a <see cref="SignedTransactionState.Failed"/> record failed with (from its on-chain error).</summary>
    public static SolanaErrorKind FailureKind(SignedTransactionRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.ErrorJson is not { } json)
        {
            return SolanaErrorKind.TransactionFailed;
        }
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return TransactionError.Parse(doc.RootElement)?.Kind ?? SolanaErrorKind.TransactionFailed;
    }

    private async Task BroadcastAsync(SignedTransactionRecord record, bool preflight, CancellationToken ct)
    {
        try
        {
            await _rpc.SendTransactionAsync(record.WireTransaction, new SendOptions(SkipPreflight: !preflight, PreflightCommitment: Commitment.Processed), ct);
        }
        catch (SolanaRpcException e) when (e.Kind is SolanaErrorKind.AlreadyProcessed or SolanaErrorKind.BlockhashExpired)
        {
            // Already landed (the status poll will see it) or just expired (the next turn proves absence and re-signs).
        }
        catch (SolanaException e) when (e.Kind == SolanaErrorKind.RpcUnavailable)
        {
            // The node may or may not have it; the next turn checks the status and rebroadcasts the same bytes.
        }
    }

    private async Task<(string? Signature, SignatureStatus? Status)> FindLandedAsync(SignedTransactionRecord record, CancellationToken ct)
    {
        var all = record.AbandonedSignatures.Append(record.Signature).ToList();
        var statuses = await _rpc.GetSignatureStatusesAsync(all, searchTransactionHistory: true, ct);
        for (var i = 0; i < all.Count; i++)
        {
            if (statuses[i] is { } s)
            {
                return (all[i], s);
            }
        }
        return (null, null);
    }

    private async Task<bool> IsExpiredAsync(SignedTransactionRecord record, CancellationToken ct)
    {
        var finalizedHeight = await _rpc.GetBlockHeightAsync(Commitment.Finalized, ct);
        return finalizedHeight > record.LastValidBlockHeight;
    }

    /// <summary>
    /// The proof that no signature of the operation can land any more, read at one consistent point: the finalized slot F,
    /// the block height at F (from a node state no older than F) past the last valid height, and signature statuses from a
    /// node state no older than F showing none of them. A node that lags behind F proves nothing (the answer is "not yet").
    /// </summary>
    private async Task<bool> ProvablyAbsentAsync(SignedTransactionRecord record, CancellationToken ct)
    {
        var finalizedSlot = await _rpc.GetSlotAsync(Commitment.Finalized, ct);
        if (await _rpc.GetBlockHeightAsync(Commitment.Finalized, finalizedSlot, ct) <= record.LastValidBlockHeight)
        {
            return false;
        }
        var (contextSlot, statuses) = await _rpc.GetSignatureStatusesInContextAsync([.. record.AbandonedSignatures, record.Signature], ct);
        return contextSlot >= finalizedSlot && statuses.All(s => s is null);
    }

    private async Task<SignedTransactionRecord> SignAndPersistAsync(string operationId, Func<LatestBlockhash, Transaction> sign, SignedTransactionRecord? previous, CancellationToken ct)
    {
        var blockhash = await _rpc.GetLatestBlockhashAsync(Commitment.Confirmed, ct);
        var tx = sign(blockhash);
        if (tx.Message.RecentBlockhash != blockhash.Blockhash)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, "the signing callback must use the blockhash it is given");
        }
        tx = await SignHeldElsewhereAsync(tx, ct);
        var intent = IntentHash(tx.Message);
        if (previous is not null && previous.IntentHash != intent)
        {
            throw new SolanaException(SolanaErrorKind.OperationConflict, $"operation {operationId} was signed with different instructions before");
        }
        var record = new SignedTransactionRecord(
            operationId,
            (previous?.Attempt ?? 0) + 1,
            tx.Signature,
            tx.Serialize(),
            blockhash.Blockhash,
            blockhash.LastValidBlockHeight,
            intent,
            previous is null ? [] : [.. previous.AbandonedSignatures, previous.Signature],
            SignedTransactionState.Pending,
            null,
            null);
        await _store.SaveAsync(record, ct);
        return record;
    }

    /// <summary>
    /// Fills the signatures left empty for a key held elsewhere by asking its holder; a holder that refuses or signs with
    /// another key throws <see cref="Evm.SigningUnavailableException"/> before the record is stored (nothing broadcast).
    /// </summary>
    private async Task<Transaction> SignHeldElsewhereAsync(Transaction tx, CancellationToken ct)
    {
        var signers = tx.Message.Signers.ToList();
        for (var i = 0; i < signers.Count; i++)
        {
            if (tx.Signatures[i].Any(b => b != 0))
            {
                continue;
            }
            if (_options.KeySigner is not { } holder || holder.PublicKey != signers[i])
            {
                throw new SolanaException(SolanaErrorKind.InvalidTransaction, $"missing signature for {signers[i]}");
            }
            var signature = await holder.SignMessageAsync(tx.MessageBytes, ct);
            if (signature.Length != 64 || !Keypair.Verify(signers[i], tx.MessageBytes, signature))
            {
                throw new Evm.SigningUnavailableException($"the key holder's signature does not verify as {signers[i]}");
            }
            tx = tx.WithSignature(i, signature);
        }
        return tx;
    }

    /// <summary>
    /// A fingerprint of a message without its blockhash and without its compute-budget instructions: the same intent
    /// re-signed later (a new blockhash, a new priority fee or unit limit) hashes the same, and a message that carries
    /// compute-budget instructions hashes as the same message compiled without them.
    /// </summary>
    public static string IntentHash(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var stripped = WithoutComputeBudget(message);
        var unsigned = new Message(stripped.Version, stripped.Header, stripped.AccountKeys, Base58.Encode(new byte[32]), stripped.Instructions, stripped.AddressTableLookups);
        return Convert.ToHexString(SHA256.HashData(unsigned.Serialize()));
    }

    /// <summary>
    /// The message less its compute-budget instructions and the program's account key, indexes renumbered. Compute-budget
    /// instructions name no accounts and the compiler orders each group by first appearance, so this is exactly what
    /// compiling the remaining instructions alone gives.
    /// </summary>
    private static Message WithoutComputeBudget(Message message)
    {
        var budget = -1;
        for (var i = message.Header.NumRequiredSignatures; i < message.AccountKeys.Count; i++)
        {
            if (message.AccountKeys[i] == ProgramIds.ComputeBudget)
            {
                budget = i;
                break;
            }
        }
        // Only a read-only, unsigned key that no instruction passes as an account can be dropped cleanly.
        if (budget < 0 || message.IsWritable(budget) || message.Instructions.Any(ix => ix.AccountIndexes.Contains((byte)budget)))
        {
            return message;
        }
        byte Renumber(byte index) => index > budget ? (byte)(index - 1) : index;
        var instructions = message.Instructions
            .Where(ix => ix.ProgramIdIndex != budget)
            .Select(ix => new CompiledInstruction(Renumber(ix.ProgramIdIndex), ix.AccountIndexes.Select(Renumber).ToArray(), ix.Data))
            .ToList();
        if (instructions.Count == 0)
        {
            return message;
        }
        var header = message.Header with { NumReadonlyUnsignedAccounts = (byte)(message.Header.NumReadonlyUnsignedAccounts - 1) };
        var keys = message.AccountKeys.Where((_, i) => i != budget).ToList();
        return new Message(message.Version, header, keys, message.RecentBlockhash, instructions, message.AddressTableLookups);
    }

    private static SolanaException Failure(SignedTransactionRecord record)
    {
        var kind = SolanaErrorKind.TransactionFailed;
        if (record.ErrorJson is { } json)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            kind = TransactionError.Parse(doc.RootElement)?.Kind ?? kind;
        }
        return new SolanaException(kind, $"operation {record.OperationId}: transaction {record.Signature} failed on chain: {record.ErrorJson}");
    }
}
