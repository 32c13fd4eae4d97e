using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Storage;
using Sharemint.Accounts;
using Sharemint.Fixtures;
using Sharemint.Ledger;
using Sharemint.Silo.Storage;
using static Sharemint.Grains.Tests.CashJournalChecks;
using static Sharemint.Grains.Tests.LedgerSetup;

namespace Sharemint.Grains.Tests;

/// <summary>
/// The cash journal keeps only its recent lines in the account's state; older ones move to PostgreSQL first and leave
/// the state with its next write. The stored row stays small however long the history, and the journal still lists
/// every line once, in order, with its running balance.
/// </summary>
[Collection(LedgerClusterCollection.Name)]
public sealed class CashJournalArchiveTests(LedgerClusterFixture fixture)
{
    [Fact]
    public async Task After_300_cash_movements_the_stored_row_stays_small_and_the_journal_lists_every_line()
    {
        var accountId = $"journal-{Guid.NewGuid():N}"[..24];
        var account = await ApprovedPartnerAsync(fixture.Grains, accountId, 0m);
        var expected = await MoveCashAsync(account, accountId, 300);

        var stored = await StoredBytesAsync(fixture.Ledger.ConnectionString, accountId);
        Assert.True(stored < MaxStoredBytes, $"the account row holds {stored} bytes");
        var lines = await ReadAllAsync(account, 500);
        AssertJournal(expected, lines);
        Assert.Equal((await account.GetAsync()).CashBalance, lines[^1].CashBalanceAfter);
    }


    [Fact]
    public async Task Pages_of_any_size_and_time_ranges_across_the_archive_boundary_neither_skip_nor_repeat_a_line()
    {
        var accountId = $"journal-pages-{Guid.NewGuid():N}"[..24];
        var account = await ApprovedPartnerAsync(fixture.Grains, accountId, 0m);
        var expected = await MoveCashAsync(account, accountId, 100);
        Assert.True(await ArchivedRangeAsync(fixture.Ledger.ConnectionString, accountId) is (1, >= 64), "lines were archived");

        var all = await ReadAllAsync(account, 500);
        AssertJournal(expected, all);
        foreach (var limit in new[] { 1, 7, 31, 32, 33, 64, 99, 100 })
        {
            Assert.Equal(all, await ReadAllAsync(account, limit));
        }
        // Ranges inside the archive, across the boundary, and inside the window, by time; cursors inside a batch.
        foreach (var (first, end) in new[] { (0, 99), (5, 40), (20, 98), (60, 64), (95, 99), (3, 3) })
        {
            var (from, before) = (all[first].At, all[end].At);
            var inRange = all.Where(l => l.At >= from && l.At < before).ToList();
            Assert.Equal(inRange, await ReadAllAsync(account, 7, from, before));
            Assert.Equal(inRange, await ReadAllAsync(account, 500, from, before));
        }
        var afterCursor = await account.GetCashJournalAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 45, 10);
        Assert.Equal(all.Skip(45).Take(10), afterCursor.Entries);
        Assert.True(afterCursor.HasMore);
        Assert.Empty((await account.GetCashJournalAsync(all[^1].At.AddTicks(1), DateTimeOffset.MaxValue, 0, 10)).Entries);
    }

    [Fact]
    public async Task An_account_stored_with_its_whole_journal_moves_the_excess_to_the_archive_with_its_first_write()
    {
        var accountId = $"journal-legacy-{Guid.NewGuid():N}"[..24];
        await ApprovedPartnerAsync(fixture.Grains, accountId, 0m);
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // As a build before the archive stored it: 300 lines in the state, none archived.
        var storage = fixture.Ledger.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(LedgerStorage.Name);
        var grainId = GrainId.Create("sharemint.holder-account", accountId);
        var stored = new GrainState<HolderAccountState>();
        await storage.ReadStateAsync("account", grainId, stored);
        Assert.NotNull(stored.State);
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        stored.State.CashJournal = Enumerable.Range(1, 300)
            .Select(i => new CashJournalEntry(i, start.AddMinutes(i), CashEntryKind.Credit, $"legacy-{i}", 1.01m, 0m, 1.01m * i)).ToList();
        stored.State.CashBalance = 303.00m;
        await storage.WriteStateAsync("account", grainId, stored);
        var before = await StoredBytesAsync(fixture.Ledger.ConnectionString, accountId);

        var account = fixture.Grains.GetGrain<IHolderAccountGrain>(accountId);
        var legacy = await ReadAllAsync(account, 500);
        Assert.Equal(stored.State.CashJournal, legacy);
        Assert.Null(await ArchivedRangeAsync(fixture.Ledger.ConnectionString, accountId));

        await account.CreditCashAsync(Op("credit"), 2.00m);
        Assert.Equal((1L, 288L), await ArchivedRangeAsync(fixture.Ledger.ConnectionString, accountId));
        await account.CreditCashAsync(Op("credit"), 3.00m);
        var after = await StoredBytesAsync(fixture.Ledger.ConnectionString, accountId);
        Assert.True(after < MaxStoredBytes && after < before / 4, $"the row went from {before} to {after} bytes");

        var lines = await ReadAllAsync(account, 500);
        Assert.Equal(legacy, lines.Take(300));
        Assert.Equal([(301L, 305.00m), (302L, 308.00m)], lines.Skip(300).Select(l => (l.Sequence, l.CashBalanceAfter)));
        Assert.Equal(lines, await ReadAllAsync(account, 13));
        Assert.Equal(308.00m, (await account.GetAsync()).CashBalance);
    }
}

/// <summary>
/// The archive boundary under faults, on a cluster whose journal archive can be made to fail: an archive that fails
/// loses nothing and is tried again; one that lands but whose reply is lost is not stored twice when tried again.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CashJournalArchiveFaultTests(PostgresFixture postgres)
{
    [Fact]
    public async Task A_failed_archive_keeps_the_lines_in_state_and_a_lost_reply_stores_them_once()
    {
        FlakyCashJournalArchive? flaky = null;
        await using var ledger = await LedgerCluster.StartAsync(postgres.Server, configure: silo =>
            silo.Services.AddSingleton<ICashJournalArchive>(services =>
                flaky = new FlakyCashJournalArchive(new PostgresCashJournalArchive(services.GetRequiredService<NpgsqlDataSource>()))));

        // The archive refuses every batch: each call still succeeds, the lines stay in the state, nothing is archived.
        var failing = $"journal-fail-{Guid.NewGuid():N}"[..24];
        var account = await ApprovedPartnerAsync(ledger.Grains, failing, 0m);
        flaky!.Failing = true;
        var expected = await MoveCashAsync(account, failing, 40);
        Assert.True(flaky.Refused >= 8, $"{flaky.Refused} archives refused");
        Assert.Null(await ArchivedRangeAsync(ledger.ConnectionString, failing));
        AssertJournal(expected, await ReadAllAsync(account, 500));
        // Back up: the next write's archive moves them.
        flaky.Failing = false;
        expected.AddRange(await MoveCashAsync(account, failing, 1));
        Assert.Equal((1L, 32L), await ArchivedRangeAsync(ledger.ConnectionString, failing));
        AssertJournal(expected, await ReadAllAsync(account, 500));
        AssertJournal(expected, await ReadAllAsync(account, 3));

        // The archive stores the batch and the reply is lost: the state keeps the lines, and the retry stores none twice.
        var lost = $"journal-lost-{Guid.NewGuid():N}"[..24];
        account = await ApprovedPartnerAsync(ledger.Grains, lost, 0m);
        flaky.LoseNextReply = true;
        expected = await MoveCashAsync(account, lost, 33);
        Assert.False(flaky.LoseNextReply);
        Assert.Equal((1L, 32L), await ArchivedRangeAsync(ledger.ConnectionString, lost));
        AssertJournal(expected, await ReadAllAsync(account, 500));
        expected.AddRange(await MoveCashAsync(account, lost, 2));
        Assert.Equal((1L, 32L), await ArchivedRangeAsync(ledger.ConnectionString, lost));
        Assert.Equal(1, await ArchiveRowsAsync(ledger.ConnectionString, lost));
        AssertJournal(expected, await ReadAllAsync(account, 500));
        // From storage again (a new activation): every line once.
        await ledger.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        AssertJournal(expected, await ReadAllAsync(account, 7));
        Assert.Equal(expected.Sum(e => e.Cash), (await account.GetAsync()).CashBalance);
    }

    /// <summary>The real archive, which can be told to refuse every batch, or to store the next one and then fail as a lost reply would.</summary>
    private sealed class FlakyCashJournalArchive(ICashJournalArchive inner) : ICashJournalArchive
    {
        private int _refused;

        public volatile bool Failing;
        public volatile bool LoseNextReply;

        public int Refused => _refused;

        public async Task ArchiveAsync(string accountId, IReadOnlyList<CashJournalEntry> lines)
        {
            if (Failing)
            {
                Interlocked.Increment(ref _refused);
                throw new NpgsqlException("injected: the archive is unreachable");
            }
            await inner.ArchiveAsync(accountId, lines);
            if (LoseNextReply)
            {
                LoseNextReply = false;
                throw new TimeoutException("injected: the archive's reply was lost");
            }
        }

        public Task<IReadOnlyList<CashJournalEntry>> ReadAsync(string accountId, long afterSequence, long throughSequence,
            DateTimeOffset from, DateTimeOffset before, int limit) => inner.ReadAsync(accountId, afterSequence, throughSequence, from, before, limit);
    }
}

/// <summary>Cash movements and checks of the journal shared by the archive tests.</summary>
internal static class CashJournalChecks
{
    /// <summary>What the stored account row may weigh at most, whatever the history: well under one 300-line journal.</summary>
    public const int MaxStoredBytes = 20_000;

    /// <summary>
    /// Credits, debits, holds that are captured and holds that are released, in turn, until <paramref name="count"/>
    /// journal lines exist; returns what each line must say (kind, cash change, held change).
    /// </summary>
    public static async Task<List<(CashEntryKind Kind, decimal Cash, decimal Held)>> MoveCashAsync(IHolderAccountGrain account, string accountId, int count)
    {
        var expected = new List<(CashEntryKind, decimal, decimal)>();
        for (var i = 0; expected.Count < count; i++)
        {
            switch (i % 4)
            {
                case 0:
                    await account.CreditCashAsync(Op("credit"), 10.05m);
                    expected.Add((CashEntryKind.Credit, 10.05m, 0m));
                    break;
                case 1:
                    await account.DebitCashAsync(Op("debit"), 1.10m);
                    expected.Add((CashEntryKind.Debit, -1.10m, 0m));
                    break;
                default:
                    var hold = Op("order").Step("hold");
                    var cash = i % 4 == 2 ? 2.50m : 1.25m;
                    await account.HoldCashForMintAsync(hold, new MintPayment("TSLAx", "solana", SolanaWalletOf(accountId), cash));
                    expected.Add((CashEntryKind.Hold, -cash, cash));
                    if (expected.Count == count)
                    {
                        break;
                    }
                    if (i % 4 == 2)
                    {
                        await account.CaptureHoldAsync(hold);
                        expected.Add((CashEntryKind.Capture, 0m, -cash));
                    }
                    else
                    {
                        await account.ReleaseHoldAsync(hold);
                        expected.Add((CashEntryKind.Release, cash, -cash));
                    }
                    break;
            }
        }
        return expected;
    }

    /// <summary>Every line: sequence 1..n, the expected movement, a running balance, times that never go back.</summary>
    public static void AssertJournal(List<(CashEntryKind Kind, decimal Cash, decimal Held)> expected, IReadOnlyList<CashJournalEntry> lines)
    {
        Assert.Equal(Enumerable.Range(1, expected.Count).Select(i => (long)i), lines.Select(l => l.Sequence));
        Assert.Equal(expected, lines.Select(l => (l.Kind, l.CashChange, l.HeldChange)));
        var balance = 0m;
        for (var i = 0; i < lines.Count; i++)
        {
            balance += lines[i].CashChange;
            Assert.Equal(balance, lines[i].CashBalanceAfter);
            Assert.True(i == 0 || lines[i].At >= lines[i - 1].At);
        }
    }

    /// <summary>The whole journal, page by page with the sequence cursor, as the statement endpoints read it.</summary>
    public static async Task<List<CashJournalEntry>> ReadAllAsync(IHolderAccountGrain account, int limit,
        DateTimeOffset? from = null, DateTimeOffset? before = null)
    {
        var lines = new List<CashJournalEntry>();
        CashJournalPage page;
        do
        {
            page = await account.GetCashJournalAsync(from ?? DateTimeOffset.MinValue, before ?? DateTimeOffset.MaxValue,
                lines.Count > 0 ? lines[^1].Sequence : 0, limit);
            Assert.True(page.Entries.Length <= limit);
            Assert.True(!page.HasMore || page.Entries.Length == limit);
            lines.AddRange(page.Entries);
        }
        while (page.HasMore);
        return lines;
    }

    public static async Task<int> StoredBytesAsync(string connectionString, string accountId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT octet_length(payload) FROM orleans_storage WHERE grain_type = 'account' AND grain_id_extension = $1", connection);
        command.Parameters.AddWithValue(accountId);
        return (int)(await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no stored row for {accountId}"));
    }

    /// <summary>The first and last archived sequence of an account, or null when nothing is archived.</summary>
    public static async Task<(long First, long Last)?> ArchivedRangeAsync(string connectionString, string accountId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT min(first_sequence), max(last_sequence) FROM account_cash_journal_batches WHERE account_id = $1", connection);
        command.Parameters.AddWithValue(accountId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.IsDBNull(0) ? null : (reader.GetInt64(0), reader.GetInt64(1));
    }

    public static async Task<long> ArchiveRowsAsync(string connectionString, string accountId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM account_cash_journal_batches WHERE account_id = $1", connection);
        command.Parameters.AddWithValue(accountId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
