using System.Globalization;
using System.Text.Json;
using Sharemint.Assets;
using Sharemint.Fixtures;

namespace Sharemint.Silo.Tests;

/// <summary>The catalogue data file the silo ships (its copy in the silo's output): real, unique and well-formed entries.</summary>
public sealed class CatalogueFileTests
{
    public sealed record Entry(string Symbol, string Ticker, string Name, string Issuer, string Isin, string Kind, decimal PaperPrice);

    /// <summary>The entries of the copy next to the built silo, read here without the silo's own loader.</summary>
    public static IReadOnlyList<Entry> Load()
    {
        var path = RepositoryPaths.Output("src/Silo", Path.Combine("Demo", "catalogue.json"));
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("assets").EnumerateArray().Select(a => new Entry(
            a.GetProperty("symbol").GetString()!, a.GetProperty("ticker").GetString()!, a.GetProperty("name").GetString()!,
            a.GetProperty("issuer").GetString()!, a.GetProperty("isin").GetString()!, a.GetProperty("kind").GetString()!,
            a.GetProperty("paperPrice").GetDecimal())).ToList();
    }

    [Fact]
    public void Every_isin_has_a_correct_check_digit_and_a_correct_cusip()
    {
        var entries = Load();
        Assert.True(entries.Count >= 60, $"the catalogue lists {entries.Count} assets; at least 60 expected");
        foreach (var entry in entries)
        {
            Assert.True(Isin.IsValid(entry.Isin), $"{entry.Symbol}: {Isin.Problem(entry.Isin)}");
            // US securities: the national number is a CUSIP with its own check digit, a second, independent check on each entry.
            Assert.StartsWith("US", entry.Isin, StringComparison.Ordinal);
            Assert.True(CusipCheckDigit(entry.Isin.AsSpan(2, 8)) == entry.Isin[10] - '0', $"{entry.Symbol}: CUSIP {entry.Isin[2..11]} has a wrong check digit");
        }
    }

    [Fact]
    public void Symbols_tickers_and_isins_are_unique_and_every_entry_is_complete()
    {
        var entries = Load();
        Assert.Equal(entries.Count, entries.Select(e => e.Symbol).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(entries.Count, entries.Select(e => e.Ticker).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal(entries.Count, entries.Select(e => e.Isin).Distinct(StringComparer.Ordinal).Count());
        foreach (var entry in entries)
        {
            Assert.Equal(entry.Ticker + "x", entry.Symbol);
            Assert.Contains(entry.Kind, new[] { "stock", "etf" });
            Assert.False(string.IsNullOrWhiteSpace(entry.Name), entry.Symbol);
            Assert.False(string.IsNullOrWhiteSpace(entry.Issuer), entry.Symbol);
            Assert.True(entry.PaperPrice > 0m && decimal.Round(entry.PaperPrice, 6) == entry.PaperPrice, $"{entry.Symbol}: paper price {entry.PaperPrice}");
        }
    }

    [Fact]
    public void The_original_ten_demo_assets_keep_their_symbols_securities_and_prices()
    {
        // The prices scripts/run-local.sh configures; the catalogue carries the same so either source gives one price.
        var original = new (string Symbol, string Isin, string Price)[]
        {
            ("AAPLx", "US0378331005", "232.10"), ("TSLAx", "US88160R1014", "251.25"), ("NVDAx", "US67066G1040", "181.40"),
            ("MSTRx", "US5949724083", "330.00"), ("SPYx", "US78462F1030", "652.80"), ("QQQx", "US46090E1038", "585.20"),
            ("GLDx", "US78463V1070", "335.60"), ("COINx", "US19260Q1076", "310.75"), ("HOODx", "US7707001027", "118.30"),
            ("METAx", "US30303M1027", "760.40"),
        };
        var bySymbol = Load().ToDictionary(e => e.Symbol);
        foreach (var (symbol, isin, price) in original)
        {
            Assert.True(bySymbol.TryGetValue(symbol, out var entry), $"{symbol} is missing");
            Assert.Equal(isin, entry.Isin);
            Assert.Equal(decimal.Parse(price, CultureInfo.InvariantCulture), entry.PaperPrice);
        }
    }

    /// <summary>CUSIP check digit (modulus 10 "double add double" over the first eight characters).</summary>
    private static int CusipCheckDigit(ReadOnlySpan<char> body)
    {
        var sum = 0;
        for (var i = 0; i < 8; i++)
        {
            var c = body[i];
            var v = char.IsAsciiDigit(c) ? c - '0' : c - 'A' + 10;
            if (i % 2 == 1) v *= 2;
            sum += v / 10 + v % 10;
        }
        return (10 - sum % 10) % 10;
    }
}
