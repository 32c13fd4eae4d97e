using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sharemint.Silo.Api.Json;

/// <summary>
/// How the API writes numbers that JavaScript's double cannot hold exactly: every decimal (amounts, prices, cash, shares,
/// multipliers, rates) and every 64-bit integer (canonical units, sequences, heights) is a JSON string. Decimals are
/// written in their shortest exact form: invariant digits, '.' as the point, '-' for negatives, no exponent, no trailing
/// zeros after the point and no point when nothing follows it ("1.5", "250", "0.00000001"). Reading accepts a JSON number
/// or such a string (exponents allowed), so older clients that send numbers keep working.
/// </summary>
public static class ExactNumbers
{
    /// <summary>A decimal as the API writes it.</summary>
    public static string Text(decimal value)
    {
        var text = value.ToString(CultureInfo.InvariantCulture);
        if (text.Contains('.', StringComparison.Ordinal))
        {
            text = text.TrimEnd('0').TrimEnd('.');
        }
        return text == "-0" ? "0" : text;
    }

    /// <summary>Adds the converters to a serializer's options (the API's requests and answers, and the CLI's output).</summary>
    public static void Register(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new DecimalConverter());
        options.Converters.Add(new Int64Converter());
    }

    private static JsonException NotANumber(string type) =>
        new($"Expected a {type} as a JSON number or a string such as \"1.5\".", new FormatException());

    private sealed class DecimalConverter : JsonConverter<decimal>
    {
        public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.Number => reader.GetDecimal(),
            JsonTokenType.String when decimal.TryParse(reader.GetString(),
                NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value) => value,
            _ => throw NotANumber("decimal"),
        };

        public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteStringValue(Text(value));
    }

    private sealed class Int64Converter : JsonConverter<long>
    {
        public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.Number => reader.GetInt64(),
            JsonTokenType.String when long.TryParse(reader.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) => value,
            _ => throw NotANumber("64-bit integer"),
        };

        public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }
}
