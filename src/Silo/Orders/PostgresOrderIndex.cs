using System.Text;
using Npgsql;
using Sharemint.Orders;
using Sharemint.Silo.Storage;
using Sharemint.Silo.Webhooks;
using Sharemint.Units;

namespace Sharemint.Silo.Orders;

/// <summary>
/// <see cref="IOrderIndex"/> on the <c>order_index</c> table (migration 0005). Upserts from concurrent orders share one
/// statement and one commit (<see cref="GroupCommit{TItem, TResult}"/>); each caller still returns only once its row is
/// committed, and an older version never overwrites a newer one. The same statement records each status's webhook
/// events and their deliveries (migration 0070), only for orders whose row moved forward and only for event types the
/// partner has an endpoint for.
/// </summary>
public sealed class PostgresOrderIndex : IOrderIndex
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly OrderWebhookEvents _webhooks;
    private readonly GroupCommit<OrderSnapshot, bool> _upserts;
    private readonly bool _stateWritesRows;

    /// <param name="orderRows">When orders are stored in their index rows, an order's save already wrote its row and events.</param>
    public PostgresOrderIndex(NpgsqlDataSource dataSource, OrderWebhookEvents? webhooks = null, OrderRowGrainStorage? orderRows = null)
    {
        _dataSource = dataSource;
        _stateWritesRows = orderRows is not null;
        _webhooks = webhooks ?? OrderWebhookEvents.Default;
        _upserts = new GroupCommit<OrderSnapshot, bool>(UpsertBatchAsync, name: "order_index");
    }

    public Task UpsertAsync(OrderSnapshot order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (_stateWritesRows)
        {
            // The order's own save wrote this row (its state lives in it) together with the status's events.
            return Task.CompletedTask;
        }
        return _upserts.WriteAsync(order).WaitAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<bool>> UpsertBatchAsync(IReadOnlyList<OrderSnapshot> orders)
    {
        // One row per order: the newest version in the batch (a statement may not update the same row twice). Events
        // are staged for every snapshot, so two statuses of one order in one batch both keep their events (ids are
        // deterministic, so an event already recorded is not recorded twice).
        var rows = orders.GroupBy(o => o.OrderId, StringComparer.Ordinal).Select(g => g.MaxBy(o => o.Version)!).ToList();
        var now = DateTimeOffset.UtcNow;
        var events = orders.SelectMany(o => _webhooks.For(o, now).Select(e => (Order: o, Event: e))).DistinctBy(e => e.Event.EventId).ToList();
        await using var command = _dataSource.CreateCommand($$"""
            WITH up AS (
                INSERT INTO order_index (order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at, version)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                                     $8::timestamptz[], $9::timestamptz[], $10::bigint[])
                ON CONFLICT (order_id) DO UPDATE
                   SET status = excluded.status, updated_at = excluded.updated_at, version = excluded.version
                 WHERE order_index.version < excluded.version
                RETURNING order_id
            ),
            {{EventCtes("up", 11)}}
            SELECT count(*) FROM deliveries
            """);
        command.Parameters.AddWithValue(rows.Select(o => o.OrderId).ToArray());
        command.Parameters.AddWithValue(rows.Select(o => o.Kind.ToString()).ToArray());
        command.Parameters.AddWithValue(rows.Select(o => o.Status.ToString()).ToArray());
        command.Parameters.AddWithValue(rows.Select(o => o.AccountId).ToArray());
        command.Parameters.AddWithValue(rows.Select(o => o.Symbol).ToArray());
        command.Parameters.AddWithValue(rows.Select(o => o.Chain).ToArray());
        command.Parameters.AddWithValue(rows.Select(o => o.Amount.Units).ToArray());
        command.Parameters.AddWithValue(rows.Select(o => o.CreatedAt).ToArray());
        command.Parameters.AddWithValue(rows.Select(o => o.UpdatedAt).ToArray());
        command.Parameters.AddWithValue(rows.Select(o => o.Version).ToArray());
        AddEventParameters(command, events);
        if (await command.ExecuteScalarAsync() is long delivered && delivered > 0)
        {
            _webhooks.Recorded();
        }
        return [.. orders.Select(_ => true)];
    }

    /// <summary>
    /// The statement tail that records the staged webhook events of the orders whose row the CTE <paramref name="written"/>
    /// returned (column <c>order_id</c>), and their deliveries: only for event types the partner has an endpoint for, each
    /// event once (deterministic ids). Its seven parameters start at <c>$<paramref name="first"/></c>
    /// (<see cref="AddEventParameters"/>). Shared by this index and the order rows' storage.
    /// </summary>
    internal static string EventCtes(string written, int first) => $"""
        ev AS (
            INSERT INTO webhook_events (event_id, account_id, type, order_key, rank, body, created_at)
            SELECT e.id, e.account_id, e.type, e.order_key, e.rank, e.body, now()
              FROM unnest(${first}::text[], ${first + 1}::text[], ${first + 2}::text[], ${first + 3}::text[], ${first + 4}::int[], ${first + 5}::text[])
                   WITH ORDINALITY AS e(order_key, account_id, id, type, rank, body, n)
             WHERE EXISTS (SELECT 1 FROM {written} WHERE {written}.order_id = e.order_key)
               AND EXISTS (SELECT 1 FROM webhook_endpoints w WHERE w.account_id = e.account_id AND e.type = ANY (w.event_types))
             ORDER BY e.n
            ON CONFLICT (event_id) DO NOTHING
            RETURNING seq, type, rank, event_id, order_key, account_id
        ), deliveries AS (
            INSERT INTO webhook_deliveries (endpoint_id, event_seq, order_key, rank, window_start, next_attempt_at)
            SELECT w.endpoint_id, ev.seq, ev.order_key, ev.rank, now(), now() + make_interval(secs => d.delay / 1000.0)
              FROM ev
              JOIN unnest(${first + 2}::text[], ${first + 6}::int[]) AS d(id, delay) ON d.id = ev.event_id
              JOIN webhook_endpoints w ON w.account_id = ev.account_id AND ev.type = ANY (w.event_types)
            RETURNING 1
        )
        """;

    /// <summary>The seven parameters of <see cref="EventCtes"/>, in order.</summary>
    internal static void AddEventParameters(NpgsqlCommand command, IReadOnlyList<(OrderSnapshot Order, StagedEvent Event)> events)
    {
        command.Parameters.AddWithValue(events.Select(e => e.Order.OrderId).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Order.AccountId).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Event.EventId).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Event.Type).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Event.Rank).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Event.Body).ToArray());
        command.Parameters.AddWithValue(events.Select(e => e.Event.DelayMilliseconds).ToArray());
    }

    public async Task RemoveAsync(string orderId, CancellationToken cancellationToken = default)
    {
        // The order never existed for the partner: its not yet delivered acceptance goes with it.
        await using var command = _dataSource.CreateCommand("""
            WITH gone AS (DELETE FROM webhook_events WHERE order_key = $1)
            DELETE FROM order_index WHERE order_id = $1
            """);
        command.Parameters.AddWithValue(orderId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<OrderIndexEntry>> ListAsync(string? accountId, OrderStatus? status, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("""
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
            entries.Add(ReadEntry(reader));
        }
        return entries;
    }

    public async Task<OrderListPage> PageAsync(OrderListQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, 1000);
        await using var command = _dataSource.CreateCommand();
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
                entries.Add(ReadEntry(reader));
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

    /// <summary>One listing row: the nine index columns, then the client reference where the query selects it.</summary>
    private static OrderIndexEntry ReadEntry(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        Enum.Parse<OrderKind>(reader.GetString(1)),
        Enum.Parse<OrderStatus>(reader.GetString(2)),
        reader.GetString(3),
        reader.GetString(4),
        reader.GetString(5),
        CanonicalAmount.FromUnits(reader.GetInt64(6)),
        reader.GetFieldValue<DateTimeOffset>(7),
        reader.GetFieldValue<DateTimeOffset>(8),
        reader.FieldCount > 9 && !reader.IsDBNull(9) ? reader.GetString(9) : null);
}
