using Npgsql;
using Sharemint.Fixtures;
using Sharemint.Silo.Hosting;

namespace Sharemint.Grains.Tests;

/// <summary>The silo's pools do not reset connections on return (each reset was a statement and a commit of its own).</summary>
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
}
