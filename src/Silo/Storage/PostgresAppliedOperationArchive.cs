using Npgsql;
using NpgsqlTypes;
using Sharemint.Ledger;

namespace Sharemint.Silo.Storage;

/// <summary>The applied-operation archive in PostgreSQL (table <c>ledger_applied_operations</c>).</summary>
public sealed class PostgresAppliedOperationArchive(NpgsqlDataSource dataSource) : IAppliedOperationArchive
{
    public async Task<string?> FindAsync(GrainId grain, string key)
    {
        await using var cmd = dataSource.CreateCommand(
            "SELECT outcome FROM ledger_applied_operations WHERE grain_id = $1 AND operation_key = $2");
        cmd.Parameters.AddWithValue(grain.ToString());
        cmd.Parameters.AddWithValue(key);
        return (string?)await cmd.ExecuteScalarAsync();
    }

    public async Task ArchiveAsync(GrainId grain, IReadOnlyCollection<KeyValuePair<string, string>> entries)
    {
        await using var cmd = dataSource.CreateCommand("""
            INSERT INTO ledger_applied_operations (grain_id, operation_key, outcome)
            SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS e(k, v)
            ON CONFLICT (grain_id, operation_key) DO NOTHING
            """);
        cmd.Parameters.AddWithValue(grain.ToString());
        cmd.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Key).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        cmd.Parameters.Add(new NpgsqlParameter { Value = entries.Select(e => e.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await cmd.ExecuteNonQueryAsync();
    }
}
