using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;
using Sharemint.Fixtures;

namespace Sharemint.Operations.Tests;

/// <summary>
/// The open-order and pending-chain-write gauges come from PostgreSQL (the order index and the signers' write-ahead
/// log), so every silo reports the cluster's truth rather than its own process's count: rows written by any silo (here,
/// straight into the tables) show up in a silo's scrape with their counts and ages, terminal rows excluded.
/// </summary>
public sealed class DatabaseGaugeTests
{
    [Fact]
    public async Task Unfinished_orders_and_pending_chain_writes_are_read_from_the_database()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_dbgauges");
        await using var silo = await SiloProcess.StartAsync(database, seedDemo: false,
            extraEnvironment: new Dictionary<string, string> { ["Sharemint__Telemetry__SampleIntervalSeconds"] = "1" });

        // Written after start-up (the resumer only wakes orders at start), as other silos would write them.
        await using (var data = NpgsqlDataSource.Create(database))
        await using (var insert = data.CreateCommand("""
            INSERT INTO order_index (order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at, version) VALUES
              ('o-old',     'Mint',   'InProgress', 'p', 'TSLAx', 'ethereum', 1, now() - interval '20 minutes', now(), 3),
              ('o-new',     'Mint',   'InProgress', 'p', 'TSLAx', 'ethereum', 1, now() - interval '1 minute',   now(), 3),
              ('o-held',    'Redeem', 'Held',       'p', 'TSLAx', 'solana',   1, now() - interval '2 minutes',  now(), 2),
              ('o-settled', 'Mint',   'Settled',    'p', 'TSLAx', 'ethereum', 1, now() - interval '3 hours',    now(), 9);
            INSERT INTO chain_signer_writes (chain, write_id, fingerprint, payload, state, created_at) VALUES
              ('ethereum', 'w-stuck', 'f', '{}', 'pending', now() - interval '15 minutes'),
              ('ethereum', 'w-done',  'f', '{}', 'final',   now() - interval '2 hours'),
              ('solana',   'w-final', 'f', '{}', 'final',   now() - interval '1 hour');
            """))
        {
            await insert.ExecuteNonQueryAsync();
        }

        using var http = silo.CreateManagementHttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var metrics = await http.GetStringAsync("metrics");
        // The sampler runs every second: wait for the first read that includes the new rows.
        while (Value(metrics, "sharemint_orders_unfinished", "kind=\"mint\",status=\"in_progress\"") != 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            metrics = await http.GetStringAsync("metrics");
        }

        Assert.Equal(2, Value(metrics, "sharemint_orders_unfinished", "kind=\"mint\",status=\"in_progress\""));
        Assert.Equal(1, Value(metrics, "sharemint_orders_unfinished", "kind=\"redeem\",status=\"held\""));
        Assert.Equal(0, Value(metrics, "sharemint_orders_unfinished", "kind=\"mint\",status=\"accepted\""));
        Assert.DoesNotContain("status=\"settled\"", metrics, StringComparison.Ordinal);
        var oldest = Value(metrics, "sharemint_orders_oldest_unfinished_age_seconds", "kind=\"mint\",status=\"in_progress\"");
        Assert.InRange(oldest, 1200, 1320);
        Assert.Equal(0, Value(metrics, "sharemint_orders_oldest_unfinished_age_seconds", "kind=\"transfer\",status=\"queued\""));

        Assert.Equal(1, Value(metrics, "sharemint_chain_operations_pending", "chain=\"ethereum\""));
        Assert.Equal(0, Value(metrics, "sharemint_chain_operations_pending", "chain=\"solana\""));
        Assert.InRange(Value(metrics, "sharemint_chain_operations_oldest_pending_age_seconds", "chain=\"ethereum\""), 900, 1020);
        Assert.Equal(0, Value(metrics, "sharemint_chain_operations_oldest_pending_age_seconds", "chain=\"solana\""));
    }

    /// <summary>The value of the series <paramref name="metric"/>{…<paramref name="labels"/>…} in a Prometheus text scrape, or NaN.</summary>
    private static double Value(string metrics, string metric, string labels)
    {
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && l.Contains(labels, StringComparison.Ordinal));
        if (line is null)
        {
            return double.NaN;
        }
        var value = Regex.Match(line, @"\}\s+(?<v>\S+)").Groups["v"].Value;
        return double.Parse(value, CultureInfo.InvariantCulture);
    }
}
