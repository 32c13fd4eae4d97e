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

    /// <summary>Every cash movement, oldest first, written with the balance change it records.</summary>
    [Id(10)] public List<CashJournalEntry> CashJournal { get; set; } = [];
}

/// <summary>Cash set aside for one order.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.CashHold")]
public sealed record CashHold([property: Id(0)] decimal Cash, [property: Id(1)] DateOnly Day, [property: Id(2)] MintPayment Payment);
