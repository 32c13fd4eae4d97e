using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Sharemint.Assets;
using Sharemint.Fixtures;
using Sharemint.Ledger;
using Sharemint.Silo.Storage;

namespace Sharemint.Grains.Tests;

/// <summary>
/// Grain-state updates that arrive together share commits, and each keeps its own etag check: the stale writer of a row
/// is refused while every other row in the same statement is written; string, integer and Guid keys land on the rows the
/// ADO.NET provider inserted.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GroupCommitGrainStorageTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Concurrent_updates_share_commits_and_only_the_stale_writer_of_a_row_is_refused()
    {
        await using var ledger = await LedgerCluster.StartAsync(postgres.Server);
        var services = ledger.Cluster.Silos[0].ServiceProvider;
        var storage = services.GetRequiredKeyedService<IGrainStorage>(LedgerStorage.Name);
        var grouped = services.GetRequiredKeyedService<GroupCommitGrainStorage>(LedgerStorage.Name);

        var ids = Enumerable.Range(0, 60).Select(i => GrainId.Create("sharemint.asset", $"GRP{i}x")).ToList();
        var states = ids.Select(_ => new GrainState<AssetState>(new AssetState { CustodyShares = 1m })).ToList();
        await Task.WhenAll(ids.Select((id, i) => storage.WriteStateAsync("asset", id, states[i])));

        // Every row updated at once; rows 0..9 also get a second writer holding the same (soon stale) version.
        var (flushesBefore, itemsBefore) = grouped.Updates.Counts;
        var stale = Enumerable.Range(0, 10).Select(i => new GrainState<AssetState>(new AssetState { CustodyShares = 99m }) { ETag = states[i].ETag }).ToList();
        for (var i = 0; i < states.Count; i++)
        {
            states[i].State!.CustodyShares = 10m + i;
        }
        var writes = ids.Select((id, i) => Outcome(storage.WriteStateAsync("asset", id, states[i])))
            .Concat(stale.Select((s, i) => Outcome(storage.WriteStateAsync("asset", ids[i], s))))
            .ToList();
        var outcomes = await Task.WhenAll(writes);
        var (flushesAfter, itemsAfter) = grouped.Updates.Counts;

        Assert.Equal(70, itemsAfter - itemsBefore);
        Assert.True(flushesAfter - flushesBefore < 70, $"{flushesAfter - flushesBefore} commits for 70 updates: none shared");
        for (var i = 0; i < 10; i++)
        {
            // Exactly one of the two writers of row i won, and the row holds the winner's state.
            Assert.True(outcomes[i] ^ outcomes[60 + i], $"row {i}: both or neither writer won");
            var stored = new GrainState<AssetState>();
            await storage.ReadStateAsync("asset", ids[i], stored);
            Assert.Equal(outcomes[i] ? 10m + i : 99m, stored.State!.CustodyShares);
            Assert.Equal("2", stored.ETag);
        }
        for (var i = 10; i < 60; i++)
        {
            Assert.True(outcomes[i]);
            Assert.Equal("2", states[i].ETag);
            var stored = new GrainState<AssetState>();
            await storage.ReadStateAsync("asset", ids[i], stored);
            Assert.Equal(10m + i, stored.State!.CustodyShares);
        }
    }

    [Fact]
    public async Task Updates_find_the_rows_of_string_integer_and_guid_keyed_grains()
    {
        await using var ledger = await LedgerCluster.StartAsync(postgres.Server);
        var storage = ledger.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(LedgerStorage.Name);
        var ids = new[]
        {
            GrainId.Create("sharemint.asset", "KEYx"),
            GrainId.Create(GrainType.Create("sharemint.catalog"), GrainIdKeyExtensions.CreateIntegerKey(42)),
            GrainId.Create(GrainType.Create("sharemint.catalog"), GrainIdKeyExtensions.CreateIntegerKey(7, "ext")),
            GrainId.Create(GrainType.Create("sharemint.quote"), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid())),
            GrainId.Create(GrainType.Create("sharemint.quote"), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid(), "ext")),
        };
        foreach (var id in ids)
        {
            var state = new GrainState<AssetState>(new AssetState { CustodyShares = 1m });
            await storage.WriteStateAsync("keys", id, state);
            for (var version = 2; version <= 3; version++)
            {
                state.State!.CustodyShares = version;
                await storage.WriteStateAsync("keys", id, state);
                Assert.Equal(version.ToString(System.Globalization.CultureInfo.InvariantCulture), state.ETag);
            }
            var stored = new GrainState<AssetState>();
            await storage.ReadStateAsync("keys", id, stored);
            Assert.Equal(3m, stored.State!.CustodyShares);
        }
    }

    private static async Task<bool> Outcome(Task write)
    {
        try
        {
            await write;
            return true;
        }
        catch (InconsistentStateException)
        {
            return false;
        }
    }
}
