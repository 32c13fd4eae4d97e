using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sharemint.Ledger;
using Sharemint.Errors;
using static Sharemint.Grains.Tests.LedgerSetup;

namespace Sharemint.Grains.Tests;

/// <summary>
/// The applied-operation archive writes one row per archiving batch, not one per id, and still remembers every id
/// (invariant 3) — including ids archived one row each before batching (migration 0040) or by an older silo.
/// </summary>
[Collection(LedgerClusterCollection.Name)]
public sealed class AppliedOperationArchiveTests(LedgerClusterFixture fixture)
{
    private const int Threshold = Ledger.LedgerGrain<Accounts.HolderAccountState>.ArchiveThreshold;

    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Archiving_writes_one_row_per_batch_and_every_archived_id_is_still_recognised()
    {
        var account = await ApprovedPartnerAsync(_grains, "batch-archive-partner", 0m);
        var early = Op("early");
        await account.CreditCashAsync(early, 1m);
        for (var i = 0; i < 3 * Threshold; i++)
        {
            await account.CreditCashAsync(Op("later"), 1m);
        }
        var balance = (await account.GetAsync()).CashBalance;
        Assert.Equal(1m + 3 * Threshold, balance);

        // At least 3 × threshold ids left the state (the setup's own ids too), in at most three batches.
        var (batches, archivedIds) = await BatchesAsync("batch-archive-partner");
        Assert.InRange(batches, 1, 3);
        Assert.True(archivedIds >= 2 * Threshold, $"only {archivedIds} ids archived");
        Assert.Equal(0, await LegacyRowsAsync("batch-archive-partner"));

        await account.CreditCashAsync(early, 1m);
        Assert.Equal(balance, (await account.GetAsync()).CashBalance);
        var conflict = await Assert.ThrowsAsync<LedgerException>(() => account.CreditCashAsync(early, 2m));
        Assert.Equal(LedgerError.IdempotencyConflict, conflict.Error);
    }

    [Fact]
    public async Task Ids_archived_one_row_each_before_batching_are_still_recognised()
    {
        var account = await ApprovedPartnerAsync(_grains, "legacy-archive-partner", 0m);
        var early = Op("early");
        await account.CreditCashAsync(early, 1m);
        for (var i = 0; i < 2 * Threshold; i++)
        {
            await account.CreditCashAsync(Op("later"), 1m);
        }
        var balance = (await account.GetAsync()).CashBalance;

        // Turn this grain's batches into the pre-0040 layout: one ledger_applied_operations row per id, no batch rows.
        await using (var connection = new NpgsqlConnection(fixture.Ledger.ConnectionString))
        {
            await connection.OpenAsync();
            await using var move = new NpgsqlCommand("""
                WITH moved AS (DELETE FROM ledger_applied_operation_batches WHERE grain_id LIKE '%legacy-archive-partner' RETURNING grain_id, entries)
                INSERT INTO ledger_applied_operations (grain_id, operation_key, outcome)
                SELECT m.grain_id, e.key, e.value FROM moved m, jsonb_each_text(m.entries) e
                ON CONFLICT DO NOTHING
                """, connection);
            Assert.True(await move.ExecuteNonQueryAsync() >= Threshold);
        }
        Assert.Equal(0, (await BatchesAsync("legacy-archive-partner")).Batches);

        await account.CreditCashAsync(early, 1m);
        Assert.Equal(balance, (await account.GetAsync()).CashBalance);
        var conflict = await Assert.ThrowsAsync<LedgerException>(() => account.CreditCashAsync(early, 2m));
        Assert.Equal(LedgerError.IdempotencyConflict, conflict.Error);
    }

    [Fact]
    public async Task Concurrent_lookups_answer_each_key_from_its_own_grain_and_the_oldest_record_wins()
    {
        var archive = fixture.Ledger.Cluster.Silos[0].ServiceProvider.GetRequiredService<IAppliedOperationArchive>();
        var grains = Enumerable.Range(0, 20).Select(i => GrainId.Create("lookup", $"g{i}")).ToList();
        foreach (var (grain, i) in grains.Select((g, i) => (g, i)))
        {
            await archive.ArchiveAsync(grain, [KeyValuePair.Create("op-shared", $"first-{i}"), KeyValuePair.Create($"op-{i}", $"value-{i}")]);
            // Archived again later (a retried archive) with another value: the first record still wins.
            await archive.ArchiveAsync(grain, [KeyValuePair.Create("op-shared", $"second-{i}")]);
        }
        await using (var connection = new NpgsqlConnection(fixture.Ledger.ConnectionString))
        {
            await connection.OpenAsync();
            await using var legacy = new NpgsqlCommand(
                "INSERT INTO ledger_applied_operations (grain_id, operation_key, outcome) VALUES ($1, 'op-legacy', 'legacy')", connection);
            legacy.Parameters.AddWithValue(grains[3].ToString());
            await legacy.ExecuteNonQueryAsync();
        }

        var asks = grains.SelectMany((g, i) => new[] { (g, "op-shared", (string?)$"first-{i}"), (g, $"op-{i}", $"value-{i}"),
            (g, $"op-{(i + 1) % 20}", null), (g, "op-missing", null), (g, "op-legacy", i == 3 ? "legacy" : null) }).ToList();
        var answers = await Task.WhenAll(asks.Select(a => archive.FindAsync(a.Item1, a.Item2)));
        Assert.Equal(asks.Select(a => a.Item3), answers);
    }

    [Fact]
    public async Task After_archiving_new_ids_are_recognised_as_new_without_querying_the_archive()
    {
        var account = await ApprovedPartnerAsync(_grains, "filtered-archive-partner", 0m);
        var early = Op("early");
        await account.CreditCashAsync(early, 1m);
        // Enough batches that the early id is older than the two the activation still remembers.
        for (var i = 0; i < 4 * Threshold; i++)
        {
            await account.CreditCashAsync(Op("later"), 1m);
        }
        Assert.True((await BatchesAsync("filtered-archive-partner")).Batches >= 1);
        await account.CreditCashAsync(Op("first-after-archiving"), 1m);
        var balance = (await account.GetAsync()).CashBalance;

        var before = ArchiveLookups();
        for (var i = 0; i < 20; i++)
        {
            await account.CreditCashAsync(Op("new"), 1m);
        }
        Assert.Equal(balance + 20m, (await account.GetAsync()).CashBalance);
        Assert.Equal(before, ArchiveLookups());

        // An archived id still is one: the filter says "maybe" and the archive answers.
        await account.CreditCashAsync(early, 1m);
        Assert.Equal(balance + 20m, (await account.GetAsync()).CashBalance);
        var conflict = await Assert.ThrowsAsync<LedgerException>(() => account.CreditCashAsync(early, 2m));
        Assert.Equal(LedgerError.IdempotencyConflict, conflict.Error);
        Assert.True(ArchiveLookups() > before);
    }

    [Fact]
    public async Task A_key_archived_in_the_last_batches_is_answered_from_memory_without_querying_the_archive()
    {
        var account = await ApprovedPartnerAsync(_grains, "recent-archive-partner", 0m);
        var ids = new List<Sharemint.Operations.OperationId>();
        for (var i = 0; i < Threshold + 2; i++)
        {
            ids.Add(Op("recent"));
            await account.CreditCashAsync(ids[^1], 1m);
        }
        Assert.True((await BatchesAsync("recent-archive-partner")).Batches >= 1);
        var balance = (await account.GetAsync()).CashBalance;

        // Every id of the batch that just moved is still known (a replay changes nothing), and nobody asked the archive.
        var before = ArchiveLookups();
        foreach (var id in ids)
        {
            await account.CreditCashAsync(id, 1m);
        }
        Assert.Equal(balance, (await account.GetAsync()).CashBalance);
        Assert.Equal(before, ArchiveLookups());
        var conflict = await Assert.ThrowsAsync<LedgerException>(() => account.CreditCashAsync(ids[0], 2m));
        Assert.Equal(LedgerError.IdempotencyConflict, conflict.Error);
    }

    /// <summary>Lookups that reached the archive on any silo of the test cluster.</summary>
    private long ArchiveLookups() => fixture.Ledger.Cluster.Silos
        .Sum(s => ((Sharemint.Silo.Storage.PostgresAppliedOperationArchive)s.ServiceProvider.GetRequiredService<IAppliedOperationArchive>()).LookupCounts.Lookups);

    private async Task<(long Batches, long Ids)> BatchesAsync(string accountId)
    {
        await using var connection = new NpgsqlConnection(fixture.Ledger.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*), coalesce(sum((SELECT count(*) FROM jsonb_object_keys(entries))), 0)::bigint
              FROM ledger_applied_operation_batches WHERE grain_id LIKE '%' || $1
            """, connection);
        command.Parameters.AddWithValue(accountId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private async Task<long> LegacyRowsAsync(string accountId)
    {
        await using var connection = new NpgsqlConnection(fixture.Ledger.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM ledger_applied_operations WHERE grain_id LIKE '%' || $1", connection);
        command.Parameters.AddWithValue(accountId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
