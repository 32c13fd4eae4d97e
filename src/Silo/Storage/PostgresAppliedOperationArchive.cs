using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Sharemint.Ledger;

namespace Sharemint.Silo.Storage;

/// <summary>
/// The applied-operation archive in PostgreSQL: each archiving writes one row of <c>ledger_applied_operation_batches</c>
/// (migration 0040) holding the whole batch; lookups also see ids archived one row each in <c>ledger_applied_operations</c>
/// before that migration (or by an older silo during a rolling upgrade), which win as the older record.
/// </summary>
public sealed class PostgresAppliedOperationArchive(NpgsqlDataSource dataSource) : IAppliedOperationArchive
{
    public async Task<string?> FindAsync(GrainId grain, string key)
    {
        await using var cmd = dataSource.CreateCommand("""
            SELECT coalesce(
                (SELECT outcome FROM ledger_applied_operations WHERE grain_id = $1 AND operation_key = $2),
                (SELECT entries ->> $2 FROM ledger_applied_operation_batches WHERE grain_id = $1 AND entries ? $2 ORDER BY batch_id LIMIT 1))
            """);
        cmd.Parameters.AddWithValue(grain.ToString());
        cmd.Parameters.AddWithValue(key);
        var found = await cmd.ExecuteScalarAsync();
        return found is DBNull ? null : (string?)found;
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
        await using var cmd = dataSource.CreateCommand("INSERT INTO ledger_applied_operation_batches (grain_id, entries) VALUES ($1, $2)");
        cmd.Parameters.AddWithValue(grain.ToString());
        cmd.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(batch), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await cmd.ExecuteNonQueryAsync();
    }
}
