using Sharemint.Client.Orders;

namespace Sharemint.Client.Admin;

/// <summary>Deposits to redemption addresses that were not redeemed: parked by a watcher, or held as redemption orders.</summary>
public sealed record HeldDeposits(IReadOnlyList<ParkedDeposit> Parked, IReadOnlyList<OrderSummary> Orders);

/// <summary>
/// A deposit a watcher parked because no order could be placed for it. <see cref="Amount"/> is a decimal string of tokens
/// (null when the raw amount is not a whole number of canonical units); <see cref="RawAmount"/> is in on-chain units.
/// </summary>
public sealed record ParkedDeposit(
    string Symbol, string Chain, string DepositId, string TransactionId, string FromAddress, string? Amount, string RawAmount,
    long Height, DateTimeOffset? Time, string Reason, DateTimeOffset HeldAt);

/// <summary>One deployment's deposit watcher: running or not, its cursor, deposits handed on and parked.</summary>
public sealed record DepositWatcher(string Symbol, string Chain, bool Watching, string? Cursor, long DepositsSeen, int Held, int FailingPasses);
