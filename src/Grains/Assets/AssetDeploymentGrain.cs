using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Signers;

namespace Sharemint.Assets;

/// <inheritdoc cref="IAssetDeploymentGrain"/>
[GrainType("sharemint.asset-deployment")]
public sealed class AssetDeploymentGrain(
    [PersistentState("asset-deployment", LedgerStorage.Name)] IPersistentState<AssetDeploymentState> state,
    ILogger<AssetDeploymentGrain> logger)
    : Grain, IAssetDeploymentGrain, IRemindable
{
    private const string Reminder = "asset-deployment";
    private IGrainTimer? _timer;
    private bool _advancing;

    private string Symbol => this.GetPrimaryKeyString();

    private bool Done => state.State.Chains.All(state.State.Tokens.ContainsKey);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!Done)
        {
            StartTimer();
        }
        return base.OnActivateAsync(cancellationToken);
    }

    public async Task<AssetDeploymentProgress> DeployAsync(IReadOnlyList<string> chains)
    {
        ArgumentNullException.ThrowIfNull(chains);
        if (chains.Count == 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "Name at least one chain.");
        }
        await GrainFactory.GetGrain<IAssetGrain>(Symbol).GetAsync();
        var configured = ServiceProvider.GetService<ConfiguredChains>()?.Chains ?? [];
        var unknown = chains.Where(c => !configured.Contains(c)).ToList();
        if (unknown.Count > 0)
        {
            throw new LedgerException(LedgerError.DeploymentNotFound,
                $"Unknown chain(s) {string.Join(", ", unknown)}; this cluster has {string.Join(", ", configured.Order(StringComparer.Ordinal))}.");
        }
        var added = chains.Distinct(StringComparer.Ordinal).Where(c => !state.State.Chains.Contains(c)).ToList();
        if (added.Count > 0)
        {
            state.State.Chains.AddRange(added);
            await state.WriteStateAsync();
        }
        if (!Done)
        {
            await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
            StartTimer();
        }
        return Progress();
    }

    public Task<AssetDeploymentProgress> GetProgressAsync() => Task.FromResult(Progress());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != Reminder)
        {
            return;
        }
        if (Done)
        {
            if (await this.GetReminder(Reminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            return;
        }
        StartTimer();
        await AdvanceAsync();
    }

    public async Task<AssetDeploymentProgress> AdvanceAsync()
    {
        if (_advancing || Done)
        {
            return Progress();
        }
        _advancing = true;
        try
        {
            var asset = await GrainFactory.GetGrain<IAssetGrain>(Symbol).GetAsync();
            var catalog = GrainFactory.GetGrain<ICatalogGrain>(0);
            foreach (var chain in state.State.Chains.Where(c => !state.State.Tokens.ContainsKey(c)).ToList())
            {
                try
                {
                    // The signer deploys once per symbol (write-ahead), so a retry after a crash finds the same token.
                    var token = await GrainFactory.GetGrain<IChainSignerGrain>(chain)
                        .DeployTokenAsync(new TokenDeploymentRequest(Symbol, asset.Definition.Name, asset.Multiplier));
                    await catalog.RegisterDeploymentAsync(Symbol, chain, new DeploymentConfig(token.TokenAddress, token.Decimals));
                    await GrainFactory.GetGrain<IChainBridgeGrain>(DeploymentKey.For(Symbol, chain)).StartWatchingAsync();
                    state.State.Tokens[chain] = token.TokenAddress;
                    state.State.Problems.Remove(chain);
                    logger.LogInformation("Deployed {Symbol} on {Chain} at {Token}", Symbol, chain, token.TokenAddress);
                }
                catch (LedgerException error) when (error.Error is LedgerError.ChainUnavailable or LedgerError.ChainWriteFailed)
                {
                    state.State.Problems[chain] = error.Message;
                }
                await state.WriteStateAsync();
            }
        }
        finally
        {
            _advancing = false;
        }
        if (Done)
        {
            _timer?.Dispose();
            _timer = null;
        }
        return Progress();
    }

    private void StartTimer() =>
        _timer ??= this.RegisterGrainTimer(async _ => await AdvanceAsync(), new GrainTimerCreationOptions(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)) { Interleave = false });

    private AssetDeploymentProgress Progress() => new(Symbol,
        state.State.Chains.Select(c => new AssetChainDeployment(c, state.State.Tokens.ContainsKey(c) ? "deployed" : "pending",
            state.State.Tokens.GetValueOrDefault(c), state.State.Problems.GetValueOrDefault(c))).ToList(),
        Done);
}
