using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sharemint.Signing;

namespace Sharemint.Market;

/// <summary>Registration of market data, the market calendar, the paper broker and the issuer's signing keys.</summary>
public static class MarketServiceCollectionExtensions
{
    /// <summary>
    /// Registers, as singletons, <see cref="MarketOptions"/> (read and validated now from <c>Sharemint:Market</c>),
    /// <see cref="IMarketCalendar"/> (<see cref="NyseCalendar"/>, or <see cref="AlwaysOpenCalendar"/> for
    /// <c>Hours = always</c>), <see cref="IMarketData"/> (<see cref="PostgresMarketData"/>), <see cref="IBroker"/>
    /// (<see cref="PaperBroker"/>), <see cref="IssuerSigningKeys"/> (from <c>Sharemint:Signing</c>), a
    /// <see cref="TimeProvider"/> unless one is registered, and a start-up step that seeds the configured prices.
    /// The host must register a singleton <c>NpgsqlDataSource</c> on a migrated database.
    /// </summary>
    public static IServiceCollection AddSharemintMarket(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = MarketOptions.FromConfiguration(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<IMarketCalendar>(options.Hours == MarketHours.Always
            ? new AlwaysOpenCalendar()
            : new NyseCalendar(options.Closures));
        services.AddSingleton<PostgresMarketData>();
        services.AddSingleton<IMarketData>(sp => sp.GetRequiredService<PostgresMarketData>());
        services.AddSingleton<IBroker, PaperBroker>();
        services.AddSingleton(sp => IssuerSigningKeys.FromConfiguration(configuration, sp.GetRequiredService<ILogger<IssuerSigningKeys>>()));
        services.AddHostedService<MarketPriceSeeding>();
        return services;
    }
}

/// <summary>
/// Seeds the configured prices when the host starts, so they are in the table before anyone asks. A database that is
/// not reachable yet does not stop the host: the market data seeds itself again before its first read.
/// </summary>
internal sealed class MarketPriceSeeding(PostgresMarketData marketData, ILogger<MarketPriceSeeding> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await marketData.SeedAsync(cancellationToken);
        }
        catch (Npgsql.NpgsqlException ex)
        {
            logger.LogWarning(ex, "Could not seed market prices at start; they will be seeded before the first price is read");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
