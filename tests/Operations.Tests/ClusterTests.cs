using System.Globalization;
using Npgsql;
using Sharemint.Assets;
using Sharemint.Fixtures;
using Sharemint.Operations;

namespace Sharemint.Operations.Tests;

/// <summary>
/// Three real silo processes on loopback form one cluster through PostgreSQL membership. Ledger operations keep flowing
/// through an Orleans client while one silo is killed (SIGKILL) and a fourth joins; every acknowledged operation is in
/// the ledger exactly once, and membership records the killed silo as dead.
/// </summary>
public sealed class ClusterTests
{
    private const int Dead = 6;
    private static readonly string[] Symbols = ["AAPLx", "TSLAx", "NVDAx", "SPYx", "GLDx", "QQQx"];

    [Fact]
    public async Task Work_continues_through_a_silo_crash_and_a_join_with_nothing_lost_or_doubled()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_cluster");
        var clusterId = $"cluster-{Guid.NewGuid():N}";
        var ports = new Dictionary<SiloProcess, int>();
        var silos = new List<SiloProcess>();
        try
        {
            // The first silo seeds the catalogue; the others join.
            for (var i = 0; i < 3; i++)
            {
                var port = FreePort.Next();
                var silo = await SiloProcess.StartAsync(database, seedDemo: i == 0, clusterId: clusterId, siloPort: port);
                silos.Add(silo);
                ports[silo] = port;
            }
            await WaitForActiveSilosAsync(database, clusterId, 3, TimeSpan.FromSeconds(60));
            await using var client = await SiloClient.ConnectAsync(database, clusterId);
            var grains = client.Client;

            // Workers add custody under unique operation ids; a call that fails is retried under the same id until
            // acknowledged, so each operation must land exactly once whatever the crash did to the first attempt.
            using var stop = new CancellationTokenSource();
            var acknowledged = new int[Symbols.Length];
            var retries = 0;
            var workers = Symbols.Select((symbol, index) => Task.Run(async () =>
            {
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var operation = OperationId.From($"cluster/{symbol}/{n}");
                    var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
                    while (true)
                    {
                        try
                        {
                            await grains.GetGrain<IAssetGrain>(symbol).AddCustodyAsync(operation, 1m);
                            break;
                        }
                        catch (Exception ex) when (DateTime.UtcNow < deadline && ex is not Errors.LedgerException)
                        {
                            Interlocked.Increment(ref retries);
                            await Task.Delay(100);
                        }
                    }
                    Interlocked.Increment(ref acknowledged[index]);
                }
            })).ToArray();

            await WaitForProgressAsync(acknowledged, 20, TimeSpan.FromSeconds(60));
            var victim = silos[1];
            await victim.KillAsync();
            var beforeJoin = acknowledged.Sum();
            var joinerPort = FreePort.Next();
            var joiner = await SiloProcess.StartAsync(database, seedDemo: false, clusterId: clusterId, siloPort: joinerPort);
            silos.Add(joiner);
            ports[joiner] = joinerPort;
            await WaitForProgressAsync(acknowledged, beforeJoin + 60, TimeSpan.FromSeconds(90));
            await stop.CancelAsync();
            await Task.WhenAll(workers);

            // Nothing lost, nothing doubled: custody equals the acknowledged operations, per asset.
            for (var i = 0; i < Symbols.Length; i++)
            {
                var snapshot = await grains.GetGrain<IAssetGrain>(Symbols[i]).GetAsync();
                Assert.Equal((decimal)acknowledged[i], snapshot.CustodyShares);
            }
            Assert.True(acknowledged.Sum() > beforeJoin, "work must continue after the crash");

            // Membership: the killed silo is declared dead by the survivors; the joiner and the others are active.
            var statuses = await WaitForStatusAsync(database, clusterId, ports[victim], Dead, TimeSpan.FromSeconds(90));
            Assert.Equal(Dead, statuses[ports[victim]]);
            foreach (var silo in silos.Where(s => s != victim))
            {
                Assert.Equal(3, statuses[ports[silo]]);
            }
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static async Task WaitForProgressAsync(int[] acknowledged, int target, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (acknowledged.Sum() < target)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"only {acknowledged.Sum()} of {target} operations acknowledged within {timeout}");
            }
            await Task.Delay(100);
        }
    }

    private static async Task WaitForActiveSilosAsync(string database, string clusterId, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await ReadStatusesAsync(database, clusterId)).Values.Count(s => s == 3) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{count} silos did not become active within {timeout}");
            }
            await Task.Delay(250);
        }
    }

    private static async Task<Dictionary<int, int>> WaitForStatusAsync(string database, string clusterId, int port, int status, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var statuses = await ReadStatusesAsync(database, clusterId);
            if (statuses.TryGetValue(port, out var current) && current == status)
            {
                return statuses;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"silo on port {port} did not reach status {status} within {timeout}: {string.Join(", ", statuses)}");
            }
            await Task.Delay(500);
        }
    }

    /// <summary>Latest generation's status per silo port (3 = active, 6 = dead).</summary>
    private static async Task<Dictionary<int, int>> ReadStatusesAsync(string database, string clusterId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT ON (port) port, status FROM orleans_membership WHERE deployment_id = @id ORDER BY port, generation DESC", connection);
        command.Parameters.AddWithValue("id", clusterId);
        var statuses = new Dictionary<int, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statuses[reader.GetInt32(0)] = reader.GetInt32(1);
        }
        return statuses;
    }
}
