using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sharemint.Client;

/// <summary>An extensible-enum struct that can be made from its wire name (for the shared JSON converter).</summary>
internal interface IWireEnum<TSelf> where TSelf : struct, IWireEnum<TSelf>
{
    static abstract TSelf FromWire(string value);
}

/// <summary>Reads and writes an extensible enum as its wire name; a value the SDK does not know arrives as it is.</summary>
internal sealed class WireEnumJsonConverter<T> : JsonConverter<T> where T : struct, IWireEnum<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? T.FromWire(reader.GetString()!)
            : throw new JsonException($"A {typeof(T).Name} is a string.");

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
