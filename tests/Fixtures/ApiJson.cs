using System.Globalization;
using System.Text.Json;

namespace Sharemint.Fixtures;

/// <summary>Reads the API's exact numbers: decimals and 64-bit integers arrive as JSON strings, never as numbers.</summary>
public static class ApiJson
{
    /// <summary>A decimal figure the API wrote as a string; throws when it came as a JSON number or another kind.</summary>
    public static decimal GetAmount(this JsonElement element) =>
        element.ValueKind == JsonValueKind.String
            ? decimal.Parse(element.GetString()!, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"Expected an amount as a JSON string, got {element.ValueKind}: {element.GetRawText()}");

    /// <summary>A 64-bit integer the API wrote as a string; throws when it came as a JSON number or another kind.</summary>
    public static long GetUnits(this JsonElement element) =>
        element.ValueKind == JsonValueKind.String
            ? long.Parse(element.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"Expected a 64-bit integer as a JSON string, got {element.ValueKind}: {element.GetRawText()}");
}
