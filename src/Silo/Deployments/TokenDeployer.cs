using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Errors;
using Sharemint.Operations;
using Sharemint.Reserves;
using Sharemint.Signers;

namespace Sharemint.Silo.Deployments;

/// <summary>
/// Puts every catalogue asset on every configured chain (development and test clusters; production deploys through the
/// admin API): deploys the token where the deployment is missing, registers it, starts its deposit watcher, allow-lists
/// the configured demo wallets, and runs a first reconciliation. Idempotent: a restart finds the deployments and only
/// re-arms the watchers. The assets of <c>Sharemint:DeployFirst</c> (comma-separated; empty means all) go on chain before
/// the silo serves; the rest follow in the background, tracked by <see cref="CatalogueDeploymentProgress"/>.
/// </summary>
public sealed class TokenDeployer : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly IGrainFactory _grains;
    private readonly ConfiguredChains _chains;
    private readonly IConfiguration _configuration;
    private readonly CatalogueDeploymentProgress _progress;
    private readonly ILogger<TokenDeployer> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _background = Task.CompletedTask;
    private double _lastSeconds = double.NaN;

    /// <summary>How long a chain may go without a single deployment landing before start-up gives up (a replaced Tron transaction needs its lifetime, 60 s, to expire first).</summary>
    private static readonly TimeSpan StuckAfter = TimeSpan.FromMinutes(3);

    public TokenDeployer(IGrainFactory grains, ConfiguredChains chains, IConfiguration configuration, CatalogueDeploymentProgress progress,
        ILogger<TokenDeployer> logger)
    {
        _grains = grains;
        _chains = chains;
        _configuration = configuration;
        _progress = progress;
        _logger = logger;
        // How long the whole start-up deployment took (background part included); absent until it ends.
        Sharemint.Telemetry.SharemintMetrics.Meter.CreateObservableGauge("sharemint.catalog.deploy.duration", ReadDuration, "s", "Seconds the silo's start-up took to deploy (or find deployed) every catalogue asset on every chain and reconcile them.");
        Sharemint.Telemetry.SharemintMetrics.Meter.CreateObservableGauge("sharemint.catalog.deploy.pending", () => _progress.Pending, "{deployment}",
            "Catalogue deployments (asset and chain) the start-up deployment still has to put on chain in the background.");
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<double>> ReadDuration()
    {
        var seconds = Volatile.Read(ref _lastSeconds);
        return double.IsNaN(seconds) ? [] : [new System.Diagnostics.Metrics.Measurement<double>(seconds)];
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TokenDeployer), ServiceLifecycleStage.Active + 1, DeployFirstAsync, StopAsync);

    private async Task DeployFirstAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var catalog = _grains.GetGrain<ICatalogGrain>(0);
        // Sharemint:DeploySymbols (comma-separated) narrows the deployment, e.g. for test clusters; empty means all.
        var only = Symbols("Sharemint:DeploySymbols");
        var symbols = (await catalog.ListAssetsAsync()).Where(s => only.Length == 0 || only.Contains(s)).ToList();
        var firstOnes = Symbols("Sharemint:DeployFirst");
        var first = symbols.Where(s => firstOnes.Length == 0 || firstOnes.Contains(s)).ToList();
        var rest = symbols.Except(first).ToList();
        var orderedChains = _chains.Chains.Order(StringComparer.Ordinal).ToList();
        foreach (var symbol in rest)
        {
            foreach (var chain in orderedChains)
            {
                _progress.Expect(symbol, chain);
            }
        }
        await DeployAsync(catalog, orderedChains, first, cancellationToken);
        await AllowDemoWalletsAsync();
        await ReconcileAsync(first, cancellationToken);
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (rest.Count == 0)
        {
            Volatile.Write(ref _lastSeconds, seconds);
            _logger.LogInformation("{Assets} assets deployed on {Chains} in {Seconds:F1} s", symbols.Count, string.Join(", ", orderedChains), seconds);
            return;
        }
        _logger.LogInformation("{First} assets deployed on {Chains} in {Seconds:F1} s; the silo serves now, and {Rest} more deploy in the background",
            first.Count, string.Join(", ", orderedChains), seconds, rest.Count);
        // Not awaited by the lifecycle: the silo serves while the rest go on chain (StopAsync waits for it).
        _background = Task.Run(() => DeployRestAsync(catalog, orderedChains, symbols.Count, rest, started), CancellationToken.None);
    }

    private async Task DeployRestAsync(ICatalogGrain catalog, IReadOnlyList<string> chains, int assets, IReadOnlyList<string> rest, long started)
    {
        try
        {
            await DeployAsync(catalog, chains, rest, _stopping.Token);
            await ReconcileAsync(rest, _stopping.Token);
            var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
            Volatile.Write(ref _lastSeconds, seconds);
            _logger.LogInformation("{Assets} assets deployed on {Chains} in {Seconds:F1} s", assets, string.Join(", ", chains), seconds);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            _logger.LogInformation("The silo stops with {Pending} catalogue deployments still to come; the next start resumes them", _progress.Pending);
        }
        catch (Exception error)
        {
            // Commands on what is still to come are refused with this reason; a restart resumes the deployment.
            _progress.Failed(error.Message);
            _logger.LogError(error, "The background deployment of the catalogue stopped with {Pending} deployments still to come", _progress.Pending);
        }
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _background.WaitAsync(cancellationToken);
    }

    private string[] Symbols(string key) =>
        (_configuration[key] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private async Task DeployAsync(ICatalogGrain catalog, IReadOnlyList<string> chains, IReadOnlyList<string> symbols, CancellationToken cancellationToken)
    {
        if (symbols.Count == 0)
        {
            return;
        }
        // Chains are independent: each has its own signer grain, so the chains go concurrently and the slowest chain sets
        // the time, not the sum of all.
        await Task.WhenAll(chains.Select(chain => DeployOnChainAsync(catalog, chain, symbols, cancellationToken)));
    }

    private async Task ReconcileAsync(IReadOnlyList<string> symbols, CancellationToken cancellationToken) =>
        // One reserves grain per asset: reconcile a few at a time rather than one after another.
        await Parallel.ForEachAsync(symbols, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (symbol, _) => await _grains.GetGrain<IReservesGrain>(symbol).ReconcileAsync());

    private async Task DeployOnChainAsync(ICatalogGrain catalog, string chain, IReadOnlyList<string> symbols, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var watchers = new List<Task>();
        var missing = new List<TokenDeploymentRequest>();
        foreach (var symbol in symbols)
        {
            var bridge = _grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain));
            if (await DeployedAddressAsync(bridge) is { } address)
            {
                _progress.Landed(symbol, chain, address);
                watchers.Add(bridge.StartWatchingAsync());
                continue;
            }
            var asset = await _grains.GetGrain<IAssetGrain>(symbol).GetAsync();
            missing.Add(new TokenDeploymentRequest(symbol, asset.Definition.Name, asset.Multiplier));
        }
        var deployed = missing.Count;
        var signer = _grains.GetGrain<IChainSignerGrain>(chain);
        var progressed = System.Diagnostics.Stopwatch.GetTimestamp();
        while (missing.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Each call answers within a bounded wait with the tokens on chain; the rest are on their way (Tron signs and
            // broadcasts a whole batch at once), and the next call collects them without deploying anything twice.
            var landed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var batch in missing.Chunk(ChainSignerGrain.MaxDeployBatch))
            {
                foreach (var (symbol, token) in await signer.DeployTokensAsync(batch))
                {
                    await catalog.RegisterDeploymentAsync(symbol, chain, new DeploymentConfig(token.TokenAddress, token.Decimals));
                    _logger.LogInformation("Deployed {Symbol} on {Chain} at {Token}", symbol, chain, token.TokenAddress);
                    _progress.Landed(symbol, chain, token.TokenAddress);
                    // The bridge grain arms its watcher while the signer goes on with the rest.
                    watchers.Add(_grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain)).StartWatchingAsync());
                    landed.Add(symbol);
                }
            }
            missing.RemoveAll(r => landed.Contains(r.Symbol));
            if (landed.Count > 0)
            {
                progressed = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            else if (System.Diagnostics.Stopwatch.GetElapsedTime(progressed) > StuckAfter)
            {
                throw new InvalidOperationException(
                    $"No token landed on {chain} for {StuckAfter.TotalMinutes:F0} minutes; still missing: {string.Join(", ", missing.Select(r => r.Symbol))}.");
            }
        }
        await Task.WhenAll(watchers);
        _logger.LogInformation("{Deployed} of {Assets} assets newly deployed on {Chain} in {Seconds:F1} s", deployed, symbols.Count, chain,
            System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private async Task AllowDemoWalletsAsync()
    {
        // Sharemint:Demo:Wallets:{chain} = address, allow-listed for the demo partner so a new user can mint at once.
        var accountId = _configuration["Sharemint:Demo:Account"] ?? "partner-demo";
        foreach (var wallet in _configuration.GetSection("Sharemint:Demo:Wallets").GetChildren())
        {
            if (string.IsNullOrWhiteSpace(wallet.Value))
            {
                continue;
            }
            await _grains.GetGrain<IHolderAccountGrain>(accountId)
                .AllowWalletAsync(OperationId.From($"demo-wallet/{wallet.Key}/{wallet.Value}"), wallet.Key, wallet.Value);
        }
    }

    /// <summary>The deployment's token address, or null when the asset is not deployed on that chain yet.</summary>
    private static async Task<string?> DeployedAddressAsync(IChainBridgeGrain bridge)
    {
        try
        {
            return (await bridge.GetAsync()).Config.TokenAddress;
        }
        catch (LedgerException error) when (error.Error == LedgerError.DeploymentNotFound)
        {
            return null;
        }
    }
}
