using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Sharemint.Market;

/// <summary>Which market calendar the platform follows.</summary>
public enum MarketHours
{
    /// <summary>NYSE regular sessions, holidays and early closes.</summary>
    Nyse = 1,

    /// <summary>Always open: local chains that run around the clock, and tests.</summary>
    Always,
}

/// <summary>
/// Settings under <c>Sharemint:Market</c>: <c>Hours</c> (<c>nyse</c>, the default, or <c>always</c>),
/// <c>Prices:{TICKER}</c> (seed last prices, invariant-culture decimals), <c>OffHoursSpreadBps</c> (spread added to
/// quotes executed against inventory outside market hours, default 50) and <c>Closures</c> (extra whole days the NYSE
/// is closed that no rule predicts, <c>yyyy-MM-dd</c>, e.g. a national day of mourning).
/// </summary>
public sealed class MarketOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Sharemint:Market";

    /// <summary>Which calendar decides when the broker trades.</summary>
    public MarketHours Hours { get; init; } = MarketHours.Nyse;

    /// <summary>Last prices seeded at start (inserted when absent; an operator's price is never overwritten).</summary>
    public IReadOnlyDictionary<string, decimal> Prices { get; init; } = new Dictionary<string, decimal>();

    /// <summary>Spread, in basis points, for quotes executed against inventory outside market hours.</summary>
    public int OffHoursSpreadBps { get; init; } = 50;

    /// <summary>Additional whole-day closures (New York dates).</summary>
    public IReadOnlyList<DateOnly> Closures { get; init; } = [];

    /// <summary>
    /// Reads and validates the section. A malformed value fails here, at start, naming its key, instead of surfacing
    /// later as a wrong price or a wrong calendar.
    /// </summary>
    public static MarketOptions FromConfiguration(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);

        var hours = section["Hours"] switch
        {
            null or "" => MarketHours.Nyse,
            var value when value.Equals("nyse", StringComparison.OrdinalIgnoreCase) => MarketHours.Nyse,
            var value when value.Equals("always", StringComparison.OrdinalIgnoreCase) => MarketHours.Always,
            var value => throw new InvalidOperationException($"{SectionName}:Hours is '{value}'; expected 'nyse' or 'always'."),
        };

        var prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var entry in section.GetSection("Prices").GetChildren())
        {
            var key = $"{SectionName}:Prices:{entry.Key}";
            if (!decimal.TryParse(entry.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var price))
            {
                throw new InvalidOperationException($"{key} is '{entry.Value}'; expected a decimal price such as 250.25.");
            }
            try
            {
                prices[MarketValidation.Ticker(entry.Key)] = MarketValidation.Price(price);
            }
            catch (Errors.LedgerException ex)
            {
                throw new InvalidOperationException($"{key}: {ex.Message}", ex);
            }
        }

        var spread = 50;
        if (section["OffHoursSpreadBps"] is { Length: > 0 } spreadText
            && (!int.TryParse(spreadText, NumberStyles.None, CultureInfo.InvariantCulture, out spread) || spread > 10_000))
        {
            throw new InvalidOperationException($"{SectionName}:OffHoursSpreadBps is '{spreadText}'; expected whole basis points from 0 to 10000.");
        }

        var closures = new List<DateOnly>();
        foreach (var entry in section.GetSection("Closures").GetChildren())
        {
            if (!DateOnly.TryParseExact(entry.Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new InvalidOperationException($"{SectionName}:Closures:{entry.Key} is '{entry.Value}'; expected a date yyyy-MM-dd.");
            }
            closures.Add(date);
        }

        return new MarketOptions { Hours = hours, Prices = prices, OffHoursSpreadBps = spread, Closures = closures };
    }
}
