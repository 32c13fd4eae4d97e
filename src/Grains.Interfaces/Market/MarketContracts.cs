namespace Sharemint.Market;

/// <summary>The last traded price of an underlying, in USD per share.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.MarketPrice")]
public sealed record MarketPrice(
    [property: Id(0)] string Ticker,
    [property: Id(1)] decimal Price,
    [property: Id(2)] DateTimeOffset AsOf);

/// <summary>Last prices per underlying ticker (e.g. <c>TSLA</c>).</summary>
public interface IMarketData
{
    /// <summary>The last price. Throws a <see cref="Errors.LedgerException"/> with <c>PriceUnavailable</c> for an unknown ticker.</summary>
    Task<MarketPrice> GetLastPriceAsync(string ticker, CancellationToken cancellationToken = default);

    /// <summary>Sets the last price (paper market data and operators' overrides). Price must be positive, at most 6 decimals.</summary>
    Task SetLastPriceAsync(string ticker, decimal price, CancellationToken cancellationToken = default);
}

/// <summary>US equity market hours: the NYSE calendar (regular session, full holidays, early closes).</summary>
public interface IMarketCalendar
{
    /// <summary>Whether the regular session is open at <paramref name="instant"/>.</summary>
    bool IsOpen(DateTimeOffset instant);

    /// <summary>The next session open at or after <paramref name="instant"/> (the instant itself when open).</summary>
    DateTimeOffset NextOpen(DateTimeOffset instant);
}

/// <summary>Which way a broker order goes.</summary>
public enum BrokerSide
{
    Buy = 1,
    Sell,
}

/// <summary>An executed broker order. Shares have at most 9 decimals; cash is USD.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.BrokerFill")]
public sealed record BrokerFill(
    [property: Id(0)] string FillId,
    [property: Id(1)] string Ticker,
    [property: Id(2)] BrokerSide Side,
    [property: Id(3)] decimal Shares,
    [property: Id(4)] decimal Price,
    [property: Id(5)] decimal Cash,
    [property: Id(6)] DateTimeOffset FilledAt);

/// <summary>Shares held at the broker/custodian for one ticker.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.BrokerPosition")]
public sealed record BrokerPosition(
    [property: Id(0)] string Ticker,
    [property: Id(1)] decimal Shares);

/// <summary>
/// The broker and custodian behind the issuer (buy, sell, positions). Orders are idempotent per fill id: the same id again
/// returns the first fill and moves nothing. Outside market hours an order is refused with <c>MarketClosed</c> (the caller
/// waits for the next open, see <see cref="IMarketCalendar"/>); the default is a paper broker on PostgreSQL.
/// </summary>
public interface IBroker
{
    /// <summary>Executes (or returns the earlier fill of) an order. <c>InsufficientBacking</c> when selling more than held.</summary>
    Task<BrokerFill> ExecuteAsync(string fillId, string ticker, BrokerSide side, decimal shares, CancellationToken cancellationToken = default);

    /// <summary>The fill recorded under an id, or null.</summary>
    Task<BrokerFill?> FindFillAsync(string fillId, CancellationToken cancellationToken = default);

    /// <summary>Shares held for a ticker (zero when none).</summary>
    Task<BrokerPosition> GetPositionAsync(string ticker, CancellationToken cancellationToken = default);

    /// <summary>Every non-zero position, by ticker.</summary>
    Task<IReadOnlyList<BrokerPosition>> GetPositionsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies a split (<paramref name="newShares"/> for <paramref name="oldShares"/>) to the position at the custodian,
    /// dropping fractions below a nano-share. Exactly once per <paramref name="splitId"/>: a repeat returns the position as
    /// it is and splits nothing.
    /// </summary>
    Task<BrokerPosition> ApplySplitAsync(string splitId, string ticker, long newShares, long oldShares, CancellationToken cancellationToken = default);
}
