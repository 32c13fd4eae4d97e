using Microsoft.Extensions.Configuration;
using Sharemint.Errors;

namespace Sharemint.Market.Tests;

/// <summary>Last prices in PostgreSQL: seeding from configuration, operator updates, refusals.</summary>
[Collection(MarketDatabaseCollection.Name)]
public sealed class MarketDataTests(MarketDatabase database)
{
    private readonly ManualTime _time = new(new DateTimeOffset(2025, 6, 16, 15, 0, 0, TimeSpan.Zero));

    private static MarketOptions Seed(params (string Ticker, decimal Price)[] prices) =>
        new() { Prices = prices.ToDictionary(p => p.Ticker, p => p.Price) };

    [Fact]
    public async Task ConfiguredPricesAreSeededBeforeTheFirstRead()
    {
        var ticker = MarketDatabase.NewTicker();
        var data = database.MarketData(_time, Seed((ticker, 251.125m)));
        var price = await data.GetLastPriceAsync(ticker);
        Assert.Equal(new MarketPrice(ticker, 251.125m, _time.Now), price);
        Assert.Equal("251.125", price.Price.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task SeedingNeverOverwritesAnOperatorPrice()
    {
        var ticker = MarketDatabase.NewTicker();
        await database.MarketData(_time, Seed((ticker, 100m))).SetLastPriceAsync(ticker, 123.45m);
        _time.Now = _time.Now.AddHours(1);
        // A restart with a different configured price: the operator's price stays.
        var restarted = database.MarketData(_time, Seed((ticker, 99m)));
        await restarted.SeedAsync();
        var price = await restarted.GetLastPriceAsync(ticker);
        Assert.Equal(123.45m, price.Price);
        Assert.Equal(_time.Now.AddHours(-1), price.AsOf);
    }

    [Fact]
    public async Task ChangedConfigurationRefreshesASeededPrice()
    {
        var ticker = MarketDatabase.NewTicker();
        await database.MarketData(_time, Seed((ticker, 100m))).SeedAsync();
        _time.Now = _time.Now.AddMinutes(5);
        var restarted = database.MarketData(_time, Seed((ticker, 105.5m)));
        Assert.Equal(new MarketPrice(ticker, 105.5m, _time.Now), await restarted.GetLastPriceAsync(ticker));
    }

    [Fact]
    public async Task AnOperatorPriceReplacesTheLastOne()
    {
        var ticker = MarketDatabase.NewTicker();
        var data = database.MarketData(_time);
        await data.SetLastPriceAsync(ticker, 10m);
        _time.Now = _time.Now.AddSeconds(30);
        await data.SetLastPriceAsync(ticker.ToLowerInvariant(), 10.000001m);
        Assert.Equal(new MarketPrice(ticker, 10.000001m, _time.Now), await data.GetLastPriceAsync(ticker.ToLowerInvariant()));
        Assert.Equal(1, await database.CountAsync("market_prices", ticker));
    }

    [Fact]
    public async Task AnUnknownTickerHasNoPrice()
    {
        var error = await Assert.ThrowsAsync<LedgerException>(() => database.MarketData(_time).GetLastPriceAsync(MarketDatabase.NewTicker()));
        Assert.Equal(LedgerError.PriceUnavailable, error.Error);
        Assert.Equal("price_unavailable", error.Code);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.1234567")]
    [InlineData("100000000")]
    public async Task InvalidPricesAreRefusedAndChangeNothing(string text)
    {
        var ticker = MarketDatabase.NewTicker();
        var data = database.MarketData(_time);
        await data.SetLastPriceAsync(ticker, 42m);
        var error = await Assert.ThrowsAsync<LedgerException>(() =>
            data.SetLastPriceAsync(ticker, decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(LedgerError.InvalidAmount, error.Error);
        Assert.Equal(42m, (await data.GetLastPriceAsync(ticker)).Price);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1ABC")]
    [InlineData("TSLA X")]
    [InlineData("TOOLONGTICKER")]
    [InlineData("TSLA;--")]
    public async Task MalformedTickersAreRefused(string ticker)
    {
        var data = database.MarketData(_time);
        var set = await Assert.ThrowsAsync<LedgerException>(() => data.SetLastPriceAsync(ticker, 1m));
        Assert.Equal(LedgerError.InvalidArgument, set.Error);
        var get = await Assert.ThrowsAsync<LedgerException>(() => data.GetLastPriceAsync(ticker));
        Assert.Equal(LedgerError.InvalidArgument, get.Error);
    }

    [Fact]
    public void OptionsAreReadFromConfiguration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sharemint:Market:Hours"] = "always",
            ["Sharemint:Market:Prices:TSLA"] = "251.5",
            ["Sharemint:Market:Prices:brk.b"] = "480.123456",
            ["Sharemint:Market:OffHoursSpreadBps"] = "75",
            ["Sharemint:Market:Closures:0"] = "2025-01-09",
        }).Build();
        var options = MarketOptions.FromConfiguration(configuration);
        Assert.Equal(MarketHours.Always, options.Hours);
        Assert.Equal(251.5m, options.Prices["TSLA"]);
        Assert.Equal(480.123456m, options.Prices["BRK.B"]);
        Assert.Equal(75, options.OffHoursSpreadBps);
        Assert.Equal([new DateOnly(2025, 1, 9)], options.Closures);

        var defaults = MarketOptions.FromConfiguration(new ConfigurationBuilder().Build());
        Assert.Equal(MarketHours.Nyse, defaults.Hours);
        Assert.Equal(50, defaults.OffHoursSpreadBps);
        Assert.Empty(defaults.Prices);
    }

    [Theory]
    [InlineData("Sharemint:Market:Hours", "sometimes")]
    [InlineData("Sharemint:Market:Prices:TSLA", "abc")]
    [InlineData("Sharemint:Market:Prices:TSLA", "-5")]
    [InlineData("Sharemint:Market:Prices:TSLA", "1.1234567")]
    [InlineData("Sharemint:Market:Prices:9X", "10")]
    [InlineData("Sharemint:Market:OffHoursSpreadBps", "-1")]
    [InlineData("Sharemint:Market:Closures:0", "09/01/2025")]
    public void MalformedOptionsFailAtStartNamingTheKey(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => MarketOptions.FromConfiguration(configuration));
        Assert.Contains(key.Split(':')[2], error.Message, StringComparison.Ordinal);
    }
}
