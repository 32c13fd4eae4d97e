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

/// <summary>One endpoint's delivery of one event, for the endpoint's delivery log.</summary>
public sealed record WebhookEndpointDelivery(string EventId, string Type, DateTimeOffset CreatedAt, WebhookDeliveryState Delivery);

/// <summary>An endpoint whose deliveries fail: how many are failing or abandoned, since when, and the latest error.</summary>
public sealed record FailingWebhookEndpoint(string AccountId, string EndpointId, string Url, int Failing, int Abandoned, DateTimeOffset FailingSince,
    string? LastError, DateTimeOffset? LastDeliveredAt);

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

    /// <summary>
    /// The endpoint's deliveries, newest event first: all, or only <c>pending</c>, <c>delivered</c> or <c>abandoned</c>
    /// ones. Empty for an endpoint that is not the partner's.
    /// </summary>
    public async Task<IReadOnlyList<WebhookEndpointDelivery>> ListDeliveriesAsync(string accountId, string endpointId, string? status, int limit,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT e.event_id, e.type, e.created_at,
                   d.endpoint_id, d.attempts, d.delivered_at, d.abandoned_at, d.next_attempt_at, d.last_status, d.last_error
              FROM webhook_deliveries d
              JOIN webhook_endpoints w ON w.endpoint_id = d.endpoint_id
              JOIN webhook_events e ON e.seq = d.event_seq
             WHERE w.account_id = $1 AND d.endpoint_id = $2
               AND ($3::text IS NULL
                    OR ($3 = 'delivered' AND d.delivered_at IS NOT NULL)
                    OR ($3 = 'abandoned' AND d.delivered_at IS NULL AND d.abandoned_at IS NOT NULL)
                    OR ($3 = 'pending' AND d.delivered_at IS NULL AND d.abandoned_at IS NULL))
             ORDER BY d.event_seq DESC
             LIMIT $4
            """);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(endpointId);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(limit);
        var deliveries = new List<WebhookEndpointDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            deliveries.Add(new WebhookEndpointDelivery(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2),
                ReadDelivery(reader, 3)));
        }
        return deliveries;
    }

    /// <summary>
    /// Endpoints with deliveries that failed and are not yet delivered (retrying or abandoned), longest failing first; of one
    /// partner, or of all when <paramref name="accountId"/> is null.
    /// </summary>
    public async Task<IReadOnlyList<FailingWebhookEndpoint>> ListFailingAsync(string? accountId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT w.account_id, w.endpoint_id, w.url,
                   count(*) FILTER (WHERE d.abandoned_at IS NULL)::int,
                   count(*) FILTER (WHERE d.abandoned_at IS NOT NULL)::int,
                   min(d.window_start),
                   (array_agg(d.last_error ORDER BY d.attempts DESC, d.event_seq DESC))[1],
                   (SELECT max(x.delivered_at) FROM webhook_deliveries x WHERE x.endpoint_id = w.endpoint_id)
              FROM webhook_endpoints w
              JOIN webhook_deliveries d ON d.endpoint_id = w.endpoint_id
             WHERE d.delivered_at IS NULL AND (d.abandoned_at IS NOT NULL OR d.last_error IS NOT NULL)
               AND ($1::text IS NULL OR w.account_id = $1)
             GROUP BY w.account_id, w.endpoint_id, w.url
             ORDER BY min(d.window_start), w.endpoint_id
             LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)accountId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.AddWithValue(limit);
        var failing = new List<FailingWebhookEndpoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            failing.Add(new FailingWebhookEndpoint(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7)));
        }
        return failing;
    }

    /// <summary>The endpoint's URL and its current signing secrets; null when it is not the partner's.</summary>
    public async Task<(string Url, IReadOnlyList<string> Secrets)?> SigningTargetAsync(string accountId, string endpointId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT url, secret_nonce, secret_ciphertext, previous_nonce, previous_ciphertext, previous_expires_at
              FROM webhook_endpoints WHERE account_id = $1 AND endpoint_id = $2
            """);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(endpointId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return (reader.GetString(0), SecretsOf(endpointId, reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[]>(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), now));
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
                deliveries!.Add(ReadDelivery(reader, 6));
            }
        }
        return events;
    }

    /// <summary>A delivery's seven columns from <paramref name="at"/>: endpoint, attempts, delivered, abandoned, next attempt, last status, last error.</summary>
    private static WebhookDeliveryState ReadDelivery(NpgsqlDataReader reader, int at) => new(reader.GetString(at), reader.GetInt32(at + 1),
        reader.IsDBNull(at + 2) ? null : reader.GetFieldValue<DateTimeOffset>(at + 2),
        reader.IsDBNull(at + 3) ? null : reader.GetFieldValue<DateTimeOffset>(at + 3),
        reader.GetFieldValue<DateTimeOffset>(at + 4),
        reader.IsDBNull(at + 5) ? null : reader.GetInt32(at + 5),
        reader.IsDBNull(at + 6) ? null : reader.GetString(at + 6));
}
