using Npgsql;
using NpgsqlTypes;
using Sharemint.Silo.Api.Security;

namespace Sharemint.Silo.Webhooks;

/// <summary>A registered endpoint (never its secret).</summary>
public sealed record WebhookEndpoint(string EndpointId, string AccountId, string Url, IReadOnlyList<string> EventTypes,
    DateTimeOffset CreatedAt, DateTimeOffset? RotatedAt, DateTimeOffset? PreviousSecretExpiresAt);

/// <summary>An endpoint with the secret it was created or rotated with: shown to the partner once.</summary>
public sealed record IssuedWebhookEndpoint(WebhookEndpoint Endpoint, string Secret);

/// <summary>A recorded event and where its deliveries stand.</summary>
public sealed record WebhookEventRecord(long Sequence, string EventId, string Type, string OrderKey, string Body,
    DateTimeOffset CreatedAt, IReadOnlyList<WebhookDeliveryState> Deliveries);

/// <summary>One endpoint's delivery of one event.</summary>
public sealed record WebhookDeliveryState(string EndpointId, int Attempts, DateTimeOffset? DeliveredAt, DateTimeOffset? AbandonedAt,
    DateTimeOffset NextAttemptAt, int? LastStatus, string? LastError);

/// <summary>Endpoints, the events listing and replays, on the webhook tables (migration 0070). Secrets are encrypted at rest.</summary>
public sealed class WebhookStore(NpgsqlDataSource dataSource, SecretProtector protector)
{
    private const string SecretPurpose = "webhook:";

    /// <summary>Registers an endpoint with a new secret; null when the partner already has <paramref name="maxEndpoints"/>.</summary>
    public async Task<IssuedWebhookEndpoint?> CreateAsync(string accountId, string url, IReadOnlyList<string> eventTypes, int maxEndpoints,
        CancellationToken cancellationToken)
    {
        var id = "we_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(13));
        var secret = WebhookSigning.NewSecret();
        var encrypted = protector.Encrypt(SecretPurpose + id, secret);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        // Serialise registrations of one partner so that the limit holds under concurrent requests.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('webhook-endpoints:' || $1))", connection, tx))
        {
            lockCommand.Parameters.AddWithValue(accountId);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        await using (var count = new NpgsqlCommand("SELECT count(*) FROM webhook_endpoints WHERE account_id = $1", connection, tx))
        {
            count.Parameters.AddWithValue(accountId);
            if ((long)(await count.ExecuteScalarAsync(cancellationToken))! >= maxEndpoints)
            {
                return null;
            }
        }
        var now = DateTimeOffset.UtcNow;
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO webhook_endpoints (endpoint_id, account_id, url, event_types, secret_nonce, secret_ciphertext, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, connection, tx))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(accountId);
            insert.Parameters.AddWithValue(url);
            insert.Parameters.AddWithValue(eventTypes.ToArray());
            insert.Parameters.AddWithValue(encrypted.Nonce);
            insert.Parameters.AddWithValue(encrypted.Ciphertext);
            insert.Parameters.AddWithValue(now);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await tx.CommitAsync(cancellationToken);
        return new IssuedWebhookEndpoint(new WebhookEndpoint(id, accountId, url, eventTypes, now, null, null), secret);
    }

    /// <summary>The partner's endpoints, oldest first.</summary>
    public async Task<IReadOnlyList<WebhookEndpoint>> ListAsync(string accountId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT endpoint_id, account_id, url, event_types, created_at, rotated_at, previous_expires_at FROM webhook_endpoints WHERE account_id = $1 ORDER BY created_at, endpoint_id");
        command.Parameters.AddWithValue(accountId);
        return await ReadEndpointsAsync(command, cancellationToken);
    }

    /// <summary>One of the partner's endpoints; null when it does not exist or belongs to another partner.</summary>
    public async Task<WebhookEndpoint?> FindAsync(string accountId, string endpointId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT endpoint_id, account_id, url, event_types, created_at, rotated_at, previous_expires_at FROM webhook_endpoints WHERE account_id = $1 AND endpoint_id = $2");
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(endpointId);
        return (await ReadEndpointsAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>Removes an endpoint and its pending deliveries; false when it is not the partner's.</summary>
    public async Task<bool> DeleteAsync(string accountId, string endpointId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM webhook_endpoints WHERE account_id = $1 AND endpoint_id = $2");
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(endpointId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Replaces the endpoint's secret. Deliveries are signed with the old one as well for <paramref name="overlap"/>, so the
    /// receiver can switch without missing any. Null when the endpoint is not the partner's.
    /// </summary>
    public async Task<IssuedWebhookEndpoint?> RotateAsync(string accountId, string endpointId, TimeSpan overlap, CancellationToken cancellationToken)
    {
        var secret = WebhookSigning.NewSecret();
        var encrypted = protector.Encrypt(SecretPurpose + endpointId, secret);
        var now = DateTimeOffset.UtcNow;
        await using var command = dataSource.CreateCommand("""
            UPDATE webhook_endpoints
               SET previous_nonce = CASE WHEN $5 > 0 THEN secret_nonce END,
                   previous_ciphertext = CASE WHEN $5 > 0 THEN secret_ciphertext END,
                   previous_expires_at = CASE WHEN $5 > 0 THEN $6 + make_interval(secs => $5) END,
                   secret_nonce = $3, secret_ciphertext = $4, rotated_at = $6
             WHERE account_id = $1 AND endpoint_id = $2
            RETURNING endpoint_id, account_id, url, event_types, created_at, rotated_at, previous_expires_at
            """);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(endpointId);
        command.Parameters.AddWithValue(encrypted.Nonce);
        command.Parameters.AddWithValue(encrypted.Ciphertext);
        command.Parameters.AddWithValue(overlap.TotalSeconds);
        command.Parameters.AddWithValue(now);
        var endpoint = (await ReadEndpointsAsync(command, cancellationToken)).SingleOrDefault();
        return endpoint is null ? null : new IssuedWebhookEndpoint(endpoint, secret);
    }

    /// <summary>The secrets to sign with now: the current one, then the previous one while its overlap lasts.</summary>
    public IReadOnlyList<string> SecretsOf(string endpointId, byte[] nonce, byte[] ciphertext, byte[]? previousNonce, byte[]? previousCiphertext,
        DateTimeOffset? previousExpiresAt, DateTimeOffset now)
    {
        var secrets = new List<string>(2) { protector.Decrypt(SecretPurpose + endpointId, new EncryptedSecret(nonce, ciphertext)) };
        if (previousNonce is not null && previousCiphertext is not null && previousExpiresAt > now)
        {
            secrets.Add(protector.Decrypt(SecretPurpose + endpointId, new EncryptedSecret(previousNonce, previousCiphertext)));
        }
        return secrets;
    }

    /// <summary>The partner's events after <paramref name="afterSequence"/>, oldest first, with their deliveries; one more than asked tells whether more exist.</summary>
    public async Task<IReadOnlyList<WebhookEventRecord>> ListEventsAsync(string accountId, long afterSequence, int limit, string? type,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT e.seq, e.event_id, e.type, e.order_key, e.body, e.created_at,
                   d.endpoint_id, d.attempts, d.delivered_at, d.abandoned_at, d.next_attempt_at, d.last_status, d.last_error
              FROM (SELECT * FROM webhook_events
                     WHERE account_id = $1 AND seq > $2 AND ($4::text IS NULL OR type = $4)
                     ORDER BY seq LIMIT $3) e
              LEFT JOIN webhook_deliveries d ON d.event_seq = e.seq
             ORDER BY e.seq, d.endpoint_id
            """);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(afterSequence);
        command.Parameters.AddWithValue(limit);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)type ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>One of the partner's events; null when it does not exist or belongs to another partner.</summary>
    public async Task<WebhookEventRecord?> FindEventAsync(string accountId, string eventId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT e.seq, e.event_id, e.type, e.order_key, e.body, e.created_at,
                   d.endpoint_id, d.attempts, d.delivered_at, d.abandoned_at, d.next_attempt_at, d.last_status, d.last_error
              FROM webhook_events e
              LEFT JOIN webhook_deliveries d ON d.event_seq = e.seq
             WHERE e.account_id = $1 AND e.event_id = $2
             ORDER BY d.endpoint_id
            """);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(eventId);
        return (await ReadEventsAsync(command, cancellationToken)).SingleOrDefault();
    }

    /// <summary>
    /// Queues the partner's event again for <paramref name="endpointId"/> (or every endpoint of the partner subscribed to its
    /// type): a fresh retry window, due now. Returns the endpoints it was queued for (none for an unknown or foreign event).
    /// </summary>
    public async Task<IReadOnlyList<string>> ReplayAsync(string accountId, string eventId, string? endpointId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO webhook_deliveries (endpoint_id, event_seq, order_key, rank, window_start, next_attempt_at)
            SELECT w.endpoint_id, e.seq, e.order_key, e.rank, now(), now()
              FROM webhook_events e
              JOIN webhook_endpoints w ON w.account_id = e.account_id AND e.type = ANY (w.event_types)
             WHERE e.account_id = $1 AND e.event_id = $2 AND ($3::text IS NULL OR w.endpoint_id = $3)
            ON CONFLICT (endpoint_id, event_seq) DO UPDATE
               SET attempts = 0, window_start = now(), next_attempt_at = now(), delivered_at = NULL, abandoned_at = NULL,
                   last_status = NULL, last_error = NULL
            RETURNING endpoint_id
            """);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(eventId);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)endpointId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var endpoints = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            endpoints.Add(reader.GetString(0));
        }
        return endpoints;
    }

    private static async Task<IReadOnlyList<WebhookEndpoint>> ReadEndpointsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var endpoints = new List<WebhookEndpoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            endpoints.Add(new WebhookEndpoint(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }
        return endpoints;
    }

    private static async Task<IReadOnlyList<WebhookEventRecord>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var events = new List<WebhookEventRecord>();
        List<WebhookDeliveryState>? deliveries = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var sequence = reader.GetInt64(0);
            if (events.Count == 0 || events[^1].Sequence != sequence)
            {
                deliveries = [];
                events.Add(new WebhookEventRecord(sequence, reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.GetFieldValue<DateTimeOffset>(5), deliveries));
            }
            if (!reader.IsDBNull(6))
            {
                deliveries!.Add(new WebhookDeliveryState(reader.GetString(6), reader.GetInt32(7),
                    reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                    reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
                    reader.GetFieldValue<DateTimeOffset>(10),
                    reader.IsDBNull(11) ? null : reader.GetInt32(11),
                    reader.IsDBNull(12) ? null : reader.GetString(12)));
            }
        }
        return events;
    }
}
