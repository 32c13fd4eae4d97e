using System.Net;
using System.Text.Json;
using Npgsql;
using Sharemint.Fixtures;

namespace Sharemint.Silo.Tests;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>The real silo process: probes, the demo catalogue, the asset API, crash and restart.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SiloHostTests(PostgresFixture postgres)
{
    private static readonly Dictionary<string, (string Ticker, string Isin)> Expected = new()
    {
        ["AAPLx"] = ("AAPL", "US0378331005"), ["TSLAx"] = ("TSLA", "US88160R1014"), ["NVDAx"] = ("NVDA", "US67066G1040"),
        ["MSTRx"] = ("MSTR", "US5949724083"), ["SPYx"] = ("SPY", "US78462F1030"), ["QQQx"] = ("QQQ", "US46090E1038"),
        ["GLDx"] = ("GLD", "US78463V1070"), ["COINx"] = ("COIN", "US19260Q1076"), ["HOODx"] = ("HOOD", "US7707001027"),
        ["METAx"] = ("META", "US30303M1027"),
    };

    [Fact]
    public async Task Seeds_the_demo_catalogue_and_serves_it_with_probes_and_dashboard()
    {
        var db = await postgres.Server.CreateMigratedDatabaseAsync("silo");
        // A configured price wins over the catalogue's paper price; tickers without one get the paper price.
        await using var silo = await SiloProcess.StartAsync(db, extraEnvironment: new Dictionary<string, string> { ["Sharemint__Market__Prices__NVDA"] = "199.5" });
        using var http = silo.CreateHttpClient();

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/startup")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/ready")).StatusCode);
        // The dashboard lives on the management port only.
        using var management = silo.CreateManagementHttpClient();
        Assert.Equal(HttpStatusCode.OK, (await management.GetAsync("dashboard")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("dashboard")).StatusCode);

        using var assets = JsonDocument.Parse(await http.GetStringAsync("v1/assets"));
        var listed = assets.RootElement.EnumerateArray().ToDictionary(a => a.GetProperty("symbol").GetString()!);
        // Every asset of the shipped catalogue file, and the original ten with their securities.
        Assert.Equal(CatalogueFileTests.Load().Select(a => a.Symbol).Order(StringComparer.Ordinal), listed.Keys.Order(StringComparer.Ordinal));
        foreach (var (symbol, (ticker, isin)) in Expected)
        {
            Assert.Equal(ticker, listed[symbol].GetProperty("underlyingTicker").GetString());
            Assert.Equal(isin, listed[symbol].GetProperty("isin").GetString());
        }

        await using (var connection = new NpgsqlConnection(db))
        {
            await connection.OpenAsync();
            await using var prices = new NpgsqlCommand("SELECT ticker, price FROM market_prices WHERE ticker IN ('NVDA', 'MSFT', 'XLE')", connection);
            var seeded = new Dictionary<string, decimal>();
            await using (var reader = await prices.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) seeded[reader.GetString(0)] = reader.GetDecimal(1);
            }
            Assert.Equal(199.5m, seeded["NVDA"]);
            Assert.Equal(CatalogueFileTests.Load().Single(e => e.Ticker == "MSFT").PaperPrice, seeded["MSFT"]);
            Assert.Equal(CatalogueFileTests.Load().Single(e => e.Ticker == "XLE").PaperPrice, seeded["XLE"]);
        }

        using var missing = await http.GetAsync("v1/assets/NOPEx");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await missing.Content.ReadAsStringAsync());
        Assert.Equal("asset_not_found", problem.RootElement.GetProperty("code").GetString());
        Assert.DoesNotContain("   at ", problem.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Liveness_ignores_the_database_while_readiness_follows_it()
    {
        // A server of its own, so stopping it disturbs no other test.
        await using var own = await PostgresServer.CreateAsync();
        var db = await own.CreateMigratedDatabaseAsync("probe");
        await using var silo = await SiloProcess.StartAsync(db, seedDemo: false);
        using var http = silo.CreateHttpClient();

        await own.StopAsync();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("health/ready")).StatusCode);

        await own.StartAsync();
        await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("health/ready")).StatusCode);
    }

    [Fact]
    public async Task State_survives_a_killed_silo_and_reseeding_is_idempotent()
    {
        var db = await postgres.Server.CreateMigratedDatabaseAsync("crash");
        var cluster = $"crash-{Guid.NewGuid():N}";
        // The restarted process comes back on the same silo endpoint (as a restarted host does), so it declares its
        // dead predecessor dead at once instead of waiting for probes to time out.
        var siloPort = FreePort.Next();
        var first = await SiloProcess.StartAsync(db, clusterId: cluster, siloPort: siloPort);
        await first.KillAsync();
        await first.DisposeAsync();

        await using var second = await SiloProcess.StartAsync(db, clusterId: cluster, siloPort: siloPort);
        using var http = second.CreateHttpClient();
        using var assets = JsonDocument.Parse(await http.GetStringAsync("v1/assets"));
        Assert.Equal(CatalogueFileTests.Load().Count, assets.RootElement.GetArrayLength());

        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT state FROM grain_state WHERE grain_type = 'account' AND grain_key = 'partner-demo'", connection);
        using var account = JsonDocument.Parse((string)(await cmd.ExecuteScalarAsync())!);
        // Seeded twice (once per start), credited once: the seed's operation ids are fixed.
        Assert.Equal(1_000_000m, account.RootElement.GetProperty("cashBalance").GetDecimal());
        // Stored rows are plain JSON without .NET type names.
        Assert.DoesNotContain("$type", account.RootElement.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("Sharemint.", account.RootElement.GetRawText(), StringComparison.Ordinal);

        // Membership in PostgreSQL: the new generation is active, the killed one is declared dead.
        await using var members = new NpgsqlCommand(
            "SELECT status, count(*)::int FROM orleans_membership WHERE deployment_id = @c GROUP BY status ORDER BY status", connection);
        members.Parameters.AddWithValue("c", cluster);
        var byStatus = new Dictionary<int, int>();
        await using (var reader = await members.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                byStatus[reader.GetInt32(0)] = reader.GetInt32(1);
            }
        }
        Assert.Equal(1, byStatus.GetValueOrDefault(3));
        Assert.Equal(1, byStatus.GetValueOrDefault(6));
    }

    [Fact]
    public async Task Sigterm_shuts_the_silo_down_gracefully()
    {
        var db = await postgres.Server.CreateMigratedDatabaseAsync("sigterm");
        var cluster = $"term-{Guid.NewGuid():N}";
        await using var silo = await SiloProcess.StartAsync(db, seedDemo: false, clusterId: cluster);
        Assert.Equal(0, await silo.StopAsync(TimeSpan.FromSeconds(60)));

        // A graceful stop leaves the silo marked dead (6) in membership, not active.
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT status FROM orleans_membership WHERE deployment_id = @c", connection);
        cmd.Parameters.AddWithValue("c", cluster);
        Assert.Equal(6, (int)(await cmd.ExecuteScalarAsync())!);
    }
}
