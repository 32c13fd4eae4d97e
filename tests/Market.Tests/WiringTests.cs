using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sharemint.Signing;

namespace Sharemint.Market.Tests;

/// <summary><c>AddSharemintMarket</c> as a host would call it, on the real database.</summary>
[Collection(MarketDatabaseCollection.Name)]
public sealed class WiringTests(MarketDatabase database)
{
    private ServiceProvider Build(Dictionary<string, string?> settings, TimeProvider? time = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton(database.DataSource);
        if (time is not null)
        {
            services.AddSingleton(time);
        }
        return services.AddSharemintMarket(configuration).BuildServiceProvider();
    }

    [Fact]
    public async Task AHostGetsEveryServiceAndTheSeededPrices()
    {
        var ticker = MarketDatabase.NewTicker();
        var time = new ManualTime(new DateTimeOffset(2025, 12, 25, 15, 0, 0, TimeSpan.Zero)); // Christmas: NYSE closed
        var seed = IssuerSigningKeys.NewKeySeedBase64();
        await using var provider = Build(new()
        {
            ["Sharemint:Market:Hours"] = "always",
            [$"Sharemint:Market:Prices:{ticker}"] = "12.34",
            ["Sharemint:Signing:AttestationKey"] = seed,
            ["Sharemint:Signing:QuoteKey"] = seed,
        }, time);

        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }
        // Seeded at start: the row is there before anyone reads through IMarketData.
        Assert.Equal(1, await database.CountAsync("market_prices", ticker));

        Assert.IsType<AlwaysOpenCalendar>(provider.GetRequiredService<IMarketCalendar>());
        Assert.Same(time, provider.GetRequiredService<TimeProvider>());
        Assert.Equal(12.34m, (await provider.GetRequiredService<IMarketData>().GetLastPriceAsync(ticker)).Price);
        var fill = await provider.GetRequiredService<IBroker>().ExecuteAsync($"wiring-{ticker}", ticker, BrokerSide.Buy, 2m);
        Assert.Equal(24.68m, fill.Cash);
        Assert.Equal(time.Now, fill.FilledAt);
        Assert.Same(provider.GetRequiredService<IBroker>(), provider.GetRequiredService<IBroker>());

        var keys = provider.GetRequiredService<IssuerSigningKeys>();
        Assert.Equal(new IssuerSigningKeys(Convert.FromBase64String(seed), Convert.FromBase64String(seed)).AttestationPublicKey, keys.AttestationPublicKey);
        Assert.Equal(50, provider.GetRequiredService<MarketOptions>().OffHoursSpreadBps);
    }

    [Fact]
    public async Task TheDefaultIsTheNyseCalendarAndTheSystemClock()
    {
        await using var provider = Build([]);
        var calendar = Assert.IsType<NyseCalendar>(provider.GetRequiredService<IMarketCalendar>());
        Assert.False(calendar.IsOpen(new DateTimeOffset(2025, 12, 25, 15, 0, 0, TimeSpan.Zero)));
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.NotNull(provider.GetRequiredService<IssuerSigningKeys>().QuotePublicKey);
    }

    [Fact]
    public void MalformedConfigurationFailsAtRegistration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sharemint:Market:Hours"] = "weekdays",
        }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddSharemintMarket(configuration));
        Assert.Contains("Sharemint:Market:Hours", error.Message, StringComparison.Ordinal);
    }
}
