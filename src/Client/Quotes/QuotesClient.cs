using Sharemint.Client.Http;

namespace Sharemint.Client.Quotes;

/// <summary>Whether a quote prices a mint or a redemption.</summary>
public enum QuoteSide
{
    Mint = 1,
    Redeem,
}

/// <summary>
/// A firm, signed price until <see cref="ExpiresAt"/>: <see cref="Total"/> is what a mint costs (or a redemption pays)
/// in USD, fee included. <see cref="Payload"/> is the exact JSON the Ed25519 <see cref="Signature"/> signs.
/// </summary>
public sealed record Quote(
    string QuoteId, string Symbol, string Side, decimal Amount, long AmountUnits, decimal PricePerShare, decimal Multiplier,
    decimal Shares, decimal Gross, decimal Fee, decimal Total, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt,
    bool MarketOpen, string Payload, string Signature, string? UsedByOrder);

/// <summary>Asks for prices.</summary>
public class QuotesClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected QuotesClient() => _transport = null!;

    public QuotesClient(ApiTransport transport) => _transport = transport;

    /// <summary>
    /// Prices <paramref name="amount"/> tokens (at most 8 decimals) of <paramref name="symbol"/>. Retried safely: the same
    /// <paramref name="idempotencyKey"/> (generated unless given) always names the same quote.
    /// </summary>
    public virtual Task<Response<Quote>> CreateAsync(string symbol, QuoteSide side, decimal amount, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<Quote>(HttpMethod.Post, "v1/quotes",
            new { symbol, side = side == QuoteSide.Mint ? "mint" : "redeem", amount },
            idempotencyKey ?? ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>One of the partner's quotes.</summary>
    public virtual Task<Response<Quote>> GetAsync(string quoteId, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<Quote>(HttpMethod.Get, $"v1/quotes/{Uri.EscapeDataString(quoteId)}", null, null, cancellationToken);
}
