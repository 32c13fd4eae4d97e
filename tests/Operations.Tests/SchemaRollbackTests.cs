using Npgsql;
using Sharemint.Fixtures;

namespace Sharemint.Operations.Tests;

/// <summary>
/// The rollback path, with the real silo process: a newer build migrated the database additively and was rolled back, so
/// this (older) build starts against a schema it does not fully know and serves. A breaking newer migration, or its own
/// migrations missing, make it refuse to serve.
/// </summary>
public sealed class SchemaRollbackTests
{
    [Fact]
    public async Task An_older_build_serves_on_additive_newer_migrations_and_refuses_breaking_ones()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_rollback");
        await ExecuteAsync(database, """
            ALTER TABLE order_index ADD COLUMN IF NOT EXISTS partner_reference text;
            CREATE TABLE IF NOT EXISTS future_feature (id bigint PRIMARY KEY);
            INSERT INTO schema_migrations (version, name, checksum, breaking) VALUES (9998, 'future_feature', 'y', false);
            """);

        await using (var silo = await SiloProcess.StartAsync(database, seedDemo: true))
        {
            using var http = silo.CreateHttpClient();
            using var assets = await http.GetAsync("v1/assets");
            Assert.True(assets.IsSuccessStatusCode, $"the rolled-back silo serves: {(int)assets.StatusCode}");
            Assert.Contains("additive migrations newer than this build (9998)", silo.Output, StringComparison.Ordinal);
        }

        await ExecuteAsync(database, "INSERT INTO schema_migrations (version, name, checksum, breaking) VALUES (9999, 'future_drop', 'z', true)");
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(database, seedDemo: false));
        Assert.Contains("exited", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Refusing to serve", refused.Message, StringComparison.Ordinal);
        Assert.Contains("9999", refused.Message, StringComparison.Ordinal);
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
