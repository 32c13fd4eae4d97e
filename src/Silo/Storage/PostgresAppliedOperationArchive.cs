using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Sharemint.Ledger;

namespace Sharemint.Silo.Storage;

/// <summary>
/// The applied-operation archive in PostgreSQL: each archiving writes one row of <c>ledger_applied_operation_batches</c>
/// (migration 0040) holding the whole batch; lookups also see ids archived one row each in <c>ledger_applied_operations</c>
/// before that migration (or by an older silo during a rolling upgrade), which win as the older record. Concurrent lookups
/// share one query.
/// </summary>
public sealed class PostgresAppliedOperationArchive : IAppliedOperationArchive
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupCommit<(string Grain, string Key), string?> _lookups;

    public PostgresAppliedOperationArchive(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        // Most lookups are for new operation ids (found nowhere): concurrent ones share one query. Each runs after its
        // caller asked, so it sees every archive committed before the call, as a query of its own would.
        _lookups = new GroupCommit<(string, string), string?>(FindBatchAsync, maxBatch: 256, maxInFlight: 2, name: "archive_lookups");
    }

    /// <summary>Lookups asked of this archive so far, and the queries that answered them.</summary>
    public (long Queries, long Lookups) LookupCounts => _lookups.Counts;

    public Task<string?> FindAsync(GrainId grain, string key) => _lookups.WriteAsync((grain.ToString(), key));

    private async Task<IReadOnlyList<string?>> FindBatchAsync(IReadOnlyList<(string Grain, string Key)> lookups)
    {
        await using var cmd = _dataSource.CreateCommand("""
            SELECT q.ordinal, coalesce(
                (SELECT outcome FROM ledger_applied_operations o WHERE o.grain_id = q.grain AND o.operation_key = q.key),
                (SELECT b.entries ->> q.key FROM ledger_applied_operation_batches b
                  WHERE b.grain_id = q.grain AND b.entries ? q.key ORDER BY b.batch_id LIMIT 1))
              FROM unnest($1::text[], $2::text[], $3::integer[]) AS q(grain, key, ordinal)
            """);
        cmd.Parameters.AddWithValue(lookups.Select(l => l.Grain).ToArray());
        cmd.Parameters.AddWithValue(lookups.Select(l => l.Key).ToArray());
        cmd.Parameters.AddWithValue(Enumerable.Range(0, lookups.Count).ToArray());
        var found = new string?[lookups.Count];
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found[reader.GetInt32(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        return found;
    }

    public async IAsyncEnumerable<string> KeysAsync(GrainId grain)
    {
        await using var cmd = _dataSource.CreateCommand("""
            SELECT jsonb_object_keys(entries) FROM ledger_applied_operation_batches WHERE grain_id = $1
            UNION ALL
            SELECT operation_key FROM ledger_applied_operations WHERE grain_id = $1
            """);
        cmd.Parameters.AddWithValue(grain.ToString());
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            yield return reader.GetString(0);
        }
    }

    public async Task ArchiveAsync(GrainId grain, IReadOnlyCollection<KeyValuePair<string, string>> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        var batch = new Dictionary<string, string>(entries.Count, StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            // Within one batch a key keeps its first value, as it does across batches.
            batch.TryAdd(key, value);
        }
        await using var cmd = _dataSource.CreateCommand("INSERT INTO ledger_applied_operation_batches (grain_id, entries) VALUES ($1, $2)");
        cmd.Parameters.AddWithValue(grain.ToString());
        cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(batch), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync();
    }
}
