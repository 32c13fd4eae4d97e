using Npgsql;
using Sharemint.Accounts;
using Sharemint.Fixtures;

namespace Sharemint.Operations.Tests;

/// <summary>
/// The account's cash journal moves its older lines to PostgreSQL before they leave the stored state. A real silo
/// process stops hard (FailFast, as kill -9) right after that archive write and before the state write that forgets
/// them: after a restart every line is listed once, and the repeated archive stores nothing twice.
/// </summary>
public sealed class CashJournalCrashTests
{
    private const string AccountId = "partner-journal-crash";

    [Fact]
    public async Task A_silo_that_dies_between_the_archive_write_and_the_state_write_lists_every_line_once_after_restart()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_journal");
        var marker = Path.Combine(Path.GetTempPath(), $"journal-crash-{Guid.NewGuid():N}");
        try
        {
            var clusterId = $"journal-{Guid.NewGuid():N}";
            await using (var armed = await SiloProcess.StartAsync(database, seedDemo: false, clusterId: clusterId,
                extraEnvironment: new Dictionary<string, string>
                {
                    ["Sharemint__Orders__CrashAt"] = "account.journal-archived",
                    ["Sharemint__Orders__CrashMarker"] = marker,
                }))
            await using (var client = await SiloClient.ConnectAsync(database, clusterId))
            {
                var account = client.Client.GetGrain<IHolderAccountGrain>(AccountId);
                await account.OnboardAsync(new PartnerProfile("Journal Partner", "CH", PartnerTier.Standard, 0.001m, AccountLimits.Default));
                // 32 lines fit the state; the 33rd line's commit archives the first 32, and the process stops right there.
                for (var i = 1; i <= 32; i++)
                {
                    await account.CreditCashAsync(Credit(i), i);
                }
                try
                {
                    await account.CreditCashAsync(Credit(33), 33m);
                    Assert.Fail("the silo should have stopped after archiving");
                }
                catch (Exception error) when (error is TimeoutException or OrleansException)
                {
                    // The process stopped before its reply left.
                }
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (!armed.HasExited && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
                Assert.True(armed.HasExited && File.Exists(marker), $"the silo did not stop at the archive:\n{armed.Output}");
            }

            // The archive holds lines 1-32; the stored state still holds all 33 lines, none of them forgotten.
            await using var data = NpgsqlDataSource.Create(database);
            Assert.Equal([(1L, 32L)], await BatchesAsync(data));
            Assert.Equal((33, 0L), await StoredWindowAsync(data));

            var restartedCluster = $"journal-{Guid.NewGuid():N}";
            await using var restarted = await SiloProcess.StartAsync(database, seedDemo: false, clusterId: restartedCluster);
            await using var again = await SiloClient.ConnectAsync(database, restartedCluster);
            var same = again.Client.GetGrain<IHolderAccountGrain>(AccountId);
            // The 33rd credit was committed before the archive: retried, it is recognised and credits nothing more.
            Assert.Equal(561m, (await same.CreditCashAsync(Credit(33), 33m)).CashBalance);
            await AssertEveryLineOnceAsync(same, 33);

            // The next write archives the same 32 lines again (stored once); the write after it leaves them out of the state.
            await same.CreditCashAsync(Credit(34), 34m);
            Assert.Equal([(1L, 32L)], await BatchesAsync(data));
            Assert.Equal((34, 0L), await StoredWindowAsync(data));
            await AssertEveryLineOnceAsync(same, 34);
            await same.CreditCashAsync(Credit(35), 35m);
            Assert.Equal([(1L, 32L)], await BatchesAsync(data));
            Assert.Equal((3, 32L), await StoredWindowAsync(data));
            await AssertEveryLineOnceAsync(same, 35);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    private static OperationId Credit(int i) => OperationId.From($"journal-crash/credit-{i}");

    /// <summary>Lines 1..count, each once, credit i of i USD, with the running balance; read in pages that cross the archive boundary.</summary>
    private static async Task AssertEveryLineOnceAsync(IHolderAccountGrain account, int count)
    {
        foreach (var limit in new[] { 5, 500 })
        {
            var lines = new List<CashJournalEntry>();
            CashJournalPage page;
            do
            {
                page = await account.GetCashJournalAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, lines.Count > 0 ? lines[^1].Sequence : 0, limit);
                lines.AddRange(page.Entries);
            }
            while (page.HasMore);
            Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), lines.Select(l => l.Sequence));
            Assert.Equal(Enumerable.Range(1, count).Select(i => (decimal)i), lines.Select(l => l.CashChange));
            Assert.Equal(Enumerable.Range(1, count).Select(i => (decimal)(i * (i + 1) / 2)), lines.Select(l => l.CashBalanceAfter));
        }
    }

    private static async Task<List<(long First, long Last)>> BatchesAsync(NpgsqlDataSource data)
    {
        await using var command = data.CreateCommand(
            "SELECT first_sequence, last_sequence FROM account_cash_journal_batches WHERE account_id = $1 ORDER BY first_sequence");
        command.Parameters.AddWithValue(AccountId);
        var batches = new List<(long, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            batches.Add((reader.GetInt64(0), reader.GetInt64(1)));
        }
        return batches;
    }

    /// <summary>How many journal lines the stored account state holds, and through which sequence it has archived.</summary>
    private static async Task<(int Lines, long ArchivedThrough)> StoredWindowAsync(NpgsqlDataSource data)
    {
        await using var command = data.CreateCommand("""
            SELECT jsonb_array_length(state -> 'cashJournal'), coalesce((state ->> 'cashJournalArchivedThrough')::bigint, 0)
              FROM grain_state WHERE grain_type = 'account' AND grain_key = $1
            """);
        command.Parameters.AddWithValue(AccountId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the account's row is missing");
        return (reader.GetInt32(0), reader.GetInt64(1));
    }
}
