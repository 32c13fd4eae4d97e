using System.Globalization;
using System.Numerics;
using Npgsql;

namespace Sharemint.Holders;

/// <summary>How far a token's events are applied: EVM, the last final block read and its hash; Tron, the next block to read.</summary>
public sealed record HolderCursor(long Block, string? BlockHash);

/// <summary>The latest holder count of one deployment.</summary>
public sealed record HolderCount(string Symbol, string Chain, int Holders);

/// <summary>
/// The holder index in PostgreSQL (migration 0150): raw balances per address, the cursor each token's events are applied
/// up to, and the latest count per deployment. Balance changes and the cursor move in one transaction that first checks
/// the cursor is still the one the pass started from, so a pass that dies applies nothing and none applies twice.
/// </summary>
public sealed class HolderStore(NpgsqlDataSource database)
{
    // One silo indexes at a time: the holder of this session lock (an arbitrary constant, "holders" in ASCII).
    private const long IndexerLock = 0x686f6c64657273;

    /// <summary>
    /// Runs <paramref name="pass"/> only when no other silo is indexing, holding the lock for its duration; false when
    /// another silo holds it (that silo's counts are the ones every silo exports). A dead silo's lock goes with its session.
    /// </summary>
    public async Task<bool> TryIndexAsync(Func<Task> pass, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection))
        {
            take.Parameters.AddWithValue("key", IndexerLock);
            if (await take.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return false;
            }
        }
        try
        {
            await pass();
            return true;
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            release.Parameters.AddWithValue("key", IndexerLock);
            await release.ExecuteScalarAsync(CancellationToken.None);
        }
    }

    public async Task<HolderCursor?> ReadCursorAsync(string chain, string token, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT block, block_hash FROM holder_cursors WHERE chain = @chain AND token = @token");
        command.Parameters.AddWithValue("chain", chain);
        command.Parameters.AddWithValue("token", token);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new HolderCursor(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1)) : null;
    }

    /// <summary>
    /// Adds <paramref name="deltas"/> to the stored balances and moves the cursor from <paramref name="expected"/> to
    /// <paramref name="next"/>, all or nothing; false (nothing written) when the stored cursor is no longer
    /// <paramref name="expected"/>.
    /// </summary>
    public async Task<bool> ApplyAsync(string chain, string token, IReadOnlyDictionary<string, BigInteger> deltas, HolderCursor? expected,
        HolderCursor next, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var move = expected is null
            ? new NpgsqlCommand("INSERT INTO holder_cursors (chain, token, block, block_hash) VALUES (@chain, @token, @block, @hash) ON CONFLICT DO NOTHING", connection, transaction)
            : new NpgsqlCommand("""
                UPDATE holder_cursors SET block = @block, block_hash = @hash, updated_at = now()
                WHERE chain = @chain AND token = @token AND block = @expected_block AND block_hash IS NOT DISTINCT FROM @expected_hash
                """, connection, transaction))
        {
            move.Parameters.AddWithValue("chain", chain);
            move.Parameters.AddWithValue("token", token);
            move.Parameters.AddWithValue("block", next.Block);
            move.Parameters.AddWithValue("hash", (object?)next.BlockHash ?? DBNull.Value);
            if (expected is not null)
            {
                move.Parameters.AddWithValue("expected_block", expected.Block);
                move.Parameters.AddWithValue("expected_hash", (object?)expected.BlockHash ?? DBNull.Value);
            }
            if (await move.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                return false;
            }
        }
        var changed = deltas.Where(d => !d.Value.IsZero).ToList();
        if (changed.Count > 0)
        {
            await using var add = new NpgsqlCommand("""
                INSERT INTO holder_balances (chain, token, address, raw)
                SELECT @chain, @token, d.address, d.delta::numeric FROM unnest(@addresses, @deltas) AS d(address, delta)
                ON CONFLICT (chain, token, address) DO UPDATE SET raw = holder_balances.raw + excluded.raw
                """, connection, transaction);
            add.Parameters.AddWithValue("chain", chain);
            add.Parameters.AddWithValue("token", token);
            add.Parameters.AddWithValue("addresses", changed.Select(d => d.Key).ToArray());
            add.Parameters.AddWithValue("deltas", changed.Select(d => d.Value.ToString(CultureInfo.InvariantCulture)).ToArray());
            await add.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Forgets a token's balances and cursor (final blocks changed under the cursor): the next pass replays it.</summary>
    public async Task ResetAsync(string chain, string token, CancellationToken cancellationToken)
    {
        await using var batch = database.CreateBatch();
        foreach (var sql in new[] { "DELETE FROM holder_balances WHERE chain = $1 AND token = $2", "DELETE FROM holder_cursors WHERE chain = $1 AND token = $2" })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = chain });
            command.Parameters.Add(new NpgsqlParameter { Value = token });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Records the count of a deployment: counted from the stored balances, or given (Solana counts live).</summary>
    public async Task RecordCountAsync(string symbol, string chain, string token, int? holders, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            INSERT INTO holder_counts (symbol, chain, token, holders, counted_at)
            SELECT @symbol, @chain, @token,
                   coalesce(@holders, (SELECT count(*)::int FROM holder_balances WHERE chain = @chain AND token = @token AND raw > 0)), now()
            ON CONFLICT (symbol, chain) DO UPDATE SET token = excluded.token, holders = excluded.holders, counted_at = excluded.counted_at
            """);
        command.Parameters.AddWithValue("symbol", symbol);
        command.Parameters.AddWithValue("chain", chain);
        command.Parameters.AddWithValue("token", token);
        command.Parameters.Add(new NpgsqlParameter<int?>("holders", NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = holders });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The latest count of every deployment, whichever silo indexed it.</summary>
    public async Task<IReadOnlyList<HolderCount>> ReadCountsAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT symbol, chain, holders FROM holder_counts ORDER BY symbol, chain");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new List<HolderCount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new HolderCount(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }
        return counts;
    }
}
