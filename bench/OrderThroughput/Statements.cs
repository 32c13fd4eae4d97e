using Npgsql;

namespace Sharemint.OrderThroughput;

/// <summary>
/// With <c>--statements</c>: the benchmark's PostgreSQL loads pg_stat_statements, and each phase prints the statements
/// the platform ran most often per accepted order, which is where the commits per order come from.
/// </summary>
public static class Statements
{
    /// <summary>Server settings that load the extension.</summary>
    public static IReadOnlyDictionary<string, string> ServerSettings { get; } = new Dictionary<string, string>
    {
        ["shared_preload_libraries"] = "pg_stat_statements",
        ["pg_stat_statements.track"] = "all",
    };

    public static async Task EnableAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await command.ExecuteNonQueryAsync();
    }

    public static async Task ResetAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT pg_stat_statements_reset()");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The <paramref name="top"/> statements by calls since the last reset, as (calls, rows, execution ms, text).</summary>
    public static async Task<IReadOnlyList<(long Calls, long Rows, double ExecutionMs, string Query)>> TopAsync(string connectionString, int top)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("""
            SELECT calls, rows, total_exec_time, left(regexp_replace(query, '\s+', ' ', 'g'), 140)
              FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
               AND query NOT LIKE '%pg_stat%' AND query NOT LIKE '%pg_database%'
             ORDER BY calls DESC LIMIT $1
            """);
        command.Parameters.AddWithValue(top);
        var rows = new List<(long, long, double, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetString(3)));
        }
        return rows;
    }
}
