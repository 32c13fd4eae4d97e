using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Fixtures;
using Sharemint.Ledger;
using Sharemint.Units;
using static Sharemint.Grains.Tests.LedgerSetup;

namespace Sharemint.Grains.Tests;

/// <summary>Whole-cluster restarts, duplicate activations and reminders, each on its own database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RestartAndRaceTests(PostgresFixture postgres)
{
    [Fact]
    public async Task State_survives_a_full_cluster_restart()
    {
        await using var ledger = await LedgerCluster.StartAsync(postgres.Server);
        await AssetWithCustodyAsync(ledger.Grains, "RSTx", 50m);
        await ApprovedPartnerAsync(ledger.Grains, "restart-partner", 1234.56m);
        await MintAsync(ledger.Grains, "RSTx", "solana", CanonicalAmount.FromTokens(12.5m));
        var assetBefore = await ledger.Grains.GetGrain<IAssetGrain>("RSTx").GetAsync();
        var accountBefore = await ledger.Grains.GetGrain<IHolderAccountGrain>("restart-partner").GetAsync();
        var bridgeBefore = await ledger.Grains.GetGrain<IChainBridgeGrain>("RSTx/solana").GetAsync();

        await ledger.RestartAsync();

        Assert.Equal(assetBefore, await ledger.Grains.GetGrain<IAssetGrain>("RSTx").GetAsync());
        Assert.Equal(accountBefore, await ledger.Grains.GetGrain<IHolderAccountGrain>("restart-partner").GetAsync());
        Assert.Equal(bridgeBefore, await ledger.Grains.GetGrain<IChainBridgeGrain>("RSTx/solana").GetAsync());
        Assert.Contains("RSTx", await ledger.Grains.GetGrain<Catalog.ICatalogGrain>(0).ListAssetsAsync());
        Assert.Equal(CanonicalAmount.FromTokens(12.5m), assetBefore.Issued);
    }

    [Fact]
    public async Task Two_first_writes_of_the_same_grain_cannot_both_win()
    {
        await using var ledger = await LedgerCluster.StartAsync(postgres.Server);
        var storage = ledger.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(LedgerStorage.Name);
        var grainId = GrainId.Create("sharemint.asset", "RACEx");

        // Two activations that both believe the grain is new, writing at the same instant.
        for (var round = 0; round < 5; round++)
        {
            var id = GrainId.Create("sharemint.asset", $"RACE{round}x");
            var a = new GrainState<AssetState>(new AssetState { CustodyShares = 1m });
            var b = new GrainState<AssetState>(new AssetState { CustodyShares = 2m });
            var results = await Task.WhenAll(WriteAsync(storage, id, a), WriteAsync(storage, id, b));
            Assert.Equal(1, results.Count(ok => ok));
            var stored = new GrainState<AssetState>();
            await storage.ReadStateAsync("asset", id, stored);
            var winner = results[0] ? a : b;
            Assert.Equal(winner.State!.CustodyShares, stored.State!.CustodyShares);
        }

        // Stale etags lose too: the second of two updates from the same version is refused.
        var first = new GrainState<AssetState>(new AssetState { CustodyShares = 1m });
        await storage.WriteStateAsync("asset", grainId, first);
        var stale = new GrainState<AssetState>(new AssetState { CustodyShares = 9m }) { ETag = first.ETag };
        first.State!.CustodyShares = 3m;
        await storage.WriteStateAsync("asset", grainId, first);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("asset", grainId, stale));
    }

    [Fact]
    public async Task Duplicate_activations_in_split_clusters_cannot_fork_a_ledger()
    {
        // Two clusters with the same service id on one database: the same grain is active in both, as during a
        // membership split. Each write is checked against the stored version, so the second writer is refused.
        await using var left = await LedgerCluster.StartAsync(postgres.Server);
        await AssetWithCustodyAsync(left.Grains, "SPLITx", 10m);
        await using var right = await LedgerCluster.StartOnAsync(left.ConnectionString, "sharemint-test", $"other-{Guid.NewGuid():N}");

        var leftAsset = left.Grains.GetGrain<IAssetGrain>("SPLITx");
        var rightAsset = right.Grains.GetGrain<IAssetGrain>("SPLITx");
        Assert.Equal(await leftAsset.GetAsync(), await rightAsset.GetAsync());

        await leftAsset.ReserveCustodyAsync(Op(), "solana", CanonicalAmount.FromTokens(8m));
        // The right activation still believes 10 shares are free; its write must fail rather than over-reserve.
        await Assert.ThrowsAsync<InconsistentStateException>(() => rightAsset.ReserveCustodyAsync(Op(), "base", CanonicalAmount.FromTokens(8m)));

        // After the refusal it re-read storage, so it now decides on the true state.
        var reread = await rightAsset.GetAsync();
        Assert.Equal(8m, reread.ReservedShares);
        var refused = await Assert.ThrowsAsync<Errors.LedgerException>(() => rightAsset.ReserveCustodyAsync(Op(), "base", CanonicalAmount.FromTokens(8m)));
        Assert.Equal(Errors.LedgerError.InsufficientBacking, refused.Error);
    }

    [Fact]
    public async Task A_scheduled_multiplier_reminder_fires_after_a_restart()
    {
        await using var ledger = await LedgerCluster.StartAsync(postgres.Server);
        var asset = await AssetWithCustodyAsync(ledger.Grains, "REMx", 100m);
        await MintAsync(ledger.Grains, "REMx", "base", CanonicalAmount.FromTokens(10m));
        await asset.ScheduleMultiplierAsync(Op("dividend"), Multiplier.From(1.0125m), DateTimeOffset.UtcNow.AddSeconds(4));

        await ledger.RestartAsync();
        asset = ledger.Grains.GetGrain<IAssetGrain>("REMx");
        Assert.Equal(1m, (await asset.GetAsync()).Multiplier.Value);

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while ((await asset.GetAsync()).Multiplier.Value != 1.0125m)
        {
            Assert.True(DateTime.UtcNow < deadline, "the reminder did not apply the multiplier within 90 s of the restart");
            await Task.Delay(250);
        }
        Assert.Null(await asset.GetScheduledMultiplierAsync());
        var applied = await asset.GetAsync();
        Assert.Equal(10.125m, applied.BackingShares);
    }

    private static async Task<bool> WriteAsync(IGrainStorage storage, GrainId id, GrainState<AssetState> state)
    {
        try
        {
            await storage.WriteStateAsync("asset", id, state);
            return true;
        }
        catch (InconsistentStateException)
        {
            return false;
        }
    }
}
