using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sharemint.Silo.Storage;

/// <summary>
/// Writes a <see cref="DateTimeOffset"/> in System.Text.Json's own format (ISO 8601, the fraction without trailing zeros)
/// but through the writer's encoder, as a string taken from a JSON tree is written. The built-in converter writes its text
/// unescaped ("+01:00"); rows written through a tree always carried "\u002B01:00". With this converter a row written
/// directly and one written through a tree (to merge unknown fields) are the same bytes, and the same as rows already stored.
/// Reading is the built-in's.
/// </summary>
public sealed class EncodedDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    // "O": yyyy-MM-ddTHH:mm:ss.fffffff then the offset; the seven fraction digits start here.
    private const int FractionStart = 20;
    private const int FractionDigits = 7;

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<char> text = stackalloc char[48];
        if (!value.TryFormat(text, out var length, "O", CultureInfo.InvariantCulture) || length < FractionStart + FractionDigits || text[FractionStart - 1] != '.')
        {
            throw new JsonException($"Cannot write {value:O} as a stored timestamp.");
        }
        var kept = FractionDigits;
        while (kept > 0 && text[FractionStart + kept - 1] == '0')
        {
            kept--;
        }
        // No fraction left: the dot goes too.
        var cut = kept == 0 ? FractionStart - 1 : FractionStart + kept;
        var removed = FractionStart + FractionDigits - cut;
        text[(FractionStart + FractionDigits)..length].CopyTo(text[cut..]);
        writer.WriteStringValue(text[..(length - removed)]);
    }
}
