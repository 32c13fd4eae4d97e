using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sharemint.Cli.Output;

/// <summary>
/// Writes numbers in --json output the way the API does, so that a script reads the CLI and the API alike and nothing
/// passes through a double: every decimal (amounts, cash, prices, multipliers, rates) in its shortest exact form
/// ("1500.25", "2", "0.00000001") and every 64-bit integer (canonical units, counters, heights) as a JSON string.
/// </summary>
internal static class ExactNumbersJson
{
    /// <summary>A decimal as the API writes it: invariant digits, no exponent, no trailing zeros after the point.</summary>
    public static string Text(decimal value)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        if (text.Contains('.', StringComparison.Ordinal))
        {
            text = text.TrimEnd('0').TrimEnd('.');
        }
        return text == "-0" ? "0" : text;
    }

    public static void Register(JsonSerializerOptions options)
    {
        options.Converters.Add(new DecimalText());
        options.Converters.Add(new Int64Text());
    }

    private sealed class DecimalText : JsonConverter<decimal>
    {
        public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String
                ? decimal.Parse(reader.GetString()!, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture)
                : reader.GetDecimal();

        public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteStringValue(Text(value));
    }

    private sealed class Int64Text : JsonConverter<long>
    {
        public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String
                ? long.Parse(reader.GetString()!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture)
                : reader.GetInt64();

        public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }
}
