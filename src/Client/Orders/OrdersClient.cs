using Sharemint.Client.Http;

namespace Sharemint.Client.Orders;

/// <summary>One recorded step of an order's saga.</summary>
public sealed record OrderStep(string Name, string OperationId, string Outcome, DateTimeOffset At, string? Detail);

/// <summary>
/// An order (mint, redeem or transfer). <see cref="Status"/> is an extensible enum (<see cref="OrderStatus.Settled"/>, …);
/// <see cref="IsTerminal"/> says nothing more will happen. <see cref="ClientReference"/> is the partner's own reference,
/// when the request carried one.
/// </summary>
public sealed record Order(
    string OrderId, OrderKind Kind, OrderStatus Status, string AccountId, string Symbol, string Chain, string Wallet,
    string? FromChain, string? FromWallet, decimal Amount, long AmountUnits, decimal? Cash, string? QuoteId,
    IReadOnlyList<OrderStep> Steps, IReadOnlyList<string> TransactionIds, string? FailureCode, string? FailureMessage,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, bool IsTerminal, string? ClientReference = null)
{
    /// <summary>Done: tokens minted, burned and paid, or moved.</summary>
    public bool IsSettled => Status == OrderStatus.Settled;
}

/// <summary>A row of an order listing; <see cref="ClientReference"/> is the partner's own reference, when it gave one.</summary>
public sealed record OrderSummary(
    string OrderId, OrderKind Kind, OrderStatus Status, string AccountId, string Symbol, string Chain, decimal Amount, long AmountUnits,
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

    /// <summary>
    /// Mints a quote's amount on <paramref name="chain"/> to an allow-listed <paramref name="wallet"/>. The answer's
    /// <see cref="Response.IsReplay"/> is true when the idempotency key had already placed this order.
    /// </summary>
    public virtual Task<Response<Order>> MintAsync(string quoteId, string chain, string wallet, string? idempotencyKey = null,
        string? clientReference = null, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<Order>(HttpMethod.Post, "v1/orders/mint", new MintBody(quoteId, chain, wallet, clientReference),
            idempotencyKey ?? ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>Redeems <paramref name="amount"/> tokens from an allow-listed wallet; with a redeem quote at its price.</summary>
    public virtual Task<Response<Order>> RedeemAsync(string symbol, string chain, string wallet, decimal amount, string? quoteId = null,
        string? idempotencyKey = null, string? clientReference = null, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<Order>(HttpMethod.Post, "v1/orders/redeem", new RedeemBody(symbol, chain, wallet, amount, quoteId, clientReference),
            idempotencyKey ?? ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>One of the partner's orders. <c>order_not_found</c> for an unknown (or another partner's) id.</summary>
    public virtual Task<Response<Order>> GetAsync(string orderId, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<Order>(HttpMethod.Get, $"v1/orders/{Uri.EscapeDataString(orderId)}", null, null, cancellationToken);

    /// <summary>
    /// The partner's orders matching <paramref name="filter"/>, newest first, over its whole history: <c>await foreach</c>
    /// fetches page after page by cursor; <c>AsPages(token, size)</c> resumes from a saved page token.
    /// </summary>
    public virtual AsyncPageable<OrderSummary> GetOrdersAsync(OrderListFilter? filter = null, CancellationToken cancellationToken = default) =>
        _transport.Pageable<OrderSummary>("v1/orders" + (filter ?? new OrderListFilter()).ToQuery(), cancellationToken);

    /// <summary>Cancels a queued order. <c>order_not_cancellable</c> once under way.</summary>
    public virtual Task<Response<Order>> CancelAsync(string orderId, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<Order>(HttpMethod.Post, $"v1/orders/{Uri.EscapeDataString(orderId)}/cancel", null, null, cancellationToken);

    /// <summary>
    /// Waits until the order is terminal (settled, failed or cancelled) and returns it; <paramref name="progress"/> sees
    /// every change. With a <paramref name="notifier"/> that a webhook receiver feeds, each pushed update is checked at
    /// once and polling only backs it up (every <see cref="OrderWaitOptions.FallbackPollInterval"/>); without one, it
    /// polls every <see cref="OrderWaitOptions.PollInterval"/>. Bounded by <paramref name="cancellationToken"/> and
    /// <see cref="OrderWaitOptions.Timeout"/>.
    /// </summary>
    /// <exception cref="TimeoutException">The order was not terminal within the timeout.</exception>
    public virtual async Task<Response<Order>> WaitUntilCompletedAsync(string orderId, OrderWaitOptions? options = null,
        OrderUpdateNotifier? notifier = null, IProgress<Order>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        options ??= new OrderWaitOptions();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (options.Timeout is { } t)
        {
            deadline.CancelAfter(t);
        }
        using var subscription = notifier?.Subscribe(orderId);
        var interval = notifier is null ? options.PollInterval : options.FallbackPollInterval;
        Order? last = null;
        try
        {
            while (true)
            {
                // A pushed terminal update is trusted only as a prompt: the order is read back from the API either way.
                var response = await GetAsync(orderId, deadline.Token);
                var order = response.Value;
                if (last is null || order.Status != last.Status || order.Steps.Count != last.Steps.Count)
                {
                    progress?.Report(order);
                }
                last = order;
                if (order.IsTerminal)
                {
                    return response;
                }
                if (subscription is null)
                {
                    await Task.Delay(interval, deadline.Token);
                }
                else
                {
                    await subscription.WaitAsync(interval, deadline.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Order {orderId} was still {(last is null ? "unknown" : last.Status.ToString())} after {options.Timeout}.");
        }
    }

    private sealed record MintBody(string QuoteId, string Chain, string Wallet,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ClientReference);

    private sealed record RedeemBody(string Symbol, string Chain, string Wallet, decimal Amount, string? QuoteId,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ClientReference);
}

/// <summary>Moves tokens between chains.</summary>
public class TransfersClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected TransfersClient() => _transport = null!;

    public TransfersClient(ApiTransport transport) => _transport = transport;

    /// <summary>Burns <paramref name="amount"/> on one chain and mints it on another; an order like any other.</summary>
    public virtual Task<Response<Order>> CreateAsync(string symbol, string fromChain, string fromWallet, string toChain, string toWallet, decimal amount,
        string? idempotencyKey = null, string? clientReference = null, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<Order>(HttpMethod.Post, "v1/transfers",
            new TransferBody(symbol, fromChain, fromWallet, toChain, toWallet, amount, clientReference),
            idempotencyKey ?? ApiTransport.NewIdempotencyKey(), cancellationToken);

    private sealed record TransferBody(string Symbol, string FromChain, string FromWallet, string ToChain, string ToWallet, decimal Amount,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? ClientReference);
}
