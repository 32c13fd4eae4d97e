using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sharemint.Units;

/// <summary>Writes a <see cref="CanonicalAmount"/> as its integer units, so stored rows and API bodies carry no derived fields.</summary>
public sealed class CanonicalAmountJsonConverter : JsonConverter<CanonicalAmount>
{
    public override CanonicalAmount Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var units)
            ? CanonicalAmount.FromUnits(units)
            : throw new JsonException("A canonical amount is an integer number of units.");

    public override void Write(Utf8JsonWriter writer, CanonicalAmount value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Units);
}

/// <summary>Writes a <see cref="Multiplier"/> as its exact decimal value.</summary>
public sealed class MultiplierJsonConverter : JsonConverter<Multiplier>
{
    public override Multiplier Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out var value)
            ? Multiplier.From(value)
            : throw new JsonException("A multiplier is a decimal number.");

    public override void Write(Utf8JsonWriter writer, Multiplier value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Value);
}
