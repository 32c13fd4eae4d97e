using System.Text.Json;
using Sharemint.Fixtures;

namespace Sharemint.Cli.Tests;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>The real <c>sharemint</c> binary: output and exit codes.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CliTests(PostgresFixture postgres)
{
    private static Task<ProcessRunner.Result> Sharemint(params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [RepositoryPaths.Output("src/Cli", "Sharemint.Cli.dll"), .. args], TimeSpan.FromMinutes(2),
            environment: new Dictionary<string, string> { ["SHAREMINT_DB"] = "", ["ConnectionStrings__Sharemint"] = "" }, throwOnFailure: false);

    [Fact]
    public async Task Db_migrate_applies_every_migration_once_and_is_rerunnable()
    {
        var db = await CreateEmptyDatabaseAsync();

        var status = await Sharemint("db", "status", "--connection", db);
        Assert.Equal(3, status.ExitCode); // pending migrations
        Assert.Contains("pending  0001 orleans_clustering", status.StandardOutput, StringComparison.Ordinal);

        var first = await Sharemint("db", "migrate", "--connection", db);
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("applied  0001 orleans_clustering", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("applied  0003 orleans_reminders", first.StandardOutput, StringComparison.Ordinal);

        var again = await Sharemint("db", "migrate", "--connection", db, "--json");
        Assert.Equal(0, again.ExitCode);
        using var report = JsonDocument.Parse(again.StandardOutput);
        Assert.Equal(0, report.RootElement.GetProperty("applied").GetArrayLength());
        Assert.Equal([1, 2, 3, 4], report.RootElement.GetProperty("alreadyApplied").EnumerateArray().Select(e => e.GetInt32()).ToArray());

        Assert.Equal(0, (await Sharemint("db", "status", "--connection", db)).ExitCode);
    }

    [Fact]
    public async Task Missing_connection_or_unreachable_database_fail_with_distinct_exit_codes()
    {
        var missing = await Sharemint("db", "migrate");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--connection", missing.StandardError, StringComparison.Ordinal);

        var unreachable = await Sharemint("db", "migrate", "--connection", $"Host=127.0.0.1;Port={FreePort.Next()};Username=x;Database=x;Timeout=3");
        Assert.Equal(6, unreachable.ExitCode);
        Assert.Contains("error: database", unreachable.StandardError, StringComparison.Ordinal);

        var unknown = await Sharemint("db", "frobnicate");
        Assert.NotEqual(0, unknown.ExitCode);
    }

    [Fact]
    public async Task Assets_commands_read_the_running_platform()
    {
        var db = await postgres.Server.CreateMigratedDatabaseAsync("cli");
        await using var silo = await SiloProcess.StartAsync(db);
        var api = silo.BaseAddress.ToString();

        var list = await Sharemint("assets", "list", "--json", "--api", api);
        Assert.Equal(0, list.ExitCode);
        using var assets = JsonDocument.Parse(list.StandardOutput);
        Assert.Equal(10, assets.RootElement.GetArrayLength());
        Assert.Contains(assets.RootElement.EnumerateArray(), a => a.GetProperty("symbol").GetString() == "NVDAx" && a.GetProperty("isin").GetString() == "US67066G1040");

        var table = await Sharemint("assets", "list", "--api", api);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("TSLAx", table.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("US88160R1014", table.StandardOutput, StringComparison.Ordinal);

        var show = await Sharemint("assets", "show", "SPYx", "--api", api);
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("underlying SPY", show.StandardOutput, StringComparison.Ordinal);

        var unknown = await Sharemint("assets", "show", "NOPEx", "--json", "--api", api);
        Assert.Equal(4, unknown.ExitCode);
        using var error = JsonDocument.Parse(unknown.StandardOutput);
        Assert.Equal("asset_not_found", error.RootElement.GetProperty("error").GetString());

        var down = await Sharemint("assets", "list", "--api", $"http://127.0.0.1:{FreePort.Next()}/");
        Assert.Equal(5, down.ExitCode);
    }

    private async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = $"cli_{Guid.NewGuid():N}";
        await using var connection = new Npgsql.NpgsqlConnection(postgres.Server.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var create = new Npgsql.NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync();
        return postgres.Server.ConnectionString(name);
    }
}
