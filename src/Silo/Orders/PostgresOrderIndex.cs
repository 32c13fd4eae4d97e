using System.Text;
using Npgsql;
using Sharemint.Orders;
using Sharemint.Silo.Webhooks;
using Sharemint.Units;

namespace Sharemint.Silo.Orders;

/// <summary>
/// <see cref="IOrderIndex"/> on the <c>order_index</c> table (migration 0005). Each status write also records the
/// status's webhook events and their deliveries in the same statement (migration 0070), only when the row moved forward
/// and only for event types the partner has an endpoint for.
/// </summary>
public sealed class PostgresOrderIndex(NpgsqlDataSource dataSource, OrderWebhookEvents? webhooks = null) : IOrderIndex
{
    private readonly OrderWebhookEvents _webhooks = webhooks ?? OrderWebhookEvents.Default;

    public async Task UpsertAsync(OrderSnapshot order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        var events = _webhooks.For(order, DateTimeOffset.UtcNow);
        await using var command = dataSource.CreateCommand("""
            WITH up AS (
                INSERT INTO order_index (order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at, version)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                ON CONFLICT (order_id) DO UPDATE
                   SET status = excluded.status, updated_at = excluded.updated_at, version = excluded.version
                 WHERE order_index.version < excluded.version
                RETURNING 1
            ), ev AS (
                INSERT INTO webhook_events (event_id, account_id, type, order_key, rank, body, created_at)
                SELECT e.id, $4, e.type, $1, e.rank, e.body, now()
                  FROM unnest($11::text[], $12::text[], $13::int[], $14::text[]) WITH ORDINALITY AS e(id, type, rank, body, n)
                 WHERE EXISTS (SELECT 1 FROM up)
                   AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.account_id = $4 AND e.type = ANY (w.event_types))
                 ORDER BY e.n
                ON CONFLICT (event_id) DO NOTHING
                RETURNING seq, type, rank, event_id
            )
            INSERT INTO webhook_deliveries (endpoint_id, event_seq, order_key, rank, window_start, next_attempt_at)
            SELECT w.endpoint_id, ev.seq, $1, ev.rank, now(), now() + make_interval(secs => d.delay / 1000.0)
              FROM ev
              JOIN unnest($11::text[], $15::int[]) AS d(id, delay) ON d.id = ev.event_id
              JOIN webhook_endpoints w ON w.account_id = $4 AND ev.type = ANY (w.event_types)
            """);
        command.Parameters.AddWithValue(order.OrderId);
        command.Parameters.AddWithValue(order.Kind.ToString());
        command.Parameters.AddWithValue(order.Status.ToString());
        command.Parameters.AddWithValue(order.AccountId);
        command.Parameters.AddWithValue(order.Symbol);
        command.Parameters.AddWithValue(order.Chain);
        command.Parameters.AddWithValue(order.Amount.Units);
        command.Parameters.AddWithValue(order.CreatedAt);
        command.Parameters.AddWithValue(order.UpdatedAt);
        command.Parameters.AddWithValue(order.Version);
        command.Parameters.AddWithValue(events.Select(e => e.EventId).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Type).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Rank).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Body).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.DelayMilliseconds).ToArray());
        if (await command.ExecuteNonQueryAsync(cancellationToken) > 0)
        {
            _webhooks.Recorded();
        }
    }

    public async Task RemoveAsync(string orderId, CancellationToken cancellationToken = default)
    {
        // The order never existed for the partner: its not yet delivered acceptance goes with it.
        await using var command = dataSource.CreateCommand("""
            WITH gone AS (DELETE FROM webhook_events WHERE order_key = $1)
            DELETE FROM order_index WHERE order_id = $1
            """);
        command.Parameters.AddWithValue(orderId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<OrderIndexEntry>> ListAsync(string? accountId, OrderStatus? status, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at
              FROM order_index
             WHERE ($1::text IS NULL OR account_id = $1) AND ($2::text IS NULL OR status = $2)
             ORDER BY created_at DESC, order_id
             LIMIT $3
            """);
        command.Parameters.AddWithValue((object?)accountId ?? DBNull.Value);
        command.Parameters.AddWithValue((object?)status?.ToString() ?? DBNull.Value);
        command.Parameters.AddWithValue(Math.Clamp(limit, 1, 1000));
        var entries = new List<OrderIndexEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new OrderIndexEntry(
                reader.GetString(0),
                Enum.Parse<OrderKind>(reader.GetString(1)),
                Enum.Parse<OrderStatus>(reader.GetString(2)),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                CanonicalAmount.FromUnits(reader.GetInt64(6)),
                reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetFieldValue<DateTimeOffset>(8)));
        }
        return entries;
    }

    public async Task<OrderListPage> PageAsync(OrderListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 1000);
        await using var command = dataSource.CreateCommand();
        // Only the filters given become conditions, so the planner sees a plain keyset scan on the matching index.
        var where = new StringBuilder("TRUE");
        void Condition(string sql, object value)
        {
            command.Parameters.AddWithValue(value);
            where.Append(" AND ").Append(sql.Replace("@", "$" + command.Parameters.Count, StringComparison.Ordinal));
        }
        if (query.AccountId is { } account) Condition("account_id = @", account);
        if (query.Status is { } status) Condition("status = @", status.ToString());
        if (query.Kind is { } kind) Condition("kind = @", kind.ToString());
        if (query.Symbol is { } symbol) Condition("symbol = @", symbol);
        if (query.Chain is { } chain) Condition("chain = @", chain);
        if (query.CreatedFrom is { } from) Condition("created_at >= @", from);
        if (query.CreatedBefore is { } before) Condition("created_at < @", before);
        if (query.ClientReference is { } reference)
        {
            Condition("order_id IN (SELECT r.order_id FROM order_client_references r WHERE r.client_reference = @)", reference);
        }
        if (query.After is { } after)
        {
            command.Parameters.AddWithValue(after.CreatedAt);
            command.Parameters.AddWithValue(after.OrderId);
            where.Append($" AND (created_at, order_id) < (${command.Parameters.Count - 1}, ${command.Parameters.Count})");
        }
        command.Parameters.AddWithValue(limit + 1);
        command.CommandText = $"""
            SELECT order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at,
                   (SELECT r.client_reference FROM order_client_references r WHERE r.order_id = order_index.order_id)
              FROM order_index
             WHERE {where}
             ORDER BY created_at DESC, order_id DESC
             LIMIT ${command.Parameters.Count}
            """;
        var entries = new List<OrderIndexEntry>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                entries.Add(new OrderIndexEntry(
                    reader.GetString(0),
                    Enum.Parse<OrderKind>(reader.GetString(1)),
                    Enum.Parse<OrderStatus>(reader.GetString(2)),
                    reader.GetString(3),
                    reader.GetString(4),
                    reader.GetString(5),
                    CanonicalAmount.FromUnits(reader.GetInt64(6)),
                    reader.GetFieldValue<DateTimeOffset>(7),
                    reader.GetFieldValue<DateTimeOffset>(8),
                    reader.IsDBNull(9) ? null : reader.GetString(9)));
            }
        }
        // One row more than asked says whether another page follows without a second query.
        var hasMore = entries.Count > limit;
        if (hasMore)
        {
            entries.RemoveAt(limit);
        }
        var next = hasMore ? new OrderListPosition(entries[^1].CreatedAt, entries[^1].OrderId) : null;
        return new OrderListPage(entries, hasMore, next);
    }
}
