using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sharemint.Fixtures;

namespace Sharemint.Market.Tests;

/// <summary>A private PostgreSQL with one migrated database, shared by the database tests (each uses its own tickers).</summary>
public sealed class MarketDatabase : IAsyncLifetime
{
    private PostgresServer? _server;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    /// <summary>A ticker no other test uses: 'T' and six random letters.</summary>
    public static string NewTicker() =>
        "T" + new string(Enumerable.Range(0, 6).Select(_ => (char)('A' + Random.Shared.Next(26))).ToArray());

    public PostgresMarketData MarketData(TimeProvider time, MarketOptions? options = null) =>
        new(DataSource, options ?? new MarketOptions(), time, NullLogger<PostgresMarketData>.Instance);

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.CreateAsync();
        ConnectionString = await _server.CreateMigratedDatabaseAsync("market");
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync()
    {
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
}

[CollectionDefinition(Name)]
public sealed class MarketDatabaseCollection : ICollectionFixture<MarketDatabase>
{
    public const string Name = "market-database";
}
