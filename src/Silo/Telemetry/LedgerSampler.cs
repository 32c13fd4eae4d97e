using Microsoft.Extensions.Options;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Market;
using Sharemint.Reserves;
using Sharemint.Silo.Health;
using Sharemint.Units;

namespace Sharemint.Silo.Telemetry;

/// <summary>
/// Reads the catalogue, assets, deployments, latest reserve reports and accounts through the grain factory every
/// <see cref="TelemetryOptions.SampleIntervalSeconds"/> and publishes one <see cref="LedgerObservation"/>. The observable
/// gauges only read that observation, so a scrape never waits on a grain call. A source that fails (a grain that throws,
/// a missing price) is counted in <c>sharemint_telemetry_sample_errors_total</c> and leaves the rest of the sample intact.
/// </summary>
public sealed class LedgerSampler(
    IGrainFactory grains,
    IServiceProvider services,
    IOptions<TelemetryOptions> options,
    LedgerGauges gauges,
    ILogger<LedgerSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.SampleIntervalSeconds));
        var startup = services.GetService<SiloStartupState>();
        using var timer = new PeriodicTimer(interval);
        do
        {
            if (startup is not null && !startup.IsActive)
            {
                continue;
            }
            try
            {
                gauges.Publish(await SampleAsync(stoppingToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The catalogue itself could not be read: keep the previous observation, count and log, try next tick.
                gauges.SampleFailed("catalog");
                logger.LogWarning(ex, "Ledger sample failed; gauges keep the previous observation");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Reads everything once.</summary>
    public async Task<LedgerObservation> SampleAsync(CancellationToken cancellationToken)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(0);
        var symbols = await catalog.ListAssetsAsync();
        var deploymentKeys = await catalog.ListDeploymentsAsync();
        var accountIds = await catalog.ListAccountsAsync();
        cancellationToken.ThrowIfCancellationRequested();

        // A failed read keeps the item's previous observation (the failure is counted), so one slow grain does not make
        // its series vanish from dashboards and alerts.
        var previous = gauges.Latest;
        var deploymentReads = await Task.WhenAll(deploymentKeys.Select(d =>
            TryAsync("deployment", () => grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(d.Symbol, d.Chain)).GetAsync())));
        var deployments = deploymentKeys.Zip(deploymentReads, (key, read) => read is null
                ? previous.Deployments.FirstOrDefault(d => d.Symbol == key.Symbol && d.Chain == key.Chain)
                : new DeploymentObservation(read.Symbol, read.Chain, Tokens(read.Supply), read.Paused, read.PendingChainOperations))
            .OfType<DeploymentObservation>()
            .ToArray();
        var market = services.GetService<IMarketData>();
        var assetReads = await Task.WhenAll(symbols.Select(s => TryAsync("asset", () => ObserveAssetAsync(s, market, cancellationToken))));
        var assets = symbols.Zip(assetReads, (symbol, read) => read ?? previous.Assets.FirstOrDefault(a => a.Symbol == symbol))
            .OfType<AssetObservation>()
            .ToArray();
        // GetLatest answers null before the first reconciliation; the array keeps that apart from a failed read.
        var reserves = (await Task.WhenAll(symbols.Select(s => TryAsync("reserves", async () => new[] { await grains.GetGrain<IReservesGrain>(s).GetLatestAsync() }))))
            .SelectMany(latest => latest ?? [])
            .OfType<SignedAttestation>()
            .Select(a => ObserveReserves(a.Report))
            .ToArray();
        var accounts = (await Task.WhenAll(accountIds.Select(id => TryAsync("account", () => grains.GetGrain<IHolderAccountGrain>(id).GetAsync()))))
            .OfType<AccountSnapshot>()
            .Select(a => new AccountObservation(a.AccountId, a.Kyc.ToString().ToLowerInvariant(), a.Wallets.Count,
                (double)a.CashBalance, (double)a.CashHeld, (double)a.SpentToday))
            .ToArray();

        foreach (var deployment in deployments)
        {
            Sharemint.Telemetry.SharemintMetrics.InitializeDeployment(deployment.Symbol, deployment.Chain);
        }
        return new LedgerObservation(DateTimeOffset.UtcNow, assets, deployments, reserves, accounts);
    }

    private async Task<AssetObservation> ObserveAssetAsync(string symbol, IMarketData? market, CancellationToken cancellationToken)
    {
        var asset = await grains.GetGrain<IAssetGrain>(symbol).GetAsync();
        var backing = asset.BackingShares;
        double? ratio = backing > 0 ? (double)(asset.CustodyShares / backing) : null;
        double? aum = null;
        bool? priced = null;
        if (market is not null)
        {
            var price = await TryAsync("price", () => market.GetLastPriceAsync(asset.Definition.UnderlyingTicker, cancellationToken));
            aum = price is null ? null : (double)(asset.CustodyShares * price.Price);
            priced = price is not null;
        }
        return new AssetObservation(symbol, asset.Definition.UnderlyingTicker, asset.Status.ToString().ToLowerInvariant(),
            (double)asset.Multiplier.Value, (double)asset.CustodyShares, (double)asset.ReservedShares,
            Tokens(asset.Issued), Tokens(asset.InTransit), ratio, aum, priced);
    }

    private static ReserveObservation ObserveReserves(ReserveReport report) => new(
        report.Symbol, report.Sequence, report.At, (double)report.BrokerShares, (double)report.BackingRatio, report.Balanced,
        report.Deployments.Select(d => new ReserveDeploymentObservation(
            d.Chain, Tokens(d.OnChainSupply), d.DriftUnits / (double)CanonicalAmount.UnitsPerToken, d.MultiplierDrift)).ToArray(),
        (double)(report.BrokerShares - report.LedgerCustodyShares));

    private static double Tokens(CanonicalAmount amount) => amount.Units / (double)CanonicalAmount.UnitsPerToken;

    private async Task<T?> TryAsync<T>(string source, Func<Task<T>> read) where T : class
    {
        try
        {
            return await read();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            gauges.SampleFailed(source);
            logger.LogDebug(ex, "Sampling {Source} failed", source);
            return null;
        }
    }
}
