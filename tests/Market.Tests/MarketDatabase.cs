using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sharemint.Fixtures;

namespace Sharemint.Market.Tests;

/// <summary>
/// A private PostgreSQL with one migrated database, shared by the database tests (each uses its own tickers). It loads
/// pg_stat_statements so that tests can count the price reads the server actually ran.
/// </summary>
public sealed class MarketDatabase : IAsyncLifetime
{
    /// <summary>The statement <see cref="PostgresMarketData"/> reads a price with, as pg_stat_statements records it.</summary>
    public const string PriceReadStatement = "SELECT price, as_of FROM market_prices WHERE ticker = $1";

    private readonly List<PostgresMarketData> _created = [];
    private PostgresServer? _server;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    /// <summary>A ticker no other test uses: 'T' and six random letters.</summary>
    public static string NewTicker() =>
        "T" + new string(Enumerable.Range(0, 6).Select(_ => (char)('A' + Random.Shared.Next(26))).ToArray());

    /// <summary>Market data on the shared database; its price listener is stopped when the fixture is disposed.</summary>
    public PostgresMarketData MarketData(TimeProvider time, MarketOptions? options = null)
    {
        var data = new PostgresMarketData(DataSource, options ?? new MarketOptions(), time, NullLogger<PostgresMarketData>.Instance);
        lock (_created)
        {
            _created.Add(data);
        }
        return data;
    }

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.CreateAsync(new Dictionary<string, string>
        {
            ["shared_preload_libraries"] = "pg_stat_statements",
            ["pg_stat_statements.track"] = "all",
        });
        ConnectionString = await _server.CreateMigratedDatabaseAsync("market");
        DataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var extension = DataSource.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await extension.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var data in _created)
        {
            await data.DisposeAsync();
        }
        if (DataSource is not null)
        {
            await DataSource.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Rows in a table for a ticker: to prove a refused operation wrote nothing.</summary>
    public async Task<long> CountAsync(string table, string ticker)
    {
        await using var command = DataSource.CreateCommand($"SELECT count(*) FROM {table} WHERE ticker = $1");
        command.Parameters.AddWithValue(ticker);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>How many price reads the server has run on this database so far (every ticker, every instance).</summary>
    public async Task<long> PriceReadsAsync()
    {
        await using var command = DataSource.CreateCommand("""
            SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query = $1
            """);
        command.Parameters.AddWithValue(PriceReadStatement);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs one statement on a connection of its own, as an operator's psql session would.</summary>
    public async Task<int> ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary>Terminates every backend listening for price changes on this database (as a failover or an operator would).</summary>
    public async Task<int> KillPriceListenersAsync()
    {
        await using var command = DataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int FROM pg_stat_activity
             WHERE datname = current_database() AND query = 'LISTEN market_prices' AND pid <> pg_backend_pid()
            """);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}

[CollectionDefinition(Name)]
public sealed class MarketDatabaseCollection : ICollectionFixture<MarketDatabase>
{
    public const string Name = "market-database";
}
