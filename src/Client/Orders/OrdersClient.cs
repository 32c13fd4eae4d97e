using Sharemint.Client.Http;

namespace Sharemint.Client.Orders;

/// <summary>One recorded step of an order's saga.</summary>
public sealed record OrderStep(string Name, string OperationId, string Outcome, DateTimeOffset At, string? Detail);

/// <summary>
/// An order (mint, redeem or transfer). <see cref="Status"/> is one of Accepted, Queued, InProgress, Settled, Failed,
/// Cancelled, Held; <see cref="IsTerminal"/> says nothing more will happen.
/// </summary>
public sealed record Order(
    string OrderId, string Kind, string Status, string AccountId, string Symbol, string Chain, string Wallet,
    string? FromChain, string? FromWallet, decimal Amount, long AmountUnits, decimal? Cash, string? QuoteId,
    IReadOnlyList<OrderStep> Steps, IReadOnlyList<string> TransactionIds, string? FailureCode, string? FailureMessage,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool IsTerminal)
{
    /// <summary>Done: tokens minted, burned and paid, or moved.</summary>
    public bool IsSettled => Status == "Settled";
}

/// <summary>A row of an order listing; <see cref="ClientReference"/> is the partner's own reference, when it gave one.</summary>
public sealed record OrderSummary(
    string OrderId, string Kind, string Status, string AccountId, string Symbol, string Chain, decimal Amount, long AmountUnits,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? ClientReference = null);

/// <summary>
/// Filters of an order listing, combined with AND (all optional). <see cref="CreatedFrom"/> is inclusive,
/// <see cref="CreatedBefore"/> exclusive; status and kind are the API's names (e.g. <c>settled</c>, <c>in_progress</c>).
/// </summary>
public sealed record OrderListFilter(
    string? Status = null, string? Kind = null, string? Symbol = null, string? Chain = null,
    DateTimeOffset? CreatedFrom = null, DateTimeOffset? CreatedBefore = null, string? ClientReference = null)
{
    /// <summary>The query string of these filters (with a leading '?', or empty), plus <paramref name="extra"/> pairs.</summary>
    internal string ToQuery(params (string Key, string? Value)[] extra)
    {
        var pairs = new List<string>();
        void Add(string key, string? value)
        {
            if (value is not null)
            {
                pairs.Add(key + "=" + Uri.EscapeDataString(value));
            }
        }
        foreach (var (key, value) in extra)
        {
            Add(key, value);
        }
        Add("status", Status);
        Add("kind", Kind);
        Add("symbol", Symbol);
        Add("chain", Chain);
        Add("created_from", CreatedFrom?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Add("created_before", CreatedBefore?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Add("client_reference", ClientReference);
        return pairs.Count == 0 ? "" : "?" + string.Join('&', pairs);
    }
}

/// <summary>
/// Places and tracks orders. Money-moving calls carry an idempotency key (generated unless given): the API derives the
/// order id from it, so a retry — by the SDK or by you with the same key — returns the same order instead of a second one.
/// </summary>
public class OrdersClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected OrdersClient() => _transport = null!;

    public OrdersClient(ApiTransport transport) => _transport = transport;

    /// <summary>Mints a quote's amount on <paramref name="chain"/> to an allow-listed <paramref name="wallet"/>.</summary>
    public virtual Task<Order> MintAsync(string quoteId, string chain, string wallet, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<Order>(HttpMethod.Post, "v1/orders/mint", new { quoteId, chain, wallet },
            idempotencyKey ?? ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>Redeems <paramref name="amount"/> tokens from an allow-listed wallet; with a redeem quote at its price.</summary>
    public virtual Task<Order> RedeemAsync(string symbol, string chain, string wallet, decimal amount, string? quoteId = null, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<Order>(HttpMethod.Post, "v1/orders/redeem", new { symbol, chain, wallet, amount, quoteId },
            idempotencyKey ?? ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>One of the partner's orders. <c>order_not_found</c> for an unknown (or another partner's) id.</summary>
    public virtual Task<Order> GetAsync(string orderId, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<Order>(HttpMethod.Get, $"v1/orders/{Uri.EscapeDataString(orderId)}", null, null, cancellationToken);

    /// <summary>
    /// The partner's orders matching <paramref name="filter"/>, newest first, over its whole history: <c>await foreach</c>
    /// fetches page after page by cursor; <c>AsPages(token, size)</c> resumes from a saved page token.
    /// </summary>
    public virtual AsyncPageable<OrderSummary> GetOrdersAsync(OrderListFilter? filter = null, CancellationToken cancellationToken = default) =>
        _transport.Pageable<OrderSummary>("v1/orders" + (filter ?? new OrderListFilter()).ToQuery(), cancellationToken);

    /// <summary>Cancels a queued order. <c>order_not_cancellable</c> once under way.</summary>
    public virtual Task<Order> CancelAsync(string orderId, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<Order>(HttpMethod.Post, $"v1/orders/{Uri.EscapeDataString(orderId)}/cancel", null, null, cancellationToken);

    /// <summary>
    /// Polls until the order is terminal (Settled, Failed or Cancelled) and returns it; <paramref name="progress"/> sees
    /// every change. Bounded by <paramref name="cancellationToken"/> (and by <paramref name="timeout"/> when given).
    /// </summary>
    /// <exception cref="TimeoutException">The order was not terminal within <paramref name="timeout"/>.</exception>
    public virtual async Task<Order> WaitForCompletionAsync(string orderId, TimeSpan? timeout = null, TimeSpan? pollInterval = null,
        IProgress<Order>? progress = null, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout is { } t)
        {
            deadline.CancelAfter(t);
        }
        var interval = pollInterval ?? TimeSpan.FromMilliseconds(500);
        Order? last = null;
        try
        {
            while (true)
            {
                var order = await GetAsync(orderId, deadline.Token);
                if (last is null || order.Status != last.Status || order.Steps.Count != last.Steps.Count)
                {
                    progress?.Report(order);
                }
                last = order;
                if (order.IsTerminal)
                {
                    return order;
                }
                await Task.Delay(interval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Order {orderId} was still {last?.Status ?? "unknown"} after {timeout}.");
        }
    }
}

/// <summary>Moves tokens between chains.</summary>
public sealed class TransfersClient
{
    private readonly ApiTransport _transport;

    public TransfersClient(ApiTransport transport) => _transport = transport;

    /// <summary>Burns <paramref name="amount"/> on one chain and mints it on another; an order like any other.</summary>
    public Task<Order> CreateAsync(string symbol, string fromChain, string fromWallet, string toChain, string toWallet, decimal amount,
        string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<Order>(HttpMethod.Post, "v1/transfers", new { symbol, fromChain, fromWallet, toChain, toWallet, amount },
            idempotencyKey ?? ApiTransport.NewIdempotencyKey(), cancellationToken);
}
