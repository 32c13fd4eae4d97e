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
    internal static Task<ProcessRunner.Result> Sharemint(params string[] args) =>
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
        var already = report.RootElement.GetProperty("alreadyApplied").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(first.StandardOutput.Split('\n').Count(l => l.StartsWith("applied  ", StringComparison.Ordinal)), already.Length);
        Assert.Contains(7, already); // the API keys and replay guard

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
