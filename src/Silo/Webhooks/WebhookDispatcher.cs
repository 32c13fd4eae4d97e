using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Sharemint.Silo.Webhooks;

/// <summary>
/// Sends due webhook deliveries from the outbox tables. Every silo runs one; a delivery is claimed for a lease with
/// <c>FOR UPDATE SKIP LOCKED</c>, so silos share the work and a silo that dies mid-delivery leaves it to be retried when
/// the lease ends (at least once). Only the earliest undelivered event of an order (or asset) is ever due for an
/// endpoint, so a later event of the same order is never sent before an earlier one has been acknowledged. Failures are
/// retried with exponential backoff and jitter until <see cref="WebhookOptions.RetryFor"/> has passed, then abandoned
/// (listed, and replayable).
/// </summary>
public sealed class WebhookDispatcher : BackgroundService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly WebhookStore _store;
    private readonly WebhookSignal _signal;
    private readonly TimeProvider _clock;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly WebhookOptions _options;
    private readonly WebhookHttp _http;

    public WebhookDispatcher(NpgsqlDataSource dataSource, WebhookStore store, WebhookSignal signal, WebhookHttp http,
        TimeProvider clock, IOptions<WebhookOptions> options, ILogger<WebhookDispatcher> logger)
    {
        _dataSource = dataSource;
        _store = store;
        _signal = signal;
        _http = http;
        _clock = clock;
        _logger = logger;
        _options = options.Value;
    }

    private sealed record Claimed(string EndpointId, long Sequence, int Attempts, DateTimeOffset WindowStart, string EventId, string Body,
        string Url, byte[] Nonce, byte[] Ciphertext, byte[]? PreviousNonce, byte[]? PreviousCiphertext, DateTimeOffset? PreviousExpiresAt);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await DeliverDueAsync(stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The database is away or a batch failed part-way: claims run out with their lease, so nothing is lost.
                // The loop must survive anything, or one bad moment would stop the host.
                _logger.LogWarning(error, "Webhook dispatch failed; trying again after {Period}", _options.PollPeriod);
            }
            if (sent == 0)
            {
                try
                {
                    await _signal.WaitAsync(_options.PollPeriod, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Claims and sends one batch of deliveries due by this dispatcher's clock; the number claimed (a successor may be due
    /// at once, so the caller loops).
    /// </summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var claimed = await ClaimAsync(cancellationToken);
        await Task.WhenAll(claimed.Select(c => DeliverAsync(c, cancellationToken)));
        return claimed.Count;
    }

    private async Task<IReadOnlyList<Claimed>> ClaimAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            WITH due AS (
                SELECT d.endpoint_id, d.event_seq
                  FROM webhook_deliveries d
                 WHERE d.delivered_at IS NULL AND d.abandoned_at IS NULL AND d.next_attempt_at <= $3
                   AND NOT EXISTS (
                       SELECT 1 FROM webhook_deliveries p
                        WHERE p.endpoint_id = d.endpoint_id AND p.order_key = d.order_key
                          AND p.delivered_at IS NULL AND p.abandoned_at IS NULL
                          AND (p.rank, p.event_seq) < (d.rank, d.event_seq))
                 ORDER BY d.next_attempt_at
                 LIMIT $1
                 FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE webhook_deliveries d
                   SET next_attempt_at = $3 + make_interval(secs => $2), attempts = d.attempts + 1
                  FROM due
                 WHERE d.endpoint_id = due.endpoint_id AND d.event_seq = due.event_seq
                RETURNING d.endpoint_id, d.event_seq, d.attempts, d.window_start
            )
            SELECT c.endpoint_id, c.event_seq, c.attempts, c.window_start, e.event_id, e.body, w.url,
                   w.secret_nonce, w.secret_ciphertext, w.previous_nonce, w.previous_ciphertext, w.previous_expires_at
              FROM claimed c
              JOIN webhook_events e ON e.seq = c.event_seq
              JOIN webhook_endpoints w ON w.endpoint_id = c.endpoint_id
            """);
        command.Parameters.AddWithValue(_options.BatchSize);
        command.Parameters.AddWithValue(_options.ClaimLease.TotalSeconds);
        command.Parameters.AddWithValue(_clock.GetUtcNow());
        var claimed = new List<Claimed>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new Claimed(reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetFieldValue<byte[]>(7), reader.GetFieldValue<byte[]>(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<byte[]>(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<byte[]>(10),
                reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11)));
        }
        return claimed;
    }

    private async Task DeliverAsync(Claimed delivery, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var result = await _http.SendAsync(delivery.Url, delivery.EventId, delivery.Body,
            () => _store.SecretsOf(delivery.EndpointId, delivery.Nonce, delivery.Ciphertext, delivery.PreviousNonce, delivery.PreviousCiphertext,
                delivery.PreviousExpiresAt, now), now, cancellationToken);
        if (cancellationToken.IsCancellationRequested)
        {
            // The silo is stopping: the claim's lease ends and another attempt follows.
            return;
        }
        await RecordAsync(delivery, result.Status, result.Error, cancellationToken);
    }

    private async Task RecordAsync(Claimed delivery, int? status, string? error, CancellationToken cancellationToken)
    {
        // Matched on the attempt number: a replay in the meantime reset it and owns the row now.
        if (error is null)
        {
            await using var done = _dataSource.CreateCommand("""
                UPDATE webhook_deliveries SET delivered_at = $5, last_status = $3, last_error = NULL
                 WHERE endpoint_id = $1 AND event_seq = $2 AND attempts = $4
                """);
            done.Parameters.AddWithValue(delivery.EndpointId);
            done.Parameters.AddWithValue(delivery.Sequence);
            done.Parameters.AddWithValue(status!.Value);
            done.Parameters.AddWithValue(delivery.Attempts);
            done.Parameters.AddWithValue(_clock.GetUtcNow());
            await done.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        var now = _clock.GetUtcNow();
        var giveUp = now - delivery.WindowStart >= _options.RetryFor;
        await using var failed = _dataSource.CreateCommand("""
            UPDATE webhook_deliveries
               SET last_status = $3, last_error = $4,
                   abandoned_at = CASE WHEN $5 THEN $8 END,
                   next_attempt_at = $8 + make_interval(secs => $6)
             WHERE endpoint_id = $1 AND event_seq = $2 AND attempts = $7
            """);
        failed.Parameters.AddWithValue(delivery.EndpointId);
        failed.Parameters.AddWithValue(delivery.Sequence);
        failed.Parameters.Add(new NpgsqlParameter { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
        failed.Parameters.AddWithValue(error.Length > 500 ? error[..500] : error);
        failed.Parameters.AddWithValue(giveUp);
        failed.Parameters.AddWithValue(Backoff(delivery.Attempts).TotalSeconds);
        failed.Parameters.AddWithValue(delivery.Attempts);
        failed.Parameters.AddWithValue(now);
        await failed.ExecuteNonQueryAsync(cancellationToken);
        if (giveUp)
        {
            _logger.LogWarning("Webhook {Event} to endpoint {Endpoint} abandoned after {Attempts} attempts: {Error}",
                delivery.EventId, delivery.EndpointId, delivery.Attempts, error);
        }
    }

    /// <summary>The wait after the <paramref name="attempts"/>-th failure: base × 2^(n-1), capped, then between half and all of it.</summary>
    public TimeSpan Backoff(int attempts)
    {
        var exponent = Math.Clamp(attempts - 1, 0, 30);
        var ceiling = Math.Min(_options.MaxBackoff.TotalSeconds, _options.BaseBackoff.TotalSeconds * Math.Pow(2, exponent));
        // Jitter spreads the retries of many deliveries that failed together (a receiver that was down).
        return TimeSpan.FromSeconds(ceiling * (0.5 + (RandomNumberGenerator.GetInt32(0, 1_000_001) / 2_000_000.0)));
    }
}
