using Sharemint.Ledger;

namespace Sharemint.Accounts;

/// <summary>The stored state of one partner account.</summary>
[GenerateSerializer, Alias("sharemint.HolderAccountState")]
public sealed class HolderAccountState : IRecordsOperations
{
    [Id(0)] public PartnerProfile? Profile { get; set; }
    [Id(1)] public KycStatus Kyc { get; set; } = KycStatus.Pending;
    [Id(2)] public List<AllowListedWallet> Wallets { get; set; } = [];
    [Id(3)] public decimal CashBalance { get; set; }

    /// <summary>Open holds by hold (operation) id.</summary>
    [Id(4)] public Dictionary<string, CashHold> Holds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The UTC day <see cref="SpentToday"/> counts.</summary>
    [Id(6)] public DateOnly SpendingDay { get; set; }
    [Id(7)] public decimal SpentToday { get; set; }
    /// <summary>Applied operation ids, and <c>hold:{id}</c> → captured/released for closed holds.</summary>
    [Id(8)] public AppliedOperations Applied { get; set; } = new();

    /// <summary>Allow-listed wallets whose holder signed the control proof: the only ones the API may burn from.</summary>
    [Id(9)] public List<AllowListedWallet> ProvenWallets { get; set; } = [];

    /// <summary>
    /// The recent cash movements, oldest first, each written with the balance change it records: the lines after
    /// <see cref="CashJournalArchivedThrough"/>, at least the last one once there is any. Older lines are in the
    /// <see cref="ICashJournalArchive"/>. A state stored before the archive existed holds every line here.
    /// </summary>
    [Id(10)] public List<CashJournalEntry> CashJournal { get; set; } = [];

    /// <summary>The last sequence that has left <see cref="CashJournal"/> for the archive (0: none).</summary>
    [Id(11)] public long CashJournalArchivedThrough { get; set; }
}

/// <summary>Cash set aside for one order.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.CashHold")]
public sealed record CashHold([property: Id(0)] decimal Cash, [property: Id(1)] DateOnly Day, [property: Id(2)] MintPayment Payment);
