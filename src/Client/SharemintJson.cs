using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sharemint.Client;

/// <summary>
/// JSON settings shared by the SDK (camelCase, as the API writes; unknown answer fields are ignored). Numbers in request
/// bodies are written as strings, so that amounts keep every decimal through any proxy or language on the way; answers
/// are read whether the API writes a number or a string.
/// </summary>
public static class SharemintJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.WriteAsString,
    };
}
