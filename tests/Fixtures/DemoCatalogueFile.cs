using System.Text.Json;

namespace Sharemint.Fixtures;

/// <summary>The demo catalogue the built silo ships (src/Silo/Demo/catalogue.json, copied to its output), as tests see it.</summary>
public static class DemoCatalogueFile
{
    private static readonly Lazy<IReadOnlyList<string>> SymbolsValue = new(() =>
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryPaths.Output("src/Silo", Path.Combine("Demo", "catalogue.json"))));
        return document.RootElement.GetProperty("assets").EnumerateArray().Select(a => a.GetProperty("symbol").GetString()!).ToList();
    });

    /// <summary>Every symbol a silo started with the demo seed lists.</summary>
    public static IReadOnlyList<string> Symbols => SymbolsValue.Value;
}
