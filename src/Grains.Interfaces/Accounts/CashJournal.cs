namespace Sharemint.Accounts;

/// <summary>What moved a partner's cash.</summary>
public enum CashEntryKind
{
    /// <summary>Cash paid in (a deposit, or a redemption's payout).</summary>
    Credit,
    /// <summary>Cash paid out.</summary>
    Debit,
    /// <summary>Cash set aside for a mint: leaves the available balance, enters the held total.</summary>
    Hold,
    /// <summary>A hold spent by a settled mint: leaves the held total.</summary>
    Capture,
    /// <summary>A hold given back (a failed or cancelled mint): leaves the held total, returns to the available balance.</summary>
    Release,
}

/// <summary>
/// One line of the cash journal, written in the same state write as the balance change it records, so the journal
/// and the balance cannot disagree. <see cref="CashChange"/> is the change of the available balance and
/// <see cref="HeldChange"/> the change of the held total; both are USD.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.CashJournalEntry")]
public sealed record CashJournalEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] CashEntryKind Kind,
    [property: Id(3)] string Reference,
    [property: Id(4)] decimal CashChange,
    [property: Id(5)] decimal HeldChange,
    [property: Id(6)] decimal CashBalanceAfter);

/// <summary>Journal entries in sequence order, and whether more match after the last.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.CashJournalPage")]
public sealed record CashJournalPage([property: Id(0)] CashJournalEntry[] Entries, [property: Id(1)] bool HasMore);
