namespace Sharemint.Accounts;

/// <summary>
/// Where an account's older cash journal lines go: the state keeps the recent ones (see
/// <see cref="HolderAccountGrain.JournalBatch"/>), and lines are written here before they leave it.
/// </summary>
public interface ICashJournalArchive
{
    /// <summary>
    /// Stores a run of consecutive lines of one account durably. Idempotent by (account, sequence): lines stored before
    /// (an archive whose reply was lost, or one repeated after the process died before the state forgot them) are not
    /// stored twice.
    /// </summary>
    Task ArchiveAsync(string accountId, IReadOnlyList<CashJournalEntry> lines);

    /// <summary>
    /// Archived lines with <paramref name="afterSequence"/> &lt; sequence &lt;= <paramref name="throughSequence"/> and
    /// <paramref name="from"/> &lt;= time &lt; <paramref name="before"/>, oldest first, each once, at most <paramref name="limit"/>.
    /// </summary>
    Task<IReadOnlyList<CashJournalEntry>> ReadAsync(string accountId, long afterSequence, long throughSequence,
        DateTimeOffset from, DateTimeOffset before, int limit);
}
