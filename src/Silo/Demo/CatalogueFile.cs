using System.Text.Json;
using System.Text.Json.Serialization;
using Sharemint.Assets;

namespace Sharemint.Silo.Demo;

/// <summary>
/// The catalogue data file: <c>{"assets": [{"symbol", "ticker", "name", "issuer", "isin", "kind": "stock"|"etf", "paperPrice"}]}</c>.
/// Loading fails at start, naming the entry, on a bad ISIN check digit, a duplicate symbol or ticker, or a missing field,
/// so a typo in the file never reaches the ledger.
/// </summary>
public sealed class CatalogueFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private CatalogueFile(IReadOnlyList<AssetDefinition> assets, IReadOnlyDictionary<string, decimal> paperPrices)
    {
        Assets = assets;
        PaperPrices = paperPrices;
    }

    public IReadOnlyList<AssetDefinition> Assets { get; }
    public IReadOnlyDictionary<string, decimal> PaperPrices { get; }

    public static CatalogueFile Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new InvalidOperationException($"The catalogue {path} is missing (it is copied to the silo's output directory).");
        return Parse(System.IO.File.ReadAllText(path), path);
    }

    public static CatalogueFile Parse(string json, string source)
    {
        Document document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(json, Json) ?? throw new InvalidOperationException($"{source} is empty.");
        }
        catch (JsonException error)
        {
            throw new InvalidOperationException($"{source} is not a valid catalogue: {error.Message}", error);
        }
        var assets = new List<AssetDefinition>();
        var prices = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var symbols = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (entry, index) in (document.Assets ?? []).Select((e, i) => (e, i)))
        {
            var where = $"{source} asset #{index + 1} ({entry.Symbol})";
            if (string.IsNullOrWhiteSpace(entry.Symbol) || string.IsNullOrWhiteSpace(entry.Ticker) || string.IsNullOrWhiteSpace(entry.Name) || entry.Kind is null)
                throw new InvalidOperationException($"{where}: symbol, ticker, name and kind are required.");
            if (Isin.Problem(entry.Isin) is { } problem) throw new InvalidOperationException($"{where}: {problem}.");
            if (!symbols.Add(entry.Symbol)) throw new InvalidOperationException($"{where}: the symbol is listed twice.");
            if (entry.PaperPrice is not > 0m) throw new InvalidOperationException($"{where}: paperPrice must be positive.");
            if (!prices.TryAdd(entry.Ticker, entry.PaperPrice.Value)) throw new InvalidOperationException($"{where}: the ticker {entry.Ticker} is listed twice.");
            assets.Add(new AssetDefinition(entry.Symbol, entry.Ticker, entry.Name, entry.Isin!, entry.Kind.Value));
        }
        if (assets.Count == 0) throw new InvalidOperationException($"{source} lists no assets.");
        return new CatalogueFile(assets, prices);
    }

    private sealed record Document(string? Description, IReadOnlyList<Entry>? Assets);

    private sealed record Entry(string? Symbol, string? Ticker, string? Name, string? Issuer, string? Isin, AssetKind? Kind, decimal? PaperPrice);
}
