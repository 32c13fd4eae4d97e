using Npgsql;
using Sharemint.Fixtures;
using Sharemint.Silo.Hosting;

namespace Sharemint.Grains.Tests;

/// <summary>
/// The silo's pools do not reset connections on return (each reset was a statement and a commit of its own), prepare the
/// statements they repeat, and plan each call for its own arguments.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PooledConnectionTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_connection_returned_to_the_pool_is_not_reset()
    {
        var connectionString = await postgres.Server.CreateMigratedDatabaseAsync("pooled");
        var pooled = new NpgsqlConnectionStringBuilder(SiloConfiguration.Pooled(connectionString)) { MaxPoolSize = 1 };
        Assert.Equal(new NpgsqlConnectionStringBuilder(connectionString).Database, pooled.Database);

        await using var dataSource = NpgsqlDataSource.Create(pooled.ConnectionString);
        await using (var first = await dataSource.OpenConnectionAsync())
        {
            await using var mark = new NpgsqlCommand("SELECT set_config('sharemint.probe', 'kept', false)", first);
            await mark.ExecuteNonQueryAsync();
        }
        // The pool's only connection, borrowed again: a DISCARD ALL on return would have cleared the session setting.
        await using var second = await dataSource.OpenConnectionAsync();
        await using var read = new NpgsqlCommand("SELECT current_setting('sharemint.probe', true)", second);
        Assert.Equal("kept", (string?)await read.ExecuteScalarAsync());
        await using var zone = new NpgsqlCommand("SHOW TimeZone", second);
        Assert.Equal("UTC", (string?)await zone.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_repeated_statement_is_prepared_and_still_planned_for_its_arguments()
    {
        var connectionString = await postgres.Server.CreateMigratedDatabaseAsync("prepared");
        var pooled = SiloConfiguration.Pooled(connectionString);
        Assert.Equal(pooled, SiloConfiguration.Pooled(pooled));
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(pooled) { MaxPoolSize = 1 }.ConnectionString);
        for (var i = 0; i < 3; i++)
        {
            await using var lookup = dataSource.CreateCommand("SELECT count(*) FROM order_index WHERE order_id = ANY($1)");
            lookup.Parameters.AddWithValue(new[] { $"ord_{i}" });
            Assert.Equal(0L, (long)(await lookup.ExecuteScalarAsync())!);
        }
        await using var prepared = dataSource.CreateCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM order_index WHERE order_id = ANY%'");
        Assert.Equal(1L, (long)(await prepared.ExecuteScalarAsync())!);
        await using var mode = dataSource.CreateCommand("SHOW plan_cache_mode");
        Assert.Equal("force_custom_plan", (string?)await mode.ExecuteScalarAsync());

        // An operator's own choice stands.
        var chosen = SiloConfiguration.Pooled(new NpgsqlConnectionStringBuilder(connectionString) { Options = "-c plan_cache_mode=auto" }.ConnectionString);
        await using var operatorChoice = NpgsqlDataSource.Create(chosen);
        await using var chosenMode = operatorChoice.CreateCommand("SHOW plan_cache_mode");
        Assert.Equal("auto", (string?)await chosenMode.ExecuteScalarAsync());
    }
}
