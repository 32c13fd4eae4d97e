using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace Sharemint.Silo.Storage;

/// <summary>
/// Grain state as plain UTF-8 JSON via System.Text.Json: readable in the database (see the <c>grain_state</c> view),
/// stable across refactors (no .NET type names are written), and independent of Orleans' binary format.
/// </summary>
public sealed class GrainStateJsonSerializer : IGrainStorageSerializer
{
    /// <summary>The options every stored state uses.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = false,
        // Unknown fields are skipped so that, during a rolling upgrade, an older silo can read a row a newer one wrote.
        NumberHandling = JsonNumberHandling.Strict,
    };

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options)
        ?? throw new JsonException($"Stored state for {typeof(T).Name} is null.");
}
