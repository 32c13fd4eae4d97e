using System.Diagnostics.Metrics;
using Npgsql;
using Sharemint.Errors;

namespace Sharemint.Market.Tests;

/// <summary>
/// Last prices served from memory and kept fresh by PostgreSQL notifications: a change made anywhere is served by the
/// next read once notified, a lost listener sends reads to the table, and a warm ticker costs no table read. Table
/// reads are counted by the server (pg_stat_statements), not by the code under test.
/// </summary>
[Collection(MarketDatabaseCollection.Name)]
public sealed class PriceCacheTests(MarketDatabase database)
{
    private readonly ManualTime _time = new(new DateTimeOffset(2025, 6, 16, 15, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task AChangeMadeByPlainSqlIsServedByTheNextReadOnceNotified()
    {
        var ticker = MarketDatabase.NewTicker();
        // Written before the instance listens, so no notification of it can arrive while the reads below are counted.
        await InsertAsync(ticker, 10m);
        var data = await ListeningAsync(database.MarketData(_time));
        Assert.Equal(10m, (await data.GetLastPriceAsync(ticker)).Price);
        var warm = await database.PriceReadsAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(10m, (await data.GetLastPriceAsync(ticker)).Price);
        }
        Assert.Equal(warm, await database.PriceReadsAsync());

        // An operator's UPDATE on a connection of its own: nothing in this process knows of it but the notification.
        Assert.Equal(1, await database.ExecuteAsync("UPDATE market_prices SET price = 10.5, as_of = $2 WHERE ticker = $1", ticker, _time.Now.AddMinutes(1)));
        await WaitUntilAsync(async () => (await data.GetLastPriceAsync(ticker)).Price == 10.5m, "the updated price");
        Assert.Equal(new MarketPrice(ticker, 10.5m, _time.Now.AddMinutes(1)), await data.GetLastPriceAsync(ticker));
        Assert.Equal(warm + 1, await database.PriceReadsAsync());

        // A deleted row is no price at all once notified.
        Assert.Equal(1, await database.ExecuteAsync("DELETE FROM market_prices WHERE ticker = $1", ticker));
        await WaitUntilAsync(async () => await PriceOrNullAsync(data, ticker) is null, "the deleted price to be gone");
        var error = await Assert.ThrowsAsync<LedgerException>(() => data.GetLastPriceAsync(ticker));
        Assert.Equal(LedgerError.PriceUnavailable, error.Error);
    }

    [Fact]
    public async Task APriceSetOnOneInstanceIsSeenByAnotherOnTheSameDatabase()
    {
        var ticker = MarketDatabase.NewTicker();
        var first = await ListeningAsync(database.MarketData(_time));
        var second = await ListeningAsync(database.MarketData(_time));
        await first.SetLastPriceAsync(ticker, 30m);
        Assert.Equal(30m, (await first.GetLastPriceAsync(ticker)).Price);
        Assert.Equal(30m, (await second.GetLastPriceAsync(ticker)).Price);

        _time.Now = _time.Now.AddMinutes(1);
        await first.SetLastPriceAsync(ticker, 31.25m);
        // The writer reads its own write at once; the other silo once its notification arrives.
        Assert.Equal(new MarketPrice(ticker, 31.25m, _time.Now), await first.GetLastPriceAsync(ticker));
        await WaitUntilAsync(async () => (await second.GetLastPriceAsync(ticker)).Price == 31.25m, "the second instance to see the new price");
        Assert.Equal(new MarketPrice(ticker, 31.25m, _time.Now), await second.GetLastPriceAsync(ticker));
    }

    [Fact]
    public async Task WhileWarmEachTickerIsReadFromTheTableOnceAndConcurrentColdReadsShareThatRead()
    {
        var (a, b) = (MarketDatabase.NewTicker(), MarketDatabase.NewTicker());
        await InsertAsync(a, 101m);
        await InsertAsync(b, 202m);
        var data = await ListeningAsync(database.MarketData(_time));
        using var metrics = new ReadsBySource();

        var before = await database.PriceReadsAsync();
        var prices = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => data.GetLastPriceAsync(i % 2 == 0 ? a : b)));
        Assert.All(prices, p => Assert.Equal(p.Ticker == a ? 101m : 202m, p.Price));
        Assert.Equal(before + 2, await database.PriceReadsAsync());

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(101m, (await data.GetLastPriceAsync(a.ToLowerInvariant())).Price);
            Assert.Equal(202m, (await data.GetLastPriceAsync(b)).Price);
        }
        Assert.Equal(before + 2, await database.PriceReadsAsync());
        // The exported counter tells the same story: two table reads, the rest joined them or came from memory.
        Assert.Equal(2, metrics.Count("table"));
        Assert.Equal(238, metrics.Count("shared") + metrics.Count("memory"));
        Assert.True(metrics.Count("memory") >= 200);
    }

    [Fact]
    public async Task AFailedReadFailsEveryCallerSharingItAndIsNotKept()
    {
        var ticker = MarketDatabase.NewTicker();
        await InsertAsync(ticker, 55m);
        var data = await ListeningAsync(database.MarketData(_time));

        // Hold the table so the read blocks, then kill the one backend running it.
        await using var blocker = new NpgsqlConnection(database.ConnectionString);
        await blocker.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE market_prices IN ACCESS EXCLUSIVE MODE", blocker, hold))
        {
            await lockTable.ExecuteNonQueryAsync();
        }
        var callers = Enumerable.Range(0, 5).Select(_ => data.GetLastPriceAsync(ticker)).ToList();
        await WaitUntilAsync(async () => await BlockedReadsAsync() >= 1, "the price read to wait for the lock");
        Assert.Equal(1, await BlockedReadsAsync());
        await using (var kill = database.DataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int FROM pg_stat_activity
             WHERE datname = current_database() AND query = $1 AND wait_event_type = 'Lock'
            """))
        {
            kill.Parameters.AddWithValue(MarketDatabase.PriceReadStatement);
            Assert.Equal(1, (int)(await kill.ExecuteScalarAsync())!);
        }
        foreach (var caller in callers)
        {
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => caller);
        }
        await hold.RollbackAsync();

        Assert.Equal(new MarketPrice(ticker, 55m, _time.Now), await data.GetLastPriceAsync(ticker));
    }

    [Fact]
    public async Task AKilledListenerNeverServesAStalePriceAndReconnects()
    {
        var ticker = MarketDatabase.NewTicker();
        // The listener's retry waits on these timers: it stays down until the test lets it retry.
        var timers = new HeldTimers();
        await InsertAsync(ticker, 20m);
        var data = await ListeningAsync(database.MarketData(timers));
        Assert.Equal(20m, (await data.GetLastPriceAsync(ticker)).Price);
        var reads = await database.PriceReadsAsync();
        Assert.Equal(20m, (await data.GetLastPriceAsync(ticker)).Price);
        Assert.Equal(reads, await database.PriceReadsAsync());

        Assert.True(await database.KillPriceListenersAsync() >= 1);
        await WaitUntilAsync(() => Task.FromResult(!data.ServesFromMemory), "the listener to notice its connection is gone");
        Assert.Equal(1, await database.ExecuteAsync("UPDATE market_prices SET price = 21 WHERE ticker = $1", ticker));
        // Down: the notification went nowhere, so every read goes to the table and sees the change at once.
        Assert.Equal(21m, (await data.GetLastPriceAsync(ticker)).Price);
        Assert.Equal(21m, (await data.GetLastPriceAsync(ticker)).Price);
        Assert.Equal(reads + 2, await database.PriceReadsAsync());
        Assert.False(data.ServesFromMemory);

        await WaitUntilAsync(() =>
        {
            timers.FireAll();
            return Task.FromResult(data.ServesFromMemory);
        }, "the listener to reconnect");
        Assert.Equal(21m, (await data.GetLastPriceAsync(ticker)).Price);
        Assert.Equal(21m, (await data.GetLastPriceAsync(ticker)).Price);
        Assert.Equal(reads + 3, await database.PriceReadsAsync());

        Assert.Equal(1, await database.ExecuteAsync("UPDATE market_prices SET price = 22 WHERE ticker = $1", ticker));
        await WaitUntilAsync(async () => (await data.GetLastPriceAsync(ticker)).Price == 22m, "the price updated after the reconnect");
        Assert.Equal(reads + 4, await database.PriceReadsAsync());
    }

    [Fact]
    public async Task AnUnknownTickerIsRefusedEachTimeUntilItIsInsertedAndBadTickersReadNothing()
    {
        var ticker = MarketDatabase.NewTicker();
        var data = await ListeningAsync(database.MarketData(_time));
        for (var i = 0; i < 2; i++)
        {
            var error = await Assert.ThrowsAsync<LedgerException>(() => data.GetLastPriceAsync(ticker));
            Assert.Equal(LedgerError.PriceUnavailable, error.Error);
        }
        // Absence is never kept: the insert is served by the very next read, notified or not.
        await InsertAsync(ticker, 7.5m);
        Assert.Equal(7.5m, (await data.GetLastPriceAsync(ticker)).Price);

        var reads = await database.PriceReadsAsync();
        foreach (var bad in new[] { "", "1ABC", "TSLA X", "TOOLONGTICKER", "TSLA;--" })
        {
            var error = await Assert.ThrowsAsync<LedgerException>(() => data.GetLastPriceAsync(bad));
            Assert.Equal(LedgerError.InvalidArgument, error.Error);
        }
        Assert.Equal(reads, await database.PriceReadsAsync());
    }

    private async Task InsertAsync(string ticker, decimal price) =>
        Assert.Equal(1, await database.ExecuteAsync(
            "INSERT INTO market_prices (ticker, price, as_of, source) VALUES ($1, $2, $3, 'operator')", ticker, price, _time.Now));

    private async Task<long> BlockedReadsAsync()
    {
        await using var command = database.DataSource.CreateCommand("""
            SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = $1 AND wait_event_type = 'Lock'
            """);
        command.Parameters.AddWithValue(MarketDatabase.PriceReadStatement);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Starts the instance's listener (seeding starts it) and waits until prices are served from memory.</summary>
    private static async Task<PostgresMarketData> ListeningAsync(PostgresMarketData data)
    {
        await data.SeedAsync();
        await WaitUntilAsync(() => Task.FromResult(data.ServesFromMemory), "the price listener to connect");
        return data;
    }

    private static async Task<MarketPrice?> PriceOrNullAsync(PostgresMarketData data, string ticker)
    {
        try
        {
            return await data.GetLastPriceAsync(ticker);
        }
        catch (LedgerException ex) when (ex.Error == LedgerError.PriceUnavailable)
        {
            return null;
        }
    }

    /// <summary>Collects <c>sharemint.market.price.reads</c> by its <c>source</c> label while alive.</summary>
    private sealed class ReadsBySource : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _counts = [];

        public ReadsBySource()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Telemetry.SharemintMetrics.MeterName && instrument.Name == "sharemint.market.price.reads")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "source" && tag.Value is string source)
                    {
                        lock (_counts)
                        {
                            _counts[source] = _counts.GetValueOrDefault(source) + value;
                        }
                    }
                }
            });
            _listener.Start();
        }

        public long Count(string source)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(source);
            }
        }

        public void Dispose() => _listener.Dispose();
    }

    // A bounded poll: notifications arrive within milliseconds; the bound only turns a lost one into a clear failure.
    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(10);
        }
    }
}
