using System.Text.Json;
using Npgsql;
using Sharemint.Webhooks;

namespace Sharemint.Silo.Webhooks;

/// <inheritdoc cref="IWebhookOutbox"/>
public sealed class WebhookOutbox(NpgsqlDataSource dataSource, WebhookSignal signal) : IWebhookOutbox
{
    private static JsonSerializerOptions Json => WebhookEventBody.Json;

    public async Task<int> PublishAssetEventAsync(string symbol, string type, string eventKey, object data, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventKey);
        ArgumentNullException.ThrowIfNull(data);
        if (!WebhookEventTypes.IsKnown(type))
        {
            throw new ArgumentException($"Unknown webhook event type '{type}'.", nameof(type));
        }
        // One event per partner that subscribed and has ordered the asset; its id derives from the partner and the key, so a
        // repeated publication records nothing. Ordered per asset, after the partner's earlier events of that asset.
        await using var command = dataSource.CreateCommand("""
            WITH targets AS (
                SELECT DISTINCT w.account_id FROM webhook_endpoints w
                 WHERE $2 = ANY (w.event_types)
                   AND EXISTS (SELECT 1 FROM order_index o WHERE o.account_id = w.account_id AND o.symbol = $1)
            ), ids AS (
                SELECT account_id, 'evt_' || substr(encode(sha256(convert_to(account_id || E'\n' || $3, 'UTF8')), 'hex'), 1, 26) AS event_id
                  FROM targets
            ), ev AS (
                INSERT INTO webhook_events (event_id, account_id, type, order_key, rank, body, created_at)
                SELECT ids.event_id, ids.account_id, $2, 'asset:' || $1, 0,
                       json_build_object('id', ids.event_id, 'type', $2, 'createdAt', now(), 'data', $4::json)::text, now()
                  FROM ids
                ON CONFLICT (event_id) DO NOTHING
                RETURNING seq, account_id
            ), deliveries AS (
                INSERT INTO webhook_deliveries (endpoint_id, event_seq, order_key, rank, window_start, next_attempt_at)
                SELECT w.endpoint_id, ev.seq, 'asset:' || $1, 0, now(), now()
                  FROM ev JOIN webhook_endpoints w ON w.account_id = ev.account_id AND $2 = ANY (w.event_types)
            )
            SELECT count(*) FROM ev
            """);
        command.Parameters.AddWithValue(symbol);
        command.Parameters.AddWithValue(type);
        command.Parameters.AddWithValue(symbol + "\n" + eventKey);
        command.Parameters.AddWithValue(JsonSerializer.Serialize(data, Json));
        var recorded = (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (recorded > 0)
        {
            signal.Wake();
        }
        return recorded;
    }
}
