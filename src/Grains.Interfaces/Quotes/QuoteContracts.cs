using Sharemint.Units;

namespace Sharemint.Quotes;

/// <summary>Whether a quote prices a mint (partner pays) or a redemption (partner is paid).</summary>
public enum QuoteSide
{
    Mint = 1,
    Redeem,
}

/// <summary>A partner's request for a price.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.QuoteRequest")]
public sealed record QuoteRequest(
    [property: Id(0)] string AccountId,
    [property: Id(1)] string Symbol,
    [property: Id(2)] QuoteSide Side,
    [property: Id(3)] CanonicalAmount Amount);

/// <summary>
/// A firm price until <see cref="ExpiresAt"/>: shares = amount × multiplier (rounded up for mints), gross = shares × price,
/// fee = gross × the partner's fee rate (rounded up to cents), total = gross + fee for a mint, gross − fee for a
/// redemption (rounded down). <see cref="Payload"/> is the exact JSON that <see cref="Signature"/> (Ed25519, base64) signs.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.Quote")]
public sealed record Quote(
    [property: Id(0)] string QuoteId,
    [property: Id(1)] string AccountId,
    [property: Id(2)] string Symbol,
    [property: Id(3)] QuoteSide Side,
    [property: Id(4)] CanonicalAmount Amount,
    [property: Id(5)] decimal PricePerShare,
    [property: Id(6)] Multiplier Multiplier,
    [property: Id(7)] decimal Shares,
    [property: Id(8)] decimal Gross,
    [property: Id(9)] decimal Fee,
    [property: Id(10)] decimal Total,
    [property: Id(11)] DateTimeOffset CreatedAt,
    [property: Id(12)] DateTimeOffset ExpiresAt,
    [property: Id(13)] bool MarketOpen,
    [property: Id(14)] string Payload,
    [property: Id(15)] string Signature,
    [property: Id(16)] string? UsedByOrder);
