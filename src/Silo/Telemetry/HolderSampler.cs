using Microsoft.Extensions.Options;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Holders;
using Sharemint.Signers;
using Sharemint.Silo.Health;
using Sharemint.Telemetry;

namespace Sharemint.Silo.Telemetry;

/// <summary>
/// Every <see cref="TelemetryOptions.SampleIntervalSeconds"/>: one silo of the cluster (whichever holds the holder index's
/// lock) brings each deployment's holder count up to date from the chains (see <see cref="HolderIndex"/>), and every silo
/// reads the latest counts from the database and exports them as <c>sharemint_holders{asset,chain}</c>, so all silos show
/// the same figures and the chains are read once, not once per silo. The gauge only reads the latest counts, so a scrape
/// never waits on a chain. A deployment whose count fails keeps its previous figure and the failure is counted in
/// <c>sharemint_telemetry_sample_errors_total{source="holders"}</c>.
/// </summary>
public sealed class HolderSampler : BackgroundService
{
    private readonly IGrainFactory _grains;
    private readonly IServiceProvider _services;
    private readonly HolderStore _store;
    private readonly LedgerGauges _gauges;
    private readonly ILogger<HolderSampler> _logger;
    private readonly TimeSpan _interval;
    private Dictionary<(string Asset, string Chain), int> _latest = [];

    public HolderSampler(IGrainFactory grains, IServiceProvider services, Npgsql.NpgsqlDataSource database, IOptions<TelemetryOptions> options,
        LedgerGauges gauges, ILogger<HolderSampler> logger)
    {
        _grains = grains;
        _store = new HolderStore(database);
        _services = services;
        _gauges = gauges;
        _logger = logger;
        _interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.SampleIntervalSeconds));
        SharemintMetrics.Meter.CreateObservableGauge("sharemint.holders",
            () => Volatile.Read(ref _latest).Select(h => new System.Diagnostics.Metrics.Measurement<int>(h.Value,
                new KeyValuePair<string, object?>("asset", h.Key.Asset), new KeyValuePair<string, object?>("chain", h.Key.Chain))),
            "{holder}", "Addresses holding a non-zero balance of the asset's token, counted from the chain's final state, by asset and chain.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_services.GetService<ConfiguredChains>() is not { } chains)
        {
            return;
        }
        var index = new HolderIndex(chains, _grains, _store);
        var startup = _services.GetService<SiloStartupState>();
        using var timer = new PeriodicTimer(_interval);
        do
        {
            if (startup is not null && !startup.IsActive)
            {
                continue;
            }
            try
            {
                await SampleAsync(index, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                _gauges.SampleFailed("holders");
                _logger.LogWarning(ex, "Holder sample failed; the gauge keeps the previous counts");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task SampleAsync(HolderIndex index, CancellationToken cancellationToken)
    {
        await _store.TryIndexAsync(() => IndexAllAsync(index, cancellationToken), cancellationToken);
        var counts = new Dictionary<(string Asset, string Chain), int>(Volatile.Read(ref _latest));
        foreach (var count in await _store.ReadCountsAsync(cancellationToken))
        {
            counts[(count.Symbol, count.Chain)] = count.Holders;
        }
        Volatile.Write(ref _latest, counts);
    }

    private async Task IndexAllAsync(HolderIndex index, CancellationToken cancellationToken)
    {
        foreach (var deployment in await _grains.GetGrain<ICatalogGrain>(0).ListDeploymentsAsync())
        {
            try
            {
                var config = (await _grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(deployment.Symbol, deployment.Chain)).GetAsync()).Config;
                await index.IndexAsync(deployment.Symbol, deployment.Chain, config.TokenAddress, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One chain that is away must not hide the others: its count stays as it was.
                _gauges.SampleFailed("holders");
                _logger.LogDebug(ex, "Counting holders of {Symbol} on {Chain} failed", deployment.Symbol, deployment.Chain);
            }
        }
    }
}
