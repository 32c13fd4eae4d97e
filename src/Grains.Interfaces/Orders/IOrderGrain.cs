namespace Sharemint.Orders;

/// <summary>
/// One order (key: order id): a saga recorded step by step, each step under its own operation id, driven by a durable
/// reminder until terminal, so a crash at any point resumes where it stopped and every effect happens once.
/// Placing is idempotent: the same request under the same order id returns the order; a different request is
/// <c>IdempotencyConflict</c>. A refused request (bad input, ineligible, unknown asset) records nothing.
/// </summary>
// Version 1 added FindAsync. During a rolling upgrade Orleans serves a version-1 call only on a silo of a build that has
// it (an activation on an older silo is moved), and older silos' version-0 calls still reach version-1 activations.
[Alias("sharemint.IOrderGrain"), Orleans.CodeGeneration.Version(1)]
public interface IOrderGrain : IGrainWithStringKey
{
    /// <summary>Places a mint against a quote (consumed by this order): eligibility checked, cash held, then the saga runs.</summary>
    [Alias("PlaceMint")]
    Task<OrderSnapshot> PlaceMintAsync(MintOrderRequest request);

    /// <summary>Places a redemption from the partner's wallet.</summary>
    [Alias("PlaceRedeem")]
    Task<OrderSnapshot> PlaceRedeemAsync(RedeemOrderRequest request);

    /// <summary>Places a move between chains. Over the chains' rate limits it queues (cancellable) instead of failing.</summary>
    [Alias("PlaceTransfer")]
    Task<OrderSnapshot> PlaceTransferAsync(TransferOrderRequest request);

    /// <summary>
    /// Opens the redemption of a final deposit to the redemption address (called by the deployment's watcher; the order id
    /// comes from <see cref="OrderIds.ForDeposit"/>). An unknown or sanctioned sender, or a dust amount, opens a Held order.
    /// </summary>
    [Alias("PlaceDepositRedemption")]
    Task<OrderSnapshot> PlaceDepositRedemptionAsync(string symbol, string chain, Signers.TokenDeposit deposit);

    /// <summary>The order. <c>OrderNotFound</c> when never placed.</summary>
    [Alias("Get"), ReadOnly]
    Task<OrderSnapshot> GetAsync();

    /// <summary>
    /// The order, or null when never placed: the same answer as <see cref="GetAsync"/> without an exception, for the
    /// existence check that precedes every placement through the API.
    /// </summary>
    [Alias("Find"), ReadOnly]
    Task<OrderSnapshot?> FindAsync();

    /// <summary>Cancels a queued or accepted order with no effect yet. Idempotent; <c>OrderNotCancellable</c> once under way.</summary>
    [Alias("Cancel")]
    Task<OrderSnapshot> CancelAsync();

    /// <summary>Runs the saga as far as it can go now (also done by the reminder). Safe to call at any time.</summary>
    [Alias("Advance")]
    Task<OrderSnapshot> AdvanceAsync();

    /// <summary>Called by a bridge when a chain operation of this order has landed final or failed for good; the order re-reads and drives forward. Idempotent, may arrive more than once or never (the order's reminder is the backstop).</summary>
    [Alias("OnChainOperationFinal")]
    Task OnChainOperationFinalAsync(string operationId);
}
