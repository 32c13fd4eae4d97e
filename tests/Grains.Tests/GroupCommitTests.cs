using Npgsql;
using Sharemint.Batching;
using Sharemint.Fixtures;
using Sharemint.Orders;
using Sharemint.Silo.Api.Security;
using Sharemint.Silo.Orders;
using Sharemint.Silo.Storage;
using Sharemint.Units;

namespace Sharemint.Grains.Tests;

/// <summary>
/// Writes that arrive together share one statement and one commit, and each caller still gets its own answer only after
/// its row is committed: the replay guard (a nonce seen twice is refused once, even inside one batch) and the order index
/// (the newest version wins, an older one never overwrites it).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class GroupCommitTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Items_queued_behind_a_running_flush_ride_together_in_the_next_one()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var batches = new List<int>();
        var group = new GroupCommit<int, int>(async items =>
        {
            lock (batches)
            {
                batches.Add(items.Count);
            }
            entered.TrySetResult();
            await gate.Task;
            return [.. items.Select(i => i * 10)];
        }, maxInFlight: 1);

        var first = group.WriteAsync(1);
        await entered.Task;
        var rest = Enumerable.Range(2, 99).Select(group.WriteAsync).ToList();
        Assert.False(first.IsCompleted);
        gate.SetResult();

        Assert.Equal(10, await first);
        Assert.Equal(Enumerable.Range(2, 99).Select(i => i * 10), await Task.WhenAll(rest));
        Assert.Equal([1, 99], batches);
        Assert.Equal((2L, 100L), group.Counts);
    }

    [Fact]
    public async Task A_failed_flush_fails_every_caller_it_carried_and_the_next_flush_still_runs()
    {
        var calls = 0;
        var group = new GroupCommit<int, int>(items =>
            Interlocked.Increment(ref calls) == 1
                ? throw new InvalidOperationException("database down")
                : Task.FromResult<IReadOnlyList<int>>([.. items]));
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => group.WriteAsync(1));
        Assert.Equal("database down", failed.Message);
        Assert.Equal(2, await group.WriteAsync(2));
    }

    [Fact]
    public async Task The_replay_guard_accepts_each_nonce_once_when_duplicates_arrive_together()
    {
        var connectionString = await postgres.Server.CreateMigratedDatabaseAsync("replay");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        using var counter = new ApiDatabaseCounter();
        var guard = new ReplayGuard(dataSource, counter);

        // 100 nonces, each sent twice at once (same key), plus the same nonces under another key.
        var calls = Enumerable.Range(0, 100).SelectMany(i => new[] { ("pk_a", $"n{i}"), ("pk_a", $"n{i}"), ("pk_b", $"n{i}") }).ToList();
        var results = await Task.WhenAll(calls.Select(c => guard.TryRecordAsync(c.Item1, c.Item2, CancellationToken.None)));

        var accepted = calls.Zip(results).Where(r => r.Second).Select(r => r.First).ToList();
        Assert.Equal(200, accepted.Count);
        Assert.Equal(200, accepted.Distinct().Count());
        Assert.True(counter.Total < calls.Count, $"{counter.Total} statements for {calls.Count} nonces: no commit was shared");
        Assert.False(await guard.TryRecordAsync("pk_a", "n7", CancellationToken.None));
        Assert.True(await guard.TryRecordAsync("pk_a", "fresh", CancellationToken.None));

        await using var count = dataSource.CreateCommand("SELECT count(*) FROM api_request_nonces");
        Assert.Equal(201L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task The_order_index_keeps_the_newest_version_whatever_order_concurrent_upserts_arrive_in()
    {
        var connectionString = await postgres.Server.CreateMigratedDatabaseAsync("orderindex");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var index = new PostgresOrderIndex(dataSource);
        var created = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
        var statuses = new[] { OrderStatus.Accepted, OrderStatus.InProgress, OrderStatus.Settled };

        // 20 orders, each with three versions sent at once in a shuffled order (one batch may carry several of them).
        var writes = Enumerable.Range(0, 20)
            .SelectMany(o => statuses.Select((status, v) => Snapshot($"o{o:D2}", status, created, v + 1)))
            .OrderBy(_ => Random.Shared.Next())
            .ToList();
        await Task.WhenAll(writes.Select(w => index.UpsertAsync(w)));
        // A stale retry after the fact changes nothing.
        await index.UpsertAsync(Snapshot("o03", OrderStatus.Accepted, created, 1));

        var listed = await index.ListAsync(null, null, 100);
        Assert.Equal(20, listed.Count);
        Assert.All(listed, e => Assert.Equal(OrderStatus.Settled, e.Status));
        Assert.Empty(await index.ListAsync(null, OrderStatus.Accepted, 100));
    }

    private static OrderSnapshot Snapshot(string orderId, OrderStatus status, DateTimeOffset created, long version) =>
        new(orderId, OrderKind.Mint, status, "acct-1", "TSLAx", "ethereum", null, "0xwallet", null, CanonicalAmount.FromTokens(1m),
            250m, "q1", [], [], null, null, created, created.AddSeconds(version), version);
}
