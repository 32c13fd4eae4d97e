using System.Text.Json;
using Npgsql;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tron;
using EvmSignedStore = Sharemint.Chains.Evm.ISignedTransactionStore;
using SolanaSignedStore = Sharemint.Chains.Solana.ISignedTransactionStore;

namespace Sharemint.Signers;

/// <summary>A chain write as recorded before anything is signed: the request, its fingerprint and its outcome so far.</summary>
internal sealed record RecordedWrite(
    string WriteId,
    string Fingerprint,
    StoredWrite Payload,
    ChainWriteState State,
    string? TransactionId,
    string? FailureCode,
    string? FailureMessage)
{
    public ChainWriteStatus Status => new(WriteId, State, TransactionId, FailureCode, FailureMessage);
}

/// <summary>The normalized request of a chain write (canonical addresses, chain units as decimal text), as stored.</summary>
internal sealed record StoredWrite(ChainWriteKind Kind, string TokenAddress, int Decimals, IReadOnlyList<StoredLine> Lines);

/// <summary>One normalized line: canonical address, canonical units and the exact chain units.</summary>
internal sealed record StoredLine(string Address, long Units, string ChainUnits);

/// <summary>
/// The chain signer's durable write-ahead log in PostgreSQL (tables of migration 0008), one instance per chain. Every
/// method has completed its database write when its task completes, so callers may broadcast right after.
/// </summary>
internal sealed class ChainWriteLog(NpgsqlDataSource dataSource, string chain)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Chain => chain;

    /// <summary>The write recorded under <paramref name="writeId"/>, or null.</summary>
    public async Task<RecordedWrite?> FindAsync(string writeId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT fingerprint, payload::text, state, transaction_id, failure_code, failure_message FROM chain_signer_writes WHERE chain = $1 AND write_id = $2");
        command.Parameters.Add(new() { Value = chain });
        command.Parameters.Add(new() { Value = writeId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }
        var payload = JsonSerializer.Deserialize<StoredWrite>(reader.GetString(1), Json)
            ?? throw new InvalidOperationException($"chain write {chain}/{writeId} has an empty payload");
        return new RecordedWrite(writeId, reader.GetString(0), payload, ParseState(reader.GetString(2)),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5));
    }

    /// <summary>Records a new pending write; returns the row that holds the id afterwards (the existing one if the id was taken).</summary>
    public async Task<RecordedWrite> RecordAsync(string writeId, string fingerprint, StoredWrite payload, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO chain_signer_writes (chain, write_id, fingerprint, payload, state) VALUES ($1, $2, $3, $4::jsonb, 'pending') ON CONFLICT (chain, write_id) DO NOTHING");
        command.Parameters.Add(new() { Value = chain });
        command.Parameters.Add(new() { Value = writeId });
        command.Parameters.Add(new() { Value = fingerprint });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(payload, Json) });
        if (await command.ExecuteNonQueryAsync(ct) == 1)
        {
            // This call's row holds the id: it is what was just written, no need to read it back.
            return new RecordedWrite(writeId, fingerprint, payload, ChainWriteState.Pending, null, null, null);
        }
        return await FindAsync(writeId, ct) ?? throw new InvalidOperationException($"chain write {chain}/{writeId} vanished after insert");
    }

    /// <summary>Sets a write's outcome; a terminal state is never changed again.</summary>
    public async Task<RecordedWrite> UpdateAsync(RecordedWrite write, ChainWriteState state, string? transactionId, string? failureCode = null, string? failureMessage = null,
        CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE chain_signer_writes SET state = $3, transaction_id = $4, failure_code = $5, failure_message = $6, updated_at = now()
            WHERE chain = $1 AND write_id = $2 AND state = 'pending'
            """);
        command.Parameters.Add(new() { Value = chain });
        command.Parameters.Add(new() { Value = write.WriteId });
        command.Parameters.Add(new() { Value = FormatState(state) });
        command.Parameters.Add(new() { Value = (object?)transactionId ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)failureCode ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)failureMessage ?? DBNull.Value });
        if (await command.ExecuteNonQueryAsync(ct) == 1)
        {
            // The row was still pending and now holds exactly these values; request and fingerprint never change.
            return write with { State = state, TransactionId = transactionId, FailureCode = failureCode, FailureMessage = failureMessage };
        }
        // Already terminal (another activation or an earlier call finished it): what the row holds wins.
        return await FindAsync(write.WriteId, ct) ?? throw new InvalidOperationException($"chain write {chain}/{write.WriteId} vanished");
    }

    private static string FormatState(ChainWriteState state) => state switch
    {
        ChainWriteState.Pending => "pending",
        ChainWriteState.Final => "final",
        _ => "failed",
    };

    private static ChainWriteState ParseState(string text) => text switch
    {
        "pending" => ChainWriteState.Pending,
        "final" => ChainWriteState.Final,
        "failed" => ChainWriteState.Failed,
        _ => throw new InvalidOperationException($"unknown chain write state '{text}'"),
    };

    /// <summary>The EVM sender's write-ahead store on this log's chain.</summary>
    public EvmSignedStore EvmStore() => new EvmAttempts(dataSource, chain);

    /// <summary>The Solana mint account keys of this chain (migration 0090).</summary>
    public SolanaMintKeys SolanaMintKeys() => new(dataSource, chain);

    /// <summary>The Solana sender's write-ahead store on this log's chain.</summary>
    public SolanaSignedStore SolanaStore() => new SolanaRecords(dataSource, chain);

    /// <summary>The Tron family's write-ahead store on this log's chain.</summary>
    public TronAttempts TronStore() => new(dataSource, chain);

    /// <summary>
    /// Signed Tron transactions of one operation, one row per attempt, insert-only, kept in the attempts table of migration
    /// 0008 (its rows are keyed by chain, so the Tron chain's rows never meet an EVM chain's). Attempt n+1 exists only after
    /// attempt n provably expired unconfirmed.
    /// </summary>
    internal sealed class TronAttempts(NpgsqlDataSource dataSource, string chain)
    {
        /// <summary>Saves an attempt before its first broadcast; a different transaction already saved under its number throws (another writer won).</summary>
        public async Task SaveAsync(string operationKey, int attempt, TronSignedTransaction transaction)
        {
            await using var command = dataSource.CreateCommand("""
                INSERT INTO chain_signer_evm_attempts (chain, operation_key, attempt, tx_hash, body) VALUES ($1, $2, $3, $4, $5::jsonb)
                ON CONFLICT (chain, operation_key, attempt) DO NOTHING
                """);
            command.Parameters.Add(new() { Value = chain });
            command.Parameters.Add(new() { Value = operationKey });
            command.Parameters.Add(new() { Value = attempt });
            command.Parameters.Add(new() { Value = transaction.TxId });
            command.Parameters.Add(new() { Value = JsonSerializer.Serialize(TronAttemptBody.Of(transaction), Json) });
            if (await command.ExecuteNonQueryAsync() == 1)
            {
                return;
            }
            var existing = await GetAttemptsAsync(operationKey);
            if (attempt > existing.Count || existing[attempt - 1].TxId != transaction.TxId)
            {
                throw new TronException(TronErrorCode.InvalidTransaction,
                    $"attempt {attempt} of '{operationKey}' on {chain} is already saved with another txID; this one must not broadcast");
            }
        }

        /// <summary>Every signed attempt of an operation, oldest first.</summary>
        public async Task<IReadOnlyList<TronSignedTransaction>> GetAttemptsAsync(string operationKey)
        {
            await using var command = dataSource.CreateCommand(
                "SELECT body::text FROM chain_signer_evm_attempts WHERE chain = $1 AND operation_key = $2 ORDER BY attempt");
            command.Parameters.Add(new() { Value = chain });
            command.Parameters.Add(new() { Value = operationKey });
            var attempts = new List<TronSignedTransaction>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var body = JsonSerializer.Deserialize<TronAttemptBody>(reader.GetString(0), Json)
                    ?? throw new InvalidOperationException($"empty Tron attempt of '{operationKey}' on {chain}");
                attempts.Add(body.ToTransaction());
            }
            return attempts;
        }
    }

    /// <summary>A signed Tron transaction as text: raw_data and signature hex, txID, expiration in ms since the epoch.</summary>
    private sealed record TronAttemptBody(string TxId, string RawData, string Signature, long Expiration)
    {
        public static TronAttemptBody Of(TronSignedTransaction t) =>
            new(t.TxId, Convert.ToHexStringLower(t.RawData), Convert.ToHexStringLower(t.Signature), t.Expiration);

        public TronSignedTransaction ToTransaction() => new(Convert.FromHexString(RawData), TxId, Convert.FromHexString(Signature), Expiration);
    }

    /// <summary>Signed EVM attempts as rows; an attempt is insert-only (a second, different attempt under one number is refused).</summary>
    private sealed class EvmAttempts(NpgsqlDataSource dataSource, string chain) : EvmSignedStore
    {
        public async Task SaveAsync(SignedEvmTransaction transaction, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(transaction);
            await using var command = dataSource.CreateCommand("""
                INSERT INTO chain_signer_evm_attempts (chain, operation_key, attempt, tx_hash, body) VALUES ($1, $2, $3, $4, $5::jsonb)
                ON CONFLICT (chain, operation_key, attempt) DO NOTHING
                """);
            command.Parameters.Add(new() { Value = chain });
            command.Parameters.Add(new() { Value = transaction.OperationKey });
            command.Parameters.Add(new() { Value = transaction.Attempt });
            command.Parameters.Add(new() { Value = transaction.Hash.ToString() });
            command.Parameters.Add(new() { Value = JsonSerializer.Serialize(EvmAttemptBody.Of(transaction), Json) });
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return;
            }
            var existing = (await GetAttemptsAsync(transaction.ChainId, transaction.OperationKey, cancellationToken)).FirstOrDefault(a => a.Attempt == transaction.Attempt);
            if (existing is null || existing.Hash != transaction.Hash)
            {
                throw new InvalidOperationException($"attempt {transaction.Attempt} of '{transaction.OperationKey}' on {chain} is already saved with another hash");
            }
        }

        public async Task<IReadOnlyList<SignedEvmTransaction>> GetAttemptsAsync(ulong chainId, string operationKey, CancellationToken cancellationToken)
        {
            await using var command = dataSource.CreateCommand(
                "SELECT body::text FROM chain_signer_evm_attempts WHERE chain = $1 AND operation_key = $2 ORDER BY attempt");
            command.Parameters.Add(new() { Value = chain });
            command.Parameters.Add(new() { Value = operationKey });
            var attempts = new List<SignedEvmTransaction>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var body = JsonSerializer.Deserialize<EvmAttemptBody>(reader.GetString(0), Json)
                    ?? throw new InvalidOperationException($"empty EVM attempt of '{operationKey}' on {chain}");
                attempts.Add(body.ToTransaction());
            }
            return attempts;
        }
    }

    /// <summary>A signed EVM attempt with every value as text (hex bytes, decimal integers): no .NET types in stored rows.</summary>
    private sealed record EvmAttemptBody(
        string OperationKey, ulong ChainId, string From, ulong Nonce, int Attempt, string Hash, string Raw, string? To, string Value, string Data,
        ulong GasLimit, string MaxFeePerGas, string MaxPriorityFeePerGas, DateTimeOffset SignedAt)
    {
        public static EvmAttemptBody Of(SignedEvmTransaction t) => new(
            t.OperationKey, t.ChainId, t.From.ToString(), t.Nonce, t.Attempt, t.Hash.ToString(), EvmHex.Encode(t.Raw), t.To?.ToString(),
            t.Value.ToString(), EvmHex.Encode(t.Data), t.GasLimit, t.MaxFeePerGas.ToString(), t.MaxPriorityFeePerGas.ToString(), t.SignedAt);

        public SignedEvmTransaction ToTransaction() => new(
            OperationKey, ChainId, EvmAddress.Parse(From), Nonce, Attempt, Hash32.Parse(Hash), EvmHex.Decode(Raw), To is null ? null : EvmAddress.Parse(To),
            UInt256.Parse(Value), EvmHex.Decode(Data), GasLimit, UInt256.Parse(MaxFeePerGas), UInt256.Parse(MaxPriorityFeePerGas), SignedAt);
    }

    /// <summary>The Solana sender's record per operation, replaced in place (the record itself keeps the abandoned signatures).</summary>
    private sealed class SolanaRecords(NpgsqlDataSource dataSource, string chain) : SolanaSignedStore
    {
        public async Task<SignedTransactionRecord?> GetAsync(string operationId, CancellationToken cancellationToken)
        {
            await using var command = dataSource.CreateCommand("SELECT body::text FROM chain_signer_solana_records WHERE chain = $1 AND operation_id = $2");
            command.Parameters.Add(new() { Value = chain });
            command.Parameters.Add(new() { Value = operationId });
            var text = (string?)await command.ExecuteScalarAsync(cancellationToken);
            return text is null ? null : (JsonSerializer.Deserialize<SolanaRecordBody>(text, Json)
                ?? throw new InvalidOperationException($"empty Solana record of '{operationId}' on {chain}")).ToRecord();
        }

        /// <summary>
        /// Insert-only for a first signing, compare-and-set for everything after: a new attempt replaces only the attempt it
        /// abandons, an outcome only the pending record of its own attempt. A writer that lost the race (a second activation
        /// that read before the first one saved) gets <see cref="SolanaErrorKind.ConcurrentWriter"/> before it broadcasts.
        /// </summary>
        public async Task SaveAsync(SignedTransactionRecord record, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(record);
            var body = JsonSerializer.Serialize(SolanaRecordBody.Of(record), Json);
            int rows;
            if (record is { Attempt: 1, State: SignedTransactionState.Pending, AbandonedSignatures.Count: 0 })
            {
                await using var insert = dataSource.CreateCommand("""
                    INSERT INTO chain_signer_solana_records (chain, operation_id, body) VALUES ($1, $2, $3::jsonb)
                    ON CONFLICT (chain, operation_id) DO NOTHING
                    """);
                insert.Parameters.Add(new() { Value = chain });
                insert.Parameters.Add(new() { Value = record.OperationId });
                insert.Parameters.Add(new() { Value = body });
                rows = await insert.ExecuteNonQueryAsync(cancellationToken);
            }
            else
            {
                var newAttempt = record.State == SignedTransactionState.Pending;
                var expectedAttempt = newAttempt ? record.Attempt - 1 : record.Attempt;
                await using var update = dataSource.CreateCommand("""
                    UPDATE chain_signer_solana_records SET body = $3::jsonb, updated_at = now()
                    WHERE chain = $1 AND operation_id = $2 AND body->>'state' = 'pending' AND (body->>'attempt')::int = $4
                      AND ($5::text IS NULL OR body->>'signature' = $5)
                    """);
                update.Parameters.Add(new() { Value = chain });
                update.Parameters.Add(new() { Value = record.OperationId });
                update.Parameters.Add(new() { Value = body });
                update.Parameters.Add(new() { Value = expectedAttempt });
                update.Parameters.Add(new NpgsqlParameter
                {
                    Value = newAttempt && record.AbandonedSignatures.Count > 0 ? record.AbandonedSignatures[^1] : DBNull.Value,
                    NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text,
                });
                rows = await update.ExecuteNonQueryAsync(cancellationToken);
            }
            if (rows == 1)
            {
                return;
            }
            var stored = await GetAsync(record.OperationId, cancellationToken);
            if (stored is not null && stored.Attempt == record.Attempt && stored.Signature == record.Signature && stored.State == record.State)
            {
                return;
            }
            throw new SolanaException(SolanaErrorKind.ConcurrentWriter,
                $"operation {record.OperationId} on {chain} was recorded by another writer (stored attempt {stored?.Attempt}); this one must not broadcast");
        }
    }

    /// <summary>A Solana record with the wire bytes as base64 and the state as text.</summary>
    private sealed record SolanaRecordBody(
        string OperationId, int Attempt, string Signature, string Wire, string Blockhash, ulong LastValidBlockHeight, string IntentHash,
        IReadOnlyList<string> AbandonedSignatures, string State, ulong? Slot, string? ErrorJson)
    {
        public static SolanaRecordBody Of(SignedTransactionRecord r) => new(
            r.OperationId, r.Attempt, r.Signature, Convert.ToBase64String(r.WireTransaction), r.Blockhash, r.LastValidBlockHeight, r.IntentHash,
            r.AbandonedSignatures, r.State.ToString().ToLowerInvariant(), r.Slot, r.ErrorJson);

        public SignedTransactionRecord ToRecord() => new(
            OperationId, Attempt, Signature, Convert.FromBase64String(Wire), Blockhash, LastValidBlockHeight, IntentHash, AbandonedSignatures,
            State switch
            {
                "pending" => SignedTransactionState.Pending,
                "succeeded" => SignedTransactionState.Succeeded,
                "failed" => SignedTransactionState.Failed,
                _ => throw new InvalidOperationException($"unknown Solana record state '{State}'"),
            },
            Slot, ErrorJson);
    }
}
