using System.Text.Json;

namespace Sharemint.Client;

/// <summary>JSON settings shared by the SDK (camelCase, as the API writes; unknown answer fields are ignored).</summary>
public static class SharemintJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}
