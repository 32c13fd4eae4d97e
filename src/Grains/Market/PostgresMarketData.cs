using Microsoft.Extensions.Logging;
using Npgsql;
using Sharemint.Errors;

namespace Sharemint.Market;

/// <summary>
/// Last prices in PostgreSQL (<c>market_prices</c>). The configured seed prices are written before the first read
/// (and by <see cref="SeedAsync"/>): inserted when absent, refreshed when a previous seed differs, and never written
/// over a price an operator set through <see cref="SetLastPriceAsync"/>. Reads are served from this process's copy
/// while it listens for the table's change notifications (<see cref="MarketPriceCache"/>), and from the table otherwise.
/// </summary>
public sealed class PostgresMarketData : IMarketData, IAsyncDisposable, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly MarketOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PostgresMarketData> _logger;
    private readonly MarketPriceCache _cache;
    private readonly SemaphoreSlim _seedGate = new(1, 1);
    private volatile bool _seeded;

    /// <summary>Market data on <paramref name="dataSource"/>; its price listener starts with the first read or <see cref="SeedAsync"/>.</summary>
    public PostgresMarketData(NpgsqlDataSource dataSource, MarketOptions options, TimeProvider time, ILogger<PostgresMarketData> logger)
    {
        _dataSource = dataSource;
        _options = options;
        _time = time;
        _logger = logger;
        _cache = new MarketPriceCache(dataSource, ReadAsync, time, logger);
    }

    /// <summary>Whether prices are served from memory now (the change listener is connected); otherwise each read queries the table.</summary>
    public bool ServesFromMemory => _cache.IsListening;

    /// <inheritdoc />
    public async Task<MarketPrice> GetLastPriceAsync(string ticker, CancellationToken cancellationToken = default)
    {
        var canonical = MarketValidation.Ticker(ticker);
        await EnsureSeededAsync(cancellationToken);
        return await _cache.GetAsync(canonical, cancellationToken)
            ?? throw new LedgerException(LedgerError.PriceUnavailable, $"No price is known for '{canonical}'.");
    }

    private async Task<MarketPrice?> ReadAsync(string canonical, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT price, as_of FROM market_prices WHERE ticker = $1");
        command.Parameters.AddWithValue(canonical);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new MarketPrice(canonical, MarketValidation.Normalize(reader.GetDecimal(0)), reader.GetFieldValue<DateTimeOffset>(1));
    }

    /// <inheritdoc />
    public async Task SetLastPriceAsync(string ticker, decimal price, CancellationToken cancellationToken = default)
    {
        var canonical = MarketValidation.Ticker(ticker);
        var valid = MarketValidation.Price(price);
        // Seed first so that a later lazy seed can never land on top of this operator price.
        await EnsureSeededAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO market_prices (ticker, price, as_of, source) VALUES ($1, $2, $3, 'operator')
            ON CONFLICT (ticker) DO UPDATE SET price = excluded.price, as_of = excluded.as_of, source = 'operator'
            """);
        command.Parameters.AddWithValue(canonical);
        command.Parameters.AddWithValue(valid);
        command.Parameters.AddWithValue(_time.GetUtcNow());
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            // This process reads its own write at once (even one whose commit's reply was lost); other silos drop the
            // ticker when the notification reaches them.
            _cache.Forget(canonical);
        }
        _logger.LogInformation("Last price of {Ticker} set to {Price}", canonical, valid);
    }

    /// <summary>Writes the configured seed prices now. Idempotent; safe from several silos at once.</summary>
    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        _cache.Start();
        var now = _time.GetUtcNow();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var (ticker, price) in _options.Prices)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO market_prices (ticker, price, as_of, source) VALUES ($1, $2, $3, 'seed')
                ON CONFLICT (ticker) DO UPDATE SET price = excluded.price, as_of = excluded.as_of
                 WHERE market_prices.source = 'seed' AND market_prices.price <> excluded.price
                """, connection);
            command.Parameters.AddWithValue(ticker);
            command.Parameters.AddWithValue(price);
            command.Parameters.AddWithValue(now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        _cache.ForgetAll();
        _seeded = true;
    }

    private async ValueTask EnsureSeededAsync(CancellationToken cancellationToken)
    {
        if (_seeded)
        {
            return;
        }
        await _seedGate.WaitAsync(cancellationToken);
        try
        {
            if (!_seeded)
            {
                await SeedAsync(cancellationToken);
                if (_options.Prices.Count > 0)
                {
                    _logger.LogInformation("Seeded {Count} configured market prices", _options.Prices.Count);
                }
            }
        }
        finally
        {
            _seedGate.Release();
        }
    }

    /// <summary>Stops the price listener and closes its connection.</summary>
    public ValueTask DisposeAsync() => _cache.DisposeAsync();

    /// <summary>Asks the price listener to stop (it closes its connection as its wait is cancelled).</summary>
    public void Dispose() => _cache.Dispose();
}
