using Sharemint.Quotes;
using Sharemint.Units;

namespace Sharemint.Orders;

/// <summary>Where an order's saga is: the next thing to do. Each stage's operation ids derive from the order id.</summary>
public enum OrderStage
{
    /// <summary>Mint: reserve custody (buy first when inventory is short). Transfer: take rate-limit capacity.</summary>
    Start = 1,
    /// <summary>Mint: the broker must buy shares before the reservation.</summary>
    Buy,
    /// <summary>Mint or transfer: a chain mint is queued; wait until it is recorded.</summary>
    Minting,
    /// <summary>Mint: capture the cash hold.</summary>
    Capture,
    /// <summary>Redeem or transfer: a chain burn is submitted; wait until it is recorded.</summary>
    Burning,
    /// <summary>Redeem: sell the released shares (or keep them as inventory outside market hours).</summary>
    Sell,
    /// <summary>Redeem: pay the cash to the partner.</summary>
    Pay,
    /// <summary>Undo what was done (release reservation, cash hold, capacity), then fail.</summary>
    Compensate,
    /// <summary>Nothing more to do.</summary>
    Done,
}

/// <summary>The stored saga of one order.</summary>
[GenerateSerializer, Alias("sharemint.OrderState")]
public sealed class OrderState
{
    [Id(0)] public OrderKind Kind { get; set; }
    [Id(1)] public OrderStatus Status { get; set; }
    [Id(2)] public OrderStage Stage { get; set; }
    [Id(3)] public string AccountId { get; set; } = "";
    [Id(4)] public string Symbol { get; set; } = "";
    [Id(5)] public string Underlying { get; set; } = "";
    [Id(6)] public string Chain { get; set; } = "";
    [Id(7)] public string Wallet { get; set; } = "";
    [Id(8)] public string? FromChain { get; set; }
    [Id(9)] public string? FromWallet { get; set; }
    [Id(10)] public CanonicalAmount Amount { get; set; }
    [Id(11)] public decimal? Cash { get; set; }
    [Id(12)] public string? QuoteId { get; set; }
    [Id(13)] public decimal Shares { get; set; }
    [Id(14)] public decimal FeeRate { get; set; }
    [Id(15)] public string RequestFingerprint { get; set; } = "";
    [Id(16)] public List<OrderStep> Steps { get; set; } = [];
    [Id(17)] public List<string> TransactionIds { get; set; } = [];
    [Id(18)] public string? FailureCode { get; set; }
    [Id(19)] public string? FailureMessage { get; set; }
    [Id(20)] public DateTimeOffset CreatedAt { get; set; }
    [Id(21)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(22)] public bool Reserved { get; set; }
    [Id(23)] public bool CashHeld { get; set; }
    [Id(24)] public bool CapacityTaken { get; set; }
    [Id(25)] public int MintAttempt { get; set; }
    [Id(26)] public bool FromDeposit { get; set; }
    [Id(27)] public string? DepositId { get; set; }
    [Id(28)] public DateTimeOffset? RetryAfter { get; set; }
    /// <summary>The W3C traceparent of the placement request: every later step of the saga continues that trace.</summary>
    [Id(29)] public string? TraceParent { get; set; }
    /// <summary>
    /// The signed quote the order used (payload and signature included), saved with the acceptance: the quote grain
    /// keeps quotes in memory only, so this is the durable record of the accepted price.
    /// </summary>
    [Id(30)] public Quote? Quote { get; set; }

    /// <summary>What a reader sees of the order <paramref name="orderId"/> as stored at <paramref name="version"/>.</summary>
    public OrderSnapshot ToSnapshot(string orderId, long version) => new(
        orderId, Kind, Status, AccountId, Symbol, Chain, FromChain, Wallet, FromWallet, Amount, Cash, QuoteId, Steps.ToList(),
        TransactionIds.ToList(), FailureCode, FailureMessage, CreatedAt, UpdatedAt, version, Quote);
}
