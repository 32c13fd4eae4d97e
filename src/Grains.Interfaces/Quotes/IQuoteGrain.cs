namespace Sharemint.Quotes;

/// <summary>
/// One quote (key: quote id, e.g. <c>q_…</c>): priced and signed once, used by at most one order (invariant 3). A quote
/// is held in memory only, never stored: once its activation is gone (idle, deactivated, its silo lost) the id reads as
/// <c>QuoteNotFound</c> and the partner asks for a new quote, so a quote id takes effect at most once by construction.
/// The order that uses a quote stores the signed quote with its acceptance.
/// </summary>
// Version 1 added FindAsync. During a rolling upgrade Orleans serves a version-1 call only on a silo of a build that has
// it (an activation on an older silo is moved, and its quote with it: the partner quotes again), and older silos'
// version-0 calls still reach version-1 activations.
[Alias("sharemint.IQuoteGrain"), Orleans.CodeGeneration.Version(1)]
public interface IQuoteGrain : IGrainWithStringKey
{
    /// <summary>
    /// Prices and signs the quote. Idempotent: the same request again returns the same quote; a different request under
    /// this id is <c>IdempotencyConflict</c>. Refused for an unknown asset or account, a paused asset, a zero or dust
    /// amount, or a missing price.
    /// </summary>
    [Alias("Create")]
    Task<Quote> CreateAsync(QuoteRequest request);

    /// <summary>The quote. <c>QuoteNotFound</c> when never created, or when the activation that made it is gone.</summary>
    [Alias("Get"), ReadOnly]
    Task<Quote> GetAsync();

    /// <summary>The quote, or null where <see cref="GetAsync"/> says <c>QuoteNotFound</c>, without an exception.</summary>
    [Alias("Find"), ReadOnly]
    Task<Quote?> FindAsync();

    /// <summary>
    /// Marks the quote used by <paramref name="orderId"/> and returns it. Idempotent for the same order; <c>QuoteAlreadyUsed</c>
    /// for another order; <c>QuoteExpired</c> after its expiry (unless already used by this order); <c>QuoteNotFound</c>
    /// when unknown to this activation. Writes nothing: the order saves the returned quote with its acceptance.
    /// </summary>
    [Alias("Consume")]
    Task<Quote> ConsumeAsync(string orderId);
}
