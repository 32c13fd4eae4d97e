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
/// re-arms the watchers.
/// </summary>
public sealed class TokenDeployer : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly IGrainFactory _grains;
    private readonly ConfiguredChains _chains;
    private readonly IConfiguration _configuration;
    private readonly ILogger<TokenDeployer> _logger;
    private double _lastSeconds = double.NaN;

    public TokenDeployer(IGrainFactory grains, ConfiguredChains chains, IConfiguration configuration, ILogger<TokenDeployer> logger)
    {
        _grains = grains;
        _chains = chains;
        _configuration = configuration;
        _logger = logger;
        // How long the start-up deployment took (the first command waits for it on a fresh platform); absent until it ends.
        Sharemint.Telemetry.SharemintMetrics.Meter.CreateObservableGauge("sharemint.catalog.deploy.duration", ReadDuration, "s", "Seconds the silo's start-up took to deploy (or find deployed) every catalogue asset on every chain and reconcile them.");
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<double>> ReadDuration()
    {
        var seconds = Volatile.Read(ref _lastSeconds);
        return double.IsNaN(seconds) ? [] : [new System.Diagnostics.Metrics.Measurement<double>(seconds)];
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TokenDeployer), ServiceLifecycleStage.Active + 1, DeployAllAsync);

    private async Task DeployAllAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var catalog = _grains.GetGrain<ICatalogGrain>(0);
        // Sharemint:DeploySymbols (comma-separated) narrows the deployment, e.g. for test clusters; empty means all.
        var only = (_configuration["Sharemint:DeploySymbols"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var symbols = (await catalog.ListAssetsAsync()).Where(s => only.Length == 0 || only.Contains(s)).ToList();
        var orderedChains = _chains.Chains.Order(StringComparer.Ordinal).ToList();
        // Chains are independent: each has its own signer grain, which deploys one token at a time (it owns the nonce),
        // so the chains go concurrently and the slowest chain sets the time, not the sum of all.
        await Task.WhenAll(orderedChains.Select(chain => DeployOnChainAsync(catalog, chain, symbols, cancellationToken)));
        await AllowDemoWalletsAsync();
        // One reserves grain per asset: reconcile a few at a time rather than one after another.
        await Parallel.ForEachAsync(symbols, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (symbol, _) => await _grains.GetGrain<IReservesGrain>(symbol).ReconcileAsync());
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
        Volatile.Write(ref _lastSeconds, seconds);
        _logger.LogInformation("{Assets} assets deployed on {Chains} in {Seconds:F1} s", symbols.Count, string.Join(", ", orderedChains), seconds);
    }

    private async Task DeployOnChainAsync(ICatalogGrain catalog, string chain, IReadOnlyList<string> symbols, CancellationToken cancellationToken)
    {
        var watchers = new List<Task>();
        foreach (var symbol in symbols)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bridge = _grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain));
            if (!await IsDeployedAsync(bridge))
            {
                var asset = await _grains.GetGrain<IAssetGrain>(symbol).GetAsync();
                var token = await _grains.GetGrain<IChainSignerGrain>(chain)
                    .DeployTokenAsync(new TokenDeploymentRequest(symbol, asset.Definition.Name, asset.Multiplier));
                await catalog.RegisterDeploymentAsync(symbol, chain, new DeploymentConfig(token.TokenAddress, token.Decimals));
                _logger.LogInformation("Deployed {Symbol} on {Chain} at {Token}", symbol, chain, token.TokenAddress);
            }
            // Each deployment's bridge grain arms its watcher while the signer goes on with the next token.
            watchers.Add(bridge.StartWatchingAsync());
        }
        await Task.WhenAll(watchers);
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

    private static async Task<bool> IsDeployedAsync(IChainBridgeGrain bridge)
    {
        try
        {
            await bridge.GetAsync();
            return true;
        }
        catch (LedgerException error) when (error.Error == LedgerError.DeploymentNotFound)
        {
            return false;
        }
    }
}
