using Npgsql;
using Sharemint.Orders;
using Sharemint.Silo.Storage;
using Sharemint.Units;

namespace Sharemint.Silo.Orders;

/// <summary>
/// <see cref="IOrderIndex"/> on the <c>order_index</c> table (migration 0005). Upserts from concurrent orders share one
/// statement and one commit (<see cref="GroupCommit{TItem, TResult}"/>); each caller still returns only once its row is
/// committed, and an older version never overwrites a newer one.
/// </summary>
public sealed class PostgresOrderIndex : IOrderIndex
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly GroupCommit<OrderSnapshot, bool> _upserts;

    public PostgresOrderIndex(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _upserts = new GroupCommit<OrderSnapshot, bool>(UpsertBatchAsync, name: "order_index");
    }

    public Task UpsertAsync(OrderSnapshot order, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(order);
        return _upserts.WriteAsync(order).WaitAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<bool>> UpsertBatchAsync(IReadOnlyList<OrderSnapshot> orders)
    {
        // One row per order: the newest version in the batch (a statement may not update the same row twice).
        var rows = orders.GroupBy(o => o.OrderId, StringComparer.Ordinal).Select(g => g.MaxBy(o => o.Version)!).ToList();
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO order_index (order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at, version)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                                 $8::timestamptz[], $9::timestamptz[], $10::bigint[])
            ON CONFLICT (order_id) DO UPDATE
               SET status = excluded.status, updated_at = excluded.updated_at, version = excluded.version
             WHERE order_index.version < excluded.version
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
        await command.ExecuteNonQueryAsync();
        return [.. orders.Select(_ => true)];
    }

    public async Task RemoveAsync(string orderId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM order_index WHERE order_id = $1");
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
}
