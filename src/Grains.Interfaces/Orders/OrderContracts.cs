using System.Security.Cryptography;
using System.Text;
using Sharemint.Quotes;
using Sharemint.Units;

namespace Sharemint.Orders;

/// <summary>What an order does.</summary>
public enum OrderKind
{
    Mint = 1,
    Redeem,
    Transfer,
}

/// <summary>Where an order stands. Settled, Failed and Cancelled are terminal.</summary>
public enum OrderStatus
{
    /// <summary>Recorded; checks passed; the saga is about to run.</summary>
    Accepted = 1,
    /// <summary>Waiting for capacity (a chain's rate limit) or for the market to open; may be cancelled.</summary>
    Queued,
    /// <summary>Steps with effects are under way; no longer cancellable.</summary>
    InProgress,
    /// <summary>Done: tokens minted, burned and paid, or moved.</summary>
    Settled,
    /// <summary>Stopped before any lasting effect, or with its effects undone (cash released, reservation released).</summary>
    Failed,
    /// <summary>Cancelled by the partner while queued.</summary>
    Cancelled,
    /// <summary>A deposit the platform will not redeem automatically (unknown or sanctioned sender, dust): waits for an operator.</summary>
    Held,
}

/// <summary>Mint the quoted amount on <paramref name="Chain"/> to <paramref name="Wallet"/> (allow-listed for the account).</summary>
[GenerateSerializer, Immutable, Alias("sharemint.MintOrderRequest")]
public sealed record MintOrderRequest(
    [property: Id(0)] string AccountId,
    [property: Id(1)] string QuoteId,
    [property: Id(2)] string Chain,
    [property: Id(3)] string Wallet);

/// <summary>
/// Redeem <paramref name="Amount"/> from the partner's allow-listed <paramref name="Wallet"/> on <paramref name="Chain"/>:
/// the platform burns it (EVM: burnFrom under the wallet's allowance to the issuer; Solana: permanent delegate), sells the
/// shares and pays the cash. With a quote the price is the quote's; without, the market price at execution.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.RedeemOrderRequest")]
public sealed record RedeemOrderRequest(
    [property: Id(0)] string AccountId,
    [property: Id(1)] string Symbol,
    [property: Id(2)] string Chain,
    [property: Id(3)] string Wallet,
    [property: Id(4)] CanonicalAmount Amount,
    [property: Id(5)] string? QuoteId);

/// <summary>Move <paramref name="Amount"/> from a wallet on one chain to a wallet on another (burn, then mint).</summary>
[GenerateSerializer, Immutable, Alias("sharemint.TransferOrderRequest")]
public sealed record TransferOrderRequest(
    [property: Id(0)] string AccountId,
    [property: Id(1)] string Symbol,
    [property: Id(2)] string FromChain,
    [property: Id(3)] string FromWallet,
    [property: Id(4)] string ToChain,
    [property: Id(5)] string ToWallet,
    [property: Id(6)] CanonicalAmount Amount);

/// <summary>One saga step as recorded: its name, operation id, outcome and when.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.OrderStep")]
public sealed record OrderStep(
    [property: Id(0)] string Name,
    [property: Id(1)] string OperationId,
    [property: Id(2)] string Outcome,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] string? Detail);

/// <summary>An order at one instant.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.OrderSnapshot")]
public sealed record OrderSnapshot(
    [property: Id(0)] string OrderId,
    [property: Id(1)] OrderKind Kind,
    [property: Id(2)] OrderStatus Status,
    [property: Id(3)] string AccountId,
    [property: Id(4)] string Symbol,
    [property: Id(5)] string Chain,
    [property: Id(6)] string? FromChain,
    [property: Id(7)] string Wallet,
    [property: Id(8)] string? FromWallet,
    [property: Id(9)] CanonicalAmount Amount,
    [property: Id(10)] decimal? Cash,
    [property: Id(11)] string? QuoteId,
    [property: Id(12)] IReadOnlyList<OrderStep> Steps,
    [property: Id(13)] IReadOnlyList<string> TransactionIds,
    [property: Id(14)] string? FailureCode,
    [property: Id(15)] string? FailureMessage,
    [property: Id(16)] DateTimeOffset CreatedAt,
    [property: Id(17)] DateTimeOffset UpdatedAt,
    [property: Id(18)] long Version,
    [property: Id(19)] Quote? Quote = null)
{
    /// <summary>Settled, Failed or Cancelled: nothing more will happen.</summary>
    public bool IsTerminal => Status is OrderStatus.Settled or OrderStatus.Failed or OrderStatus.Cancelled;
}

/// <summary>Order ids: derived from the partner's idempotency key, so a retried request lands on the same order.</summary>
public static class OrderIds
{
    /// <summary><c>ord_</c> + 26 hex characters of SHA-256(account id, idempotency key).</summary>
    public static string FromIdempotencyKey(string accountId, string idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{accountId}\n{idempotencyKey}"));
        return "ord_" + Convert.ToHexStringLower(hash)[..26];
    }

    /// <summary>The order id of a deposit redemption: one deposit, one order (invariant 3).</summary>
    public static string ForDeposit(string chain, string depositId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"deposit\n{chain}\n{depositId}"));
        return "dep_" + Convert.ToHexStringLower(hash)[..26];
    }
}

/// <summary>A row of the order index (for listing; the order grain is the truth).</summary>
public sealed record OrderIndexEntry(
    string OrderId,
    OrderKind Kind,
    OrderStatus Status,
    string AccountId,
    string Symbol,
    string Chain,
    CanonicalAmount Amount,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ClientReference = null);

/// <summary>Where a listing page ends: the last row's (created_at, order_id); the next page starts strictly after it.</summary>
public sealed record OrderListPosition(DateTimeOffset CreatedAt, string OrderId);

/// <summary>
/// One page of an order listing, newest first (created_at, then order_id, both descending): every filter is optional
/// and they combine with AND; <see cref="CreatedFrom"/> is inclusive, <see cref="CreatedBefore"/> exclusive.
/// </summary>
public sealed record OrderListQuery(
    string? AccountId = null,
    OrderStatus? Status = null,
    OrderKind? Kind = null,
    string? Symbol = null,
    string? Chain = null,
    DateTimeOffset? CreatedFrom = null,
    DateTimeOffset? CreatedBefore = null,
    string? ClientReference = null,
    OrderListPosition? After = null,
    int Limit = 50);

/// <summary>A page of orders and whether more follow (then <see cref="Next"/> is where the next page starts).</summary>
public sealed record OrderListPage(IReadOnlyList<OrderIndexEntry> Entries, bool HasMore, OrderListPosition? Next);

/// <summary>
/// Lists orders (grains are not queryable). The order grains write a row at acceptance and when the order is final or held
/// (and once more when an activation saves for the first time); queued and in-progress orders list at their last written
/// status, normally accepted.
/// </summary>
public interface IOrderIndex
{
    /// <summary>Records an order's current status (upsert; an older version never overwrites a newer one).</summary>
    Task UpsertAsync(OrderSnapshot order, CancellationToken cancellationToken = default);

    /// <summary>Removes an order that was refused after its first write (it never existed for the partner).</summary>
    Task RemoveAsync(string orderId, CancellationToken cancellationToken = default);

    /// <summary>Orders, newest first, optionally for one account and/or status.</summary>
    Task<IReadOnlyList<OrderIndexEntry>> ListAsync(string? accountId, OrderStatus? status, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page by keyset: stable under concurrent inserts: no row appears twice, and every row whose filtered fields do not
    /// change while paging appears exactly once, however deep the history.
    /// </summary>
    Task<OrderListPage> PageAsync(OrderListQuery query, CancellationToken cancellationToken = default);
}
