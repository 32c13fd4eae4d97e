using System.Text.Json;
using Sharemint.Silo.Api;

namespace Sharemint.Silo.Webhooks;

/// <summary>The JSON of one event as delivered and listed: <c>{"id","type","createdAt","data"}</c>, camelCase like the API.</summary>
public static class WebhookEventBody
{
    // Amounts as exact strings, like every API answer (a partner's JavaScript must not round them).
    /// <summary>camelCase, amounts as exact strings.</summary>
    internal static JsonSerializerOptions Json { get; } = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Sharemint.Silo.Api.Json.ExactNumbers.Register(options);
        return options;
    }

    /// <summary>An event id: <c>evt_</c> and 26 hex characters of SHA-256 of what identifies the event.</summary>
    public static string EventId(string identity) => "evt_" + ApiRoutes.Hash(identity);

    /// <summary>The body of an event.</summary>
    public static string Serialize(string eventId, string type, DateTimeOffset createdAt, object data) =>
        JsonSerializer.Serialize(new { id = eventId, type, createdAt, data }, Json);
}
