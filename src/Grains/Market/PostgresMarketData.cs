using Microsoft.Extensions.Logging;
using Npgsql;
using Sharemint.Errors;

namespace Sharemint.Market;

/// <summary>
/// Last prices in PostgreSQL (<c>market_prices</c>). The configured seed prices are written before the first read
/// (and by <see cref="SeedAsync"/>): inserted when absent, refreshed when a previous seed differs, and never written
/// over a price an operator set through <see cref="SetLastPriceAsync"/>.
/// </summary>
public sealed class PostgresMarketData(NpgsqlDataSource dataSource, MarketOptions options, TimeProvider time, ILogger<PostgresMarketData> logger)
    : IMarketData
{
    private readonly SemaphoreSlim _seedGate = new(1, 1);
    private volatile bool _seeded;

    /// <inheritdoc />
    public async Task<MarketPrice> GetLastPriceAsync(string ticker, CancellationToken cancellationToken = default)
    {
        var canonical = MarketValidation.Ticker(ticker);
        await EnsureSeededAsync(cancellationToken);
        await using var command = dataSource.CreateCommand("SELECT price, as_of FROM market_prices WHERE ticker = $1");
        command.Parameters.AddWithValue(canonical);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new LedgerException(LedgerError.PriceUnavailable, $"No price is known for '{canonical}'.");
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
        await using var command = dataSource.CreateCommand("""
            INSERT INTO market_prices (ticker, price, as_of, source) VALUES ($1, $2, $3, 'operator')
            ON CONFLICT (ticker) DO UPDATE SET price = excluded.price, as_of = excluded.as_of, source = 'operator'
            """);
        command.Parameters.AddWithValue(canonical);
        command.Parameters.AddWithValue(valid);
        command.Parameters.AddWithValue(time.GetUtcNow());
        await command.ExecuteNonQueryAsync(cancellationToken);
        logger.LogInformation("Last price of {Ticker} set to {Price}", canonical, valid);
    }

    /// <summary>Writes the configured seed prices now. Idempotent; safe from several silos at once.</summary>
    public async Task SeedAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        foreach (var (ticker, price) in options.Prices)
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
                if (options.Prices.Count > 0)
                {
                    logger.LogInformation("Seeded {Count} configured market prices", options.Prices.Count);
                }
            }
        }
        finally
        {
            _seedGate.Release();
        }
    }
}
