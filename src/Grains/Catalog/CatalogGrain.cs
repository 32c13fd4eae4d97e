using Microsoft.Extensions.Logging;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Ledger;

namespace Sharemint.Catalog;

/// <summary>The stored catalogue.</summary>
[GenerateSerializer, Alias("sharemint.CatalogState")]
public sealed class CatalogState
{
    [Id(0)] public SortedSet<string> Assets { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public SortedSet<string> Deployments { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public SortedSet<string> Accounts { get; set; } = new(StringComparer.Ordinal);
}

/// <inheritdoc cref="ICatalogGrain"/>
[GrainType("sharemint.catalog")]
public sealed class CatalogGrain(
    [PersistentState("catalog", LedgerStorage.Name)] IPersistentState<CatalogState> state,
    ILogger<CatalogGrain> logger)
    : LedgerGrain<CatalogState>(state, logger), ICatalogGrain
{
    public async Task<AssetSnapshot> RegisterAssetAsync(AssetDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var snapshot = await GrainFactory.GetGrain<IAssetGrain>(definition.Symbol).DefineAsync(definition);
        if (State.Assets.Add(definition.Symbol))
        {
            await CommitAsync();
        }
        return snapshot;
    }

    public async Task<DeploymentSnapshot> RegisterDeploymentAsync(string symbol, string chain, DeploymentConfig config)
    {
        if (!State.Assets.Contains(symbol))
        {
            throw new LedgerException(LedgerError.AssetNotFound, $"Asset '{symbol}' is not in the catalogue.");
        }
        var key = DeploymentKey.For(symbol, chain);
        var snapshot = await GrainFactory.GetGrain<IChainBridgeGrain>(key).ConfigureAsync(config);
        if (State.Deployments.Add(key))
        {
            await CommitAsync();
        }
        return snapshot;
    }

    public async Task<AccountSnapshot> RegisterAccountAsync(string accountId, PartnerProfile profile)
    {
        LedgerValidation.RequireAccountId(accountId);
        var snapshot = await GrainFactory.GetGrain<IHolderAccountGrain>(accountId).OnboardAsync(profile);
        if (State.Accounts.Add(accountId))
        {
            await CommitAsync();
        }
        return snapshot;
    }

    public Task<IReadOnlyList<string>> ListAssetsAsync() => Task.FromResult<IReadOnlyList<string>>(State.Assets.ToArray());

    public Task<IReadOnlyList<CatalogDeployment>> ListDeploymentsAsync() =>
        Task.FromResult<IReadOnlyList<CatalogDeployment>>(State.Deployments
            .Select(DeploymentKey.Parse)
            .Select(k => new CatalogDeployment(k.Symbol, k.Chain))
            .ToArray());

    public Task<IReadOnlyList<string>> ListAccountsAsync() => Task.FromResult<IReadOnlyList<string>>(State.Accounts.ToArray());
}
