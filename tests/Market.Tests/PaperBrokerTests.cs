using Microsoft.Extensions.Logging.Abstractions;
using Sharemint.Errors;

namespace Sharemint.Market.Tests;

/// <summary>The paper broker on PostgreSQL: fills, positions, idempotency, refusals that change nothing.</summary>
[Collection(MarketDatabaseCollection.Name)]
public sealed class PaperBrokerTests(MarketDatabase database)
{
    // Monday 2025-06-16 11:00 EDT: the NYSE is open.
    private readonly ManualTime _time = new(new DateTimeOffset(2025, 6, 16, 15, 0, 0, TimeSpan.Zero));

    private PaperBroker Broker(IMarketData marketData) =>
        new(database.DataSource, marketData, new NyseCalendar(), _time, NullLogger<PaperBroker>.Instance);

    private async Task<(PaperBroker Broker, PostgresMarketData Data, string Ticker)> ArrangeAsync(decimal price)
    {
        var data = database.MarketData(_time);
        var ticker = MarketDatabase.NewTicker();
        await data.SetLastPriceAsync(ticker, price);
        return (Broker(data), data, ticker);
    }

    private static string NewFillId() => $"fill-{Guid.NewGuid():N}";

    /// <summary>Rows the broker wrote for a ticker: per-fill rows (sales) and buy batch rows.</summary>
    private async Task<long> BrokerRowsAsync(string ticker) =>
        await database.CountAsync("broker_fills", ticker) + await database.CountAsync("broker_buy_batches", ticker);

    [Fact]
    public async Task BuysAndSellsMovePositionsAtTheMarketPrice()
    {
        var (broker, data, ticker) = await ArrangeAsync(250.10m);
        var buy = await broker.ExecuteAsync("buy-" + ticker, ticker, BrokerSide.Buy, 10.5m);
        Assert.Equal(new BrokerFill("buy-" + ticker, ticker, BrokerSide.Buy, 10.5m, 250.10m, 2626.05m, _time.Now), buy);
        Assert.Equal(new BrokerPosition(ticker, 10.5m), await broker.GetPositionAsync(ticker));

        await data.SetLastPriceAsync(ticker, 260m);
        var sell = await broker.ExecuteAsync("sell-" + ticker, ticker, BrokerSide.Sell, 0.25m);
        Assert.Equal(260m, sell.Price);
        Assert.Equal(65m, sell.Cash);
        Assert.Equal(10.25m, (await broker.GetPositionAsync(ticker)).Shares);
        Assert.Contains(new BrokerPosition(ticker, 10.25m), await broker.GetPositionsAsync());
        Assert.Equal(buy, await broker.FindFillAsync("buy-" + ticker));
        Assert.Equal(sell, await broker.FindFillAsync("sell-" + ticker));
    }

    [Fact]
    public async Task ABuyWritesOneRowAndItsSharesCountInThePositionBeforeAndAfterTheyAreFolded()
    {
        var (broker, _, ticker) = await ArrangeAsync(10m);
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 2m);
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 3m);
        Assert.Equal(2, await BrokerRowsAsync(ticker));
        Assert.Equal(0, await database.CountAsync("broker_positions", ticker));

        // Reading the position folds the buys into one position row; the figures do not move.
        Assert.Equal(new BrokerPosition(ticker, 5m), await broker.GetPositionAsync(ticker));
        Assert.Equal(1, await database.CountAsync("broker_positions", ticker));
        Assert.Contains(new BrokerPosition(ticker, 5m), await broker.GetPositionsAsync());
        Assert.Equal(new BrokerPosition(ticker, 5m), await broker.GetPositionAsync(ticker));

        // A sale counts a buy not yet folded, and still refuses to sell more than is held.
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 1.5m);
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Sell, 6m);
        Assert.Equal(new BrokerPosition(ticker, 0.5m), await broker.GetPositionAsync(ticker));
        var oversold = await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Sell, 0.6m));
        Assert.Equal(LedgerError.InsufficientBacking, oversold.Error);
        Assert.Equal(new BrokerPosition(ticker, 0.5m), await broker.GetPositionAsync(ticker));
        Assert.Equal(4, await BrokerRowsAsync(ticker));
    }

    [Fact]
    public async Task SellingEverythingLeavesNoListedPosition()
    {
        var (broker, _, ticker) = await ArrangeAsync(10m);
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 3.000000001m);
        Assert.Contains(await broker.GetPositionsAsync(), p => p.Ticker == ticker && p.Shares == 3.000000001m);
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Sell, 3.000000001m);
        Assert.DoesNotContain(await broker.GetPositionsAsync(), p => p.Ticker == ticker);
        Assert.Equal(new BrokerPosition(ticker, 0m), await broker.GetPositionAsync(ticker));
        Assert.Equal(new BrokerPosition("TNEVERHELD", 0m), await broker.GetPositionAsync("TNEVERHELD"));
    }

    [Theory]
    [InlineData("0.5", "10.01", "5.00")]     // 5.005 → half-even down to the even cent
    [InlineData("1.5", "10.01", "15.02")]    // 15.015 → half-even up to the even cent
    [InlineData("0.333333333", "3", "1.00")] // 0.999999999
    [InlineData("2", "0.000001", "0.00")]
    [InlineData("7", "33.333333", "233.33")]
    public async Task CashIsRoundedHalfEvenToCents(string shares, string price, string cash)
    {
        static decimal P(string s) => decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture);
        var (broker, _, ticker) = await ArrangeAsync(P(price));
        var fill = await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, P(shares));
        Assert.Equal(P(cash), fill.Cash);
        Assert.Equal(P(cash), (await broker.FindFillAsync(fill.FillId))!.Cash);
    }

    [Fact]
    public async Task TheSameFillIdReturnsTheFirstFillAndMovesNothing()
    {
        var (broker, data, ticker) = await ArrangeAsync(100m);
        var fillId = NewFillId();
        var first = await broker.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 2m);
        // The price moves, time passes, the market closes: the replay still answers with the first fill.
        await data.SetLastPriceAsync(ticker, 120m);
        _time.Now = new DateTimeOffset(2025, 6, 21, 15, 0, 0, TimeSpan.Zero); // Saturday
        var again = await broker.ExecuteAsync(fillId, ticker.ToLowerInvariant(), BrokerSide.Buy, 2.000m);
        Assert.Equal(first, again);
        Assert.Equal(100m, again.Price);
        Assert.Equal(2m, (await broker.GetPositionAsync(ticker)).Shares);
        Assert.Equal(1, await BrokerRowsAsync(ticker));
    }

    [Fact]
    public async Task WhileTheMarketIsOpenTheSameFillIdStillReturnsTheFirstFillAndMovesNothing()
    {
        var (broker, data, ticker) = await ArrangeAsync(100m);
        var fillId = NewFillId();
        var first = await broker.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 3m);
        // Found by the batch's look-up under the fill id's lock: the first fill's price, the position moved once.
        await data.SetLastPriceAsync(ticker, 130m);
        var again = await broker.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 3m);
        Assert.Equal(first, again);
        Assert.Equal(100m, again.Price);
        Assert.Equal(3m, (await broker.GetPositionAsync(ticker)).Shares);
        Assert.Equal(1, await BrokerRowsAsync(ticker));
        var conflict = await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 4m));
        Assert.Equal(LedgerError.IdempotencyConflict, conflict.Error);
        Assert.Equal(3m, (await broker.GetPositionAsync(ticker)).Shares);
    }

    [Fact]
    public async Task ConcurrentIdenticalOrdersFillExactlyOnce()
    {
        var (_, data, ticker) = await ArrangeAsync(42.5m);
        var fillId = NewFillId();
        // Separate broker instances, as separate silos would have.
        var fills = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => Broker(data).ExecuteAsync(fillId, ticker, BrokerSide.Buy, 1.5m))));
        Assert.All(fills, f => Assert.Equal(fills[0], f));
        Assert.Equal(1.5m, (await Broker(data).GetPositionAsync(ticker)).Shares);
        Assert.Equal(1, await BrokerRowsAsync(ticker));
    }

    [Fact]
    public async Task ConcurrentSalesNeverOversell()
    {
        var (broker, data, ticker) = await ArrangeAsync(5m);
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 10m);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            try
            {
                await Broker(data).ExecuteAsync(NewFillId(), ticker, BrokerSide.Sell, 1m);
                return "filled";
            }
            catch (LedgerException ex) when (ex.Error == LedgerError.InsufficientBacking)
            {
                return "refused";
            }
        }));
        Assert.Equal(10, outcomes.Count(o => o == "filled"));
        Assert.Equal(6, outcomes.Count(o => o == "refused"));
        Assert.Equal(0m, (await broker.GetPositionAsync(ticker)).Shares);
        Assert.Equal(11, await BrokerRowsAsync(ticker));
    }

    [Theory]
    [InlineData("sell", "2")]   // other side
    [InlineData("buy", "2.5")]  // other quantity
    [InlineData("other", "2")]  // other ticker
    public async Task ReusingAFillIdForAnotherOrderIsAConflict(string change, string shares)
    {
        var (broker, data, ticker) = await ArrangeAsync(10m);
        var otherTicker = MarketDatabase.NewTicker();
        await data.SetLastPriceAsync(otherTicker, 10m);
        var fillId = NewFillId();
        var first = await broker.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 2m);

        var error = await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(
            fillId,
            change == "other" ? otherTicker : ticker,
            change == "sell" ? BrokerSide.Sell : BrokerSide.Buy,
            decimal.Parse(shares, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(LedgerError.IdempotencyConflict, error.Error);
        Assert.Equal(first, await broker.FindFillAsync(fillId));
        Assert.Equal(2m, (await broker.GetPositionAsync(ticker)).Shares);
        Assert.Equal(0m, (await broker.GetPositionAsync(otherTicker)).Shares);
    }

    [Fact]
    public async Task OversellingIsRefusedAndChangesNothing()
    {
        var (broker, _, ticker) = await ArrangeAsync(10m);
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 1m);
        var fillId = NewFillId();
        var error = await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(fillId, ticker, BrokerSide.Sell, 1.000000001m));
        Assert.Equal(LedgerError.InsufficientBacking, error.Error);
        Assert.Null(await broker.FindFillAsync(fillId));
        Assert.Equal(1m, (await broker.GetPositionAsync(ticker)).Shares);

        // Selling what was never held: refused too, no position row appears.
        var never = MarketDatabase.NewTicker();
        await database.MarketData(_time).SetLastPriceAsync(never, 10m);
        var none = await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(NewFillId(), never, BrokerSide.Sell, 1m));
        Assert.Equal(LedgerError.InsufficientBacking, none.Error);
        Assert.Equal(0, await database.CountAsync("broker_positions", never));

        // The refused id is free: once shares are there, it fills.
        await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 1m);
        Assert.Equal(1.000000001m, (await broker.ExecuteAsync(fillId, ticker, BrokerSide.Sell, 1.000000001m)).Shares);
    }

    [Theory]
    [InlineData("2025-06-14T15:00:00Z")] // Saturday
    [InlineData("2025-06-19T15:00:00Z")] // Juneteenth
    [InlineData("2025-06-16T13:29:59Z")] // a minute before the open
    [InlineData("2025-07-03T17:00:00Z")] // after the early close
    public async Task AClosedMarketRefusesAndChangesNothing(string instant)
    {
        var (broker, _, ticker) = await ArrangeAsync(10m);
        _time.Now = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);
        var fillId = NewFillId();
        var error = await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 1m));
        Assert.Equal(LedgerError.MarketClosed, error.Error);
        Assert.Equal("market_closed", error.Code);
        Assert.Null(await broker.FindFillAsync(fillId));
        Assert.Equal(0, await database.CountAsync("broker_positions", ticker));
    }

    [Fact]
    public async Task AnAlwaysOpenMarketTradesOnHolidays()
    {
        var data = database.MarketData(_time);
        var ticker = MarketDatabase.NewTicker();
        await data.SetLastPriceAsync(ticker, 10m);
        _time.Now = new DateTimeOffset(2025, 12, 25, 3, 0, 0, TimeSpan.Zero);
        var broker = new PaperBroker(database.DataSource, data, new AlwaysOpenCalendar(), _time, NullLogger<PaperBroker>.Instance);
        Assert.Equal(10m, (await broker.ExecuteAsync(NewFillId(), ticker, BrokerSide.Buy, 1m)).Cash);
    }

    [Fact]
    public async Task ATickerWithoutPriceIsRefusedAndChangesNothing()
    {
        var broker = Broker(database.MarketData(_time));
        var ticker = MarketDatabase.NewTicker();
        var fillId = NewFillId();
        var error = await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(fillId, ticker, BrokerSide.Buy, 1m));
        Assert.Equal(LedgerError.PriceUnavailable, error.Error);
        Assert.Null(await broker.FindFillAsync(fillId));
        Assert.Equal(0, await database.CountAsync("broker_positions", ticker));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("0.0000000001")]
    [InlineData("1000000000000")]
    public async Task InvalidShareQuantitiesAreRefused(string shares)
    {
        var (broker, _, ticker) = await ArrangeAsync(10m);
        var fillId = NewFillId();
        var error = await Assert.ThrowsAsync<LedgerException>(() =>
            broker.ExecuteAsync(fillId, ticker, BrokerSide.Buy, decimal.Parse(shares, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(LedgerError.InvalidAmount, error.Error);
        Assert.Null(await broker.FindFillAsync(fillId));
        Assert.Equal(0, await database.CountAsync("broker_positions", ticker));
    }

    [Fact]
    public async Task MalformedOrdersAreRefused()
    {
        var (broker, _, ticker) = await ArrangeAsync(10m);
        Assert.Equal(LedgerError.InvalidArgument,
            (await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync("", ticker, BrokerSide.Buy, 1m))).Error);
        Assert.Equal(LedgerError.InvalidArgument,
            (await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(new string('x', 201), ticker, BrokerSide.Buy, 1m))).Error);
        Assert.Equal(LedgerError.InvalidArgument,
            (await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync("a\nb", ticker, BrokerSide.Buy, 1m))).Error);
        Assert.Equal(LedgerError.InvalidArgument,
            (await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(NewFillId(), ticker, (BrokerSide)7, 1m))).Error);
        Assert.Equal(LedgerError.InvalidArgument,
            (await Assert.ThrowsAsync<LedgerException>(() => broker.ExecuteAsync(NewFillId(), "no ticker", BrokerSide.Buy, 1m))).Error);
        Assert.Equal(0, await database.CountAsync("broker_positions", ticker));
    }
}
