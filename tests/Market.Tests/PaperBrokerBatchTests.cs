using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sharemint.Errors;

namespace Sharemint.Market.Tests;

/// <summary>
/// The paper broker aggregates buys that arrive together: one statement and one row per ticker, each fill id allocated
/// exactly once (also from two brokers, as two silos), a lost reply answered by the stored fill, a failed statement
/// storing nothing, and per-fill rows from before the batches counted once beside them. Faults are real: a table lock
/// held by the test to make buys queue, a killed PostgreSQL backend, a caller that stops waiting.
/// </summary>
[Collection(MarketDatabaseCollection.Name)]
public sealed class PaperBrokerBatchTests(MarketDatabase database)
{
    // Monday 2025-06-16 11:00 EDT: the NYSE is open.
    private readonly ManualTime _time = new(new DateTimeOffset(2025, 6, 16, 15, 0, 0, TimeSpan.Zero));

    private PaperBroker Broker(NpgsqlDataSource? dataSource = null) =>
        new(dataSource ?? database.DataSource, database.MarketData(_time), new NyseCalendar(), _time, NullLogger<PaperBroker>.Instance);

    private async Task<string> TickerAsync(decimal price)
    {
        var ticker = MarketDatabase.NewTicker();
        await database.MarketData(_time).SetLastPriceAsync(ticker, price);
        return ticker;
    }

    private static string NewFillId() => $"fill-{Guid.NewGuid():N}";

    [Fact]
    public async Task ConcurrentBuysOfSeveralTickersShareOneStatementAndOneRowPerTicker()
    {
        var broker = Broker();
        var prices = new[] { 101.25m, 7.5m, 0.333333m };
        var tickers = new List<string>();
        foreach (var price in prices)
        {
            tickers.Add(await TickerAsync(price));
        }
        var first = await TickerAsync(50m);

        Task<BrokerFill>[] buys;
        BrokerFill lead;
        await using (var hold = await HoldBatchTableAsync())
        {
            // The first buy's flush waits on the table; every buy that arrives meanwhile queues for the next flush.
            var leadBuy = broker.ExecuteAsync(NewFillId(), first, BrokerSide.Buy, 1m);
            await WaitForBlockedAsync(1);
            buys = [.. Enumerable.Range(0, 30).Select(i =>
                broker.ExecuteAsync($"batch-{i}-{Guid.NewGuid():N}", tickers[i % 3], BrokerSide.Buy, 0.5m + i))];
            await hold.CommitAsync();
            lead = await leadBuy;
        }
        var fills = await Task.WhenAll(buys);

        Assert.Equal((2L, 31L), broker.BuyBatches);
        for (var i = 0; i < fills.Length; i++)
        {
            var fill = fills[i];
            Assert.StartsWith($"batch-{i}-", fill.FillId, StringComparison.Ordinal);
            Assert.Equal(tickers[i % 3], fill.Ticker);
            Assert.Equal(0.5m + i, fill.Shares);
            Assert.Equal(prices[i % 3], fill.Price);
            Assert.Equal(MarketValidation.Cash(0.5m + i, prices[i % 3]), fill.Cash);
            Assert.Equal(fill, await broker.FindFillAsync(fill.FillId));
        }
        // One time for the whole batch; the first buy went alone.
        Assert.Single(fills.Select(f => f.FilledAt).Distinct());
        Assert.Equal(new BrokerFill(lead.FillId, first, BrokerSide.Buy, 1m, 50m, 50m, _time.Now), lead);

        for (var t = 0; t < 3; t++)
        {
            var mine = fills.Where(f => f.Ticker == tickers[t]).ToList();
            var rows = await BatchRowsAsync(tickers[t]);
            var row = Assert.Single(rows);
            Assert.Equal(mine.Sum(f => f.Shares), row.Shares);
            Assert.Equal(mine.ToDictionary(f => f.FillId, f => f.Shares), row.Allocations);
            Assert.Equal(new BrokerPosition(tickers[t], mine.Sum(f => f.Shares)), await broker.GetPositionAsync(tickers[t]));
        }
        Assert.Contains(new BrokerPosition(first, 1m), await broker.GetPositionsAsync());
        Assert.Equal(0, await database.CountAsync("broker_fills", tickers[0]));
    }

    [Fact]
    public async Task TheSameFillIdFromTwoBrokersAtOnceIsAllocatedOnce()
    {
        var ticker = await TickerAsync(12.34m);
        await using var otherSilo = NpgsqlDataSource.Create(database.ConnectionString);
        var (a, b) = (Broker(), Broker(otherSilo));
        var fillId = NewFillId();

        Task<BrokerFill> fromA, fromB;
        await using (var hold = await HoldBatchTableAsync())
        {
            // A has looked the id up and waits to insert it; B starts while A's transaction is still open.
            fromA = a.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 3m);
            await WaitForBlockedAsync(1);
            fromB = b.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 3m);
            await WaitForBlockedAsync(2);
            await hold.CommitAsync();
        }

        var (fillA, fillB) = (await fromA, await fromB);
        Assert.Equal(fillA, fillB);
        Assert.Equal(new BrokerFill(fillId, ticker, BrokerSide.Buy, 3m, 12.34m, 37.02m, _time.Now), fillA);
        Assert.Equal(1, await AllocationsOfAsync(fillId));
        Assert.Equal(3m, (await a.GetPositionAsync(ticker)).Shares);
    }

    [Fact]
    public async Task ManyFillIdsRacedFromTwoBrokersAreEachAllocatedOnce()
    {
        var ticker = await TickerAsync(3m);
        await using var otherSilo = NpgsqlDataSource.Create(database.ConnectionString);
        var (a, b) = (Broker(), Broker(otherSilo));
        var ids = Enumerable.Range(0, 40).Select(_ => NewFillId()).ToList();

        var pairs = await Task.WhenAll(ids.Select((id, i) => Task.WhenAll(
            Task.Run(() => a.ExecuteAsync(id, ticker, BrokerSide.Buy, 1m + i)),
            Task.Run(() => b.ExecuteAsync(id, ticker, BrokerSide.Buy, 1m + i)))));

        Assert.All(pairs, pair => Assert.Equal(pair[0], pair[1]));
        var allocated = (await BatchRowsAsync(ticker)).SelectMany(r => r.Allocations).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), allocated.Select(x => x.Key).Order(StringComparer.Ordinal));
        var total = ids.Select((_, i) => 1m + i).Sum();
        Assert.Equal(total, allocated.Sum(x => x.Value));
        Assert.Equal(total, (await b.GetPositionAsync(ticker)).Shares);
    }

    [Fact]
    public async Task ALostReplyIsAnsweredByTheStoredFillAndTheRetryAllocatesNothing()
    {
        var ticker = await TickerAsync(20m);
        var broker = Broker();
        var fillId = NewFillId();
        using var caller = new CancellationTokenSource();

        Task<BrokerFill> lost;
        await using (var hold = await HoldBatchTableAsync())
        {
            lost = broker.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 2.5m, caller.Token);
            await WaitForBlockedAsync(1);
            // The caller stops waiting (a timeout): its reply is lost, but the batch carrying its buy goes on.
            await caller.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lost);
            await hold.CommitAsync();
        }

        // The retry (one flush at a time) runs after the lost one committed: it finds the fill, at the first price.
        await database.MarketData(_time).SetLastPriceAsync(ticker, 25m);
        var retry = await broker.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 2.5m);
        Assert.Equal(new BrokerFill(fillId, ticker, BrokerSide.Buy, 2.5m, 20m, 50m, _time.Now), retry);
        Assert.Equal(retry, await broker.FindFillAsync(fillId));

        // Later, from another silo and after the close: the same fill, still one allocation, the position moved once.
        _time.Now = new DateTimeOffset(2025, 6, 16, 22, 0, 0, TimeSpan.Zero);
        Assert.Equal(retry, await Broker().ExecuteAsync(fillId, ticker, BrokerSide.Buy, 2.5m));
        Assert.Equal(1, await AllocationsOfAsync(fillId));
        Assert.Equal(2.5m, (await broker.GetPositionAsync(ticker)).Shares);
    }

    [Fact]
    public async Task AFailedBatchStoresNothingFailsEveryCallerAndARetryFillsOnce()
    {
        var (one, two) = (await TickerAsync(10m), await TickerAsync(4m));
        var broker = Broker();
        var (idOne, idTwo, idLead) = (NewFillId(), NewFillId(), NewFillId());

        await using (var hold = await HoldBatchTableAsync())
        {
            var lead = broker.ExecuteAsync(idLead, one, BrokerSide.Buy, 1m);
            await WaitForBlockedAsync(1);
            var buyOne = broker.ExecuteAsync(idOne, one, BrokerSide.Buy, 2m);
            var buyTwo = broker.ExecuteAsync(idTwo, two, BrokerSide.Buy, 3m);
            // The lead's connection dies before its commit; then the batch behind it dies the same way.
            Assert.Equal(1, await TerminateBlockedAsync());
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => lead);
            await WaitForBlockedAsync(1);
            Assert.Equal(1, await TerminateBlockedAsync());
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => buyOne);
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => buyTwo);
            await hold.CommitAsync();
        }

        foreach (var id in new[] { idLead, idOne, idTwo })
        {
            Assert.Null(await broker.FindFillAsync(id));
        }
        Assert.Equal(0, await database.CountAsync("broker_buy_batches", one) + await database.CountAsync("broker_buy_batches", two));
        Assert.Equal(0m, (await broker.GetPositionAsync(one)).Shares);

        // The retries fill, once each.
        Assert.Equal(20m, (await broker.ExecuteAsync(idOne, one, BrokerSide.Buy, 2m)).Cash);
        Assert.Equal(12m, (await broker.ExecuteAsync(idTwo, two, BrokerSide.Buy, 3m)).Cash);
        Assert.Equal(2m, (await broker.ExecuteAsync(idOne, one, BrokerSide.Buy, 2m)).Shares);
        Assert.Equal(1, await AllocationsOfAsync(idOne));
        Assert.Equal(1, await AllocationsOfAsync(idTwo));
        Assert.Equal(2m, (await broker.GetPositionAsync(one)).Shares);
        Assert.Equal(3m, (await broker.GetPositionAsync(two)).Shares);
    }

    [Fact]
    public async Task ABatchRefusesOnlyTheBuysThatCannotFill()
    {
        var ticker = await TickerAsync(10m);
        var unpriced = MarketDatabase.NewTicker();
        var broker = Broker();
        var replayed = await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 1m);

        Task<BrokerFill> good, again, conflict, noPrice, twin, twinAgain;
        var twinId = NewFillId();
        await using (var hold = await HoldBatchTableAsync())
        {
            var lead = broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 1m);
            await WaitForBlockedAsync(1);
            good = broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 2m);
            again = broker.ExecuteAsync(replayed.FillId, ticker, BrokerSide.Buy, 1m);
            conflict = broker.ExecuteAsync(replayed.FillId, ticker, BrokerSide.Buy, 5m);
            noPrice = broker.ExecuteAsync(NewFillId(), unpriced, BrokerSide.Buy, 1m);
            // A duplicate activation's call with a new id inside the same batch: one allocation, both get it.
            twin = broker.ExecuteAsync(twinId, ticker, BrokerSide.Buy, 0.25m);
            twinAgain = broker.ExecuteAsync(twinId, ticker, BrokerSide.Buy, 0.25m);
            await hold.CommitAsync();
            await lead;
        }

        Assert.Equal(2m, (await good).Shares);
        Assert.Equal(replayed, await again);
        Assert.Equal(LedgerError.IdempotencyConflict, (await Assert.ThrowsAsync<LedgerException>(() => conflict)).Error);
        Assert.Equal(LedgerError.PriceUnavailable, (await Assert.ThrowsAsync<LedgerException>(() => noPrice)).Error);
        Assert.Equal(1, await AllocationsOfAsync(replayed.FillId));
        Assert.Equal(await twin, await twinAgain);
        Assert.Equal(1, await AllocationsOfAsync(twinId));
        Assert.Equal(4.25m, (await broker.GetPositionAsync(ticker)).Shares);
        Assert.Equal(0, await database.CountAsync("broker_buy_batches", unpriced));
    }

    [Fact]
    public async Task PerFillBuysFromBeforeTheBatchesAndBatchRowsCountOnceInFindsPositionsSalesAndSplits()
    {
        var ticker = await TickerAsync(10m);
        var broker = Broker();
        // Written by the broker before batches: one buy already folded into the position, one not yet folded.
        var (oldFolded, oldUnfolded) = (NewFillId(), NewFillId());
        await using (var seed = database.DataSource.CreateCommand("""
            WITH fills AS (
                INSERT INTO broker_fills (fill_id, ticker, side, shares, price, cash, filled_at, folded)
                VALUES ($1, $3, 'buy', 4, 9.99, 39.96, '2025-06-13T15:00:00Z', true),
                       ($2, $3, 'buy', 1.5, 9.995, 14.99, '2025-06-13T16:00:00Z', false))
            INSERT INTO broker_positions (ticker, shares, updated_at) VALUES ($3, 4, '2025-06-13T15:00:00Z')
            """))
        {
            seed.Parameters.AddWithValue(oldFolded);
            seed.Parameters.AddWithValue(oldUnfolded);
            seed.Parameters.AddWithValue(ticker);
            await seed.ExecuteNonQueryAsync();
        }
        var old = new BrokerFill(oldUnfolded, ticker, BrokerSide.Buy, 1.5m, 9.995m, 14.99m, new DateTimeOffset(2025, 6, 13, 16, 0, 0, TimeSpan.Zero));

        var batched = await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 2.5m);
        Assert.Equal(old, await broker.FindFillAsync(oldUnfolded));
        // A replay of an old per-fill buy while the market is open answers with it and writes no batch row.
        Assert.Equal(old, await broker.ExecuteAsync(oldUnfolded, ticker, BrokerSide.Buy, 1.5m));
        Assert.Equal(1, await database.CountAsync("broker_buy_batches", ticker));
        Assert.Equal(8m, (await broker.GetPositionAsync(ticker)).Shares);
        Assert.Equal(8m, (await broker.GetPositionAsync(ticker)).Shares);
        Assert.Contains(new BrokerPosition(ticker, 8m), await broker.GetPositionsAsync());

        // A sale folds every unfolded buy once; the next batch buy counts beside the folded total.
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Sell, 7m);
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 0.5m);
        Assert.Equal(1.5m, (await broker.GetPositionAsync(ticker)).Shares);
        var oversold = await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Sell, 1.6m));
        Assert.Equal(LedgerError.InsufficientBacking, oversold.Error);

        // A split applies to the unfolded batch buy too, once; a second read changes nothing.
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 1m);
        Assert.Equal(new BrokerPosition(ticker, 7.5m), await broker.ApplySplitAsync(NewFillId(), ticker, 3, 1));
        Assert.Equal(7.5m, (await broker.GetPositionAsync(ticker)).Shares);
        Assert.Contains(new BrokerPosition(ticker, 7.5m), await broker.GetPositionsAsync());
        Assert.Equal(batched, await broker.FindFillAsync(batched.FillId));

        // A sale may not reuse a batch buy's id.
        var reused = await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(batched.FillId, ticker, BrokerSide.Sell, 2.5m));
        Assert.Equal(LedgerError.IdempotencyConflict, reused.Error);
        Assert.Equal(7.5m, (await broker.GetPositionAsync(ticker)).Shares);
    }

    /// <summary>Holds a lock on the batch table that lets look-ups through and makes every batch insert wait.</summary>
    private async Task<TableHold> HoldBatchTableAsync()
    {
        var connection = await database.DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("LOCK TABLE broker_buy_batches IN SHARE MODE", connection, transaction);
        await command.ExecuteNonQueryAsync();
        return new TableHold(connection, transaction);
    }

    /// <summary>Waits until <paramref name="count"/> broker backends wait on a lock (the table's or a fill id's).</summary>
    private async Task WaitForBlockedAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await BlockedAsync() < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Fewer than {count} broker writers are waiting on a lock.");
            await Task.Delay(10);
        }
    }

    private async Task<long> BlockedAsync()
    {
        await using var command = database.DataSource.CreateCommand("""
            SELECT count(*) FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND (query LIKE '%INSERT INTO broker_buy_batches%' OR query LIKE '%pg_advisory_xact_lock%')
            """);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Kills the backends of the batch inserts waiting on the table: their transactions never commit.</summary>
    private async Task<long> TerminateBlockedAsync()
    {
        await using var command = database.DataSource.CreateCommand("""
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO broker_buy_batches%'
            """);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<(decimal Shares, Dictionary<string, decimal> Allocations)>> BatchRowsAsync(string ticker)
    {
        await using var command = database.DataSource.CreateCommand("SELECT shares, allocations::text FROM broker_buy_batches WHERE ticker = $1");
        command.Parameters.AddWithValue(ticker);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(decimal, Dictionary<string, decimal>)>();
        while (await reader.ReadAsync())
        {
            rows.Add((MarketValidation.Normalize(reader.GetDecimal(0)),
                JsonSerializer.Deserialize<Dictionary<string, decimal>>(reader.GetString(1))!
                    .ToDictionary(p => p.Key, p => MarketValidation.Normalize(p.Value))));
        }
        return rows;
    }

    /// <summary>How many stored rows hold <paramref name="fillId"/>: per-fill rows and batch allocations together.</summary>
    private async Task<long> AllocationsOfAsync(string fillId)
    {
        await using var command = database.DataSource.CreateCommand("""
            SELECT (SELECT count(*) FROM broker_fills WHERE fill_id = $1) + (SELECT count(*) FROM broker_buy_batches WHERE allocations ? $1)
            """);
        command.Parameters.AddWithValue(fillId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>A test's open transaction holding a table lock, on its own connection.</summary>
internal sealed class TableHold(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public Task CommitAsync() => transaction.CommitAsync();

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
