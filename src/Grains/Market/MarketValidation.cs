using Sharemint.Errors;

namespace Sharemint.Market;

/// <summary>Input rules shared by market data and the broker; every refusal is a typed <see cref="LedgerException"/>.</summary>
public static class MarketValidation
{
    /// <summary>Most decimals a price may carry.</summary>
    public const int PriceDecimals = 6;

    /// <summary>Most decimals a share quantity may carry (fractional shares at brokers).</summary>
    public const int ShareDecimals = 9;

    /// <summary>Longest accepted fill id.</summary>
    public const int MaxFillIdLength = 200;

    // Bounds that fit the numeric columns (numeric(20,6) prices, numeric(30,9) shares) with room for sums.
    private const decimal MaxPrice = 100_000_000m;
    private const decimal MaxShares = 1_000_000_000_000m;

    /// <summary>
    /// The canonical (upper-case) form of an underlying ticker: 1–10 characters, a letter first, then letters, digits,
    /// '.' or '-' (e.g. <c>TSLA</c>, <c>BRK.B</c>). Otherwise <c>InvalidArgument</c>.
    /// </summary>
    public static string Ticker(string? ticker)
    {
        if (string.IsNullOrEmpty(ticker) || ticker.Length > 10)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Ticker '{ticker}' must be 1 to 10 characters.");
        }
        var canonical = ticker.ToUpperInvariant();
        if (!char.IsAsciiLetterUpper(canonical[0]) || !canonical.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c is '.' or '-'))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Ticker '{ticker}' must start with a letter and hold only letters, digits, '.' or '-'.");
        }
        return canonical;
    }

    /// <summary>A price in USD per share: positive, at most 6 decimals, below 10^8. Otherwise <c>InvalidAmount</c>.</summary>
    public static decimal Price(decimal price)
    {
        if (price <= 0m || price >= MaxPrice)
        {
            throw new LedgerException(LedgerError.InvalidAmount, $"Price {price} must be positive and below {MaxPrice}.");
        }
        if (decimal.Round(price, PriceDecimals) != price)
        {
            throw new LedgerException(LedgerError.InvalidAmount, $"Price {price} has more than {PriceDecimals} decimals.");
        }
        return Normalize(price);
    }

    /// <summary>A share quantity: positive, at most 9 decimals, below 10^12. Otherwise <c>InvalidAmount</c>.</summary>
    public static decimal Shares(decimal shares)
    {
        if (shares <= 0m || shares >= MaxShares)
        {
            throw new LedgerException(LedgerError.InvalidAmount, $"Shares {shares} must be positive and below {MaxShares}.");
        }
        if (decimal.Round(shares, ShareDecimals) != shares)
        {
            throw new LedgerException(LedgerError.InvalidAmount, $"Shares {shares} have more than {ShareDecimals} decimals.");
        }
        return Normalize(shares);
    }

    /// <summary>A fill id: 1–200 characters, no control characters. Otherwise <c>InvalidArgument</c>.</summary>
    public static string FillId(string? fillId)
    {
        if (string.IsNullOrEmpty(fillId) || fillId.Length > MaxFillIdLength || fillId.Any(char.IsControl))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Fill id must be 1 to {MaxFillIdLength} printable characters.");
        }
        return fillId;
    }

    /// <summary>Cash for a fill: shares × price rounded half-even to cents.</summary>
    public static decimal Cash(decimal shares, decimal price) =>
        Normalize(decimal.Round(shares * price, 2, MidpointRounding.ToEven));

    /// <summary>The same value without trailing zeros (numeric columns come back padded to their scale).</summary>
    public static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000m;
}
