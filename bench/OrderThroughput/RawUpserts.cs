using System.Diagnostics;
using Npgsql;

namespace Sharemint.OrderThroughput;

/// <summary>The same-run baseline's figures.</summary>
public sealed record UpsertResult(long Upserts, TimeSpan Elapsed, double[] LatencyMs, int PayloadBytes, CpuSample Cpu)
{
    public double PerSecond => Upserts / Elapsed.TotalSeconds;
}

/// <summary>
/// The baseline: raw <c>INSERT … ON CONFLICT DO UPDATE</c> on a small table of the benchmark's own PostgreSQL, with as many
/// concurrent writers (each its own pooled connection) as there are partners, each writer upserting its own row with a
/// payload as large as a stored order. No grain, no serializer, no saga: what the database does on its own.
/// </summary>
public static class RawUpserts
{
    public static async Task<UpsertResult> RunAsync(string connectionString, int writers, TimeSpan duration, int payloadBytes, Func<CpuSample> readCpu)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = Math.Max(writers + 10, 100) };
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        await using (var create = dataSource.CreateCommand(
            "CREATE TABLE IF NOT EXISTS bench_upsert (id text PRIMARY KEY, version integer NOT NULL, payload bytea NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }
        var payload = new byte[payloadBytes];
        Random.Shared.NextBytes(payload);

        async Task UpsertAsync(int writer)
        {
            await using var command = dataSource.CreateCommand(
                "INSERT INTO bench_upsert (id, version, payload) VALUES ($1, 1, $2) " +
                "ON CONFLICT (id) DO UPDATE SET version = bench_upsert.version + 1, payload = EXCLUDED.payload");
            command.Parameters.AddWithValue($"writer-{writer}");
            command.Parameters.AddWithValue(payload);
            await command.ExecuteNonQueryAsync();
        }

        // Warm-up: open every connection and create every row outside the measurement.
        await Task.WhenAll(Enumerable.Range(0, writers).Select(UpsertAsync));
        var latencies = new List<double>[writers];
        long upserts = 0;
        // Read while the writers' backends are alive: once they exit, their CPU reaches the postmaster only when reaped.
        var cpuBefore = readCpu();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            var mine = latencies[writer] = [];
            while (clock.Elapsed < duration)
            {
                var started = Stopwatch.GetTimestamp();
                await UpsertAsync(writer);
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref upserts);
            }
        })));
        var elapsed = clock.Elapsed;
        var cpu = readCpu().Since(cpuBefore);
        return new UpsertResult(upserts, elapsed, [.. latencies.SelectMany(l => l)], payloadBytes, cpu);
    }

    /// <summary>The average stored size of an order grain's state, so the baseline writes rows of the same size.</summary>
    public static async Task<int> AverageOrderPayloadAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            // Orders are stored in their index rows (migration 0151); older ones in orleans_storage.
            """
            SELECT coalesce((SELECT avg(octet_length(state)) FROM order_index WHERE state IS NOT NULL),
                            (SELECT avg(octet_length(payload)) FROM orleans_storage WHERE grain_type LIKE '%order%'), 0)::int
            """);
        return Math.Max(64, (int)(await command.ExecuteScalarAsync())!);
    }
}
