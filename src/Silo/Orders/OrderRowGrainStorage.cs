using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Orleans.Storage;
using Sharemint.Orders;
using Sharemint.Silo.Storage;
using Sharemint.Silo.Webhooks;

namespace Sharemint.Silo.Orders;

/// <summary>
/// Storage of an order's saga in its own <c>order_index</c> row (migration 0151): each save writes the state and the
/// listing columns (status, updated_at) of one row, with the webhook events of its status in the same statement, so an
/// order is one row written per save instead of a state row plus an index row. The row's <c>version</c> is its etag: a
/// save or a clear whose activation read another version changes nothing and gets <see cref="InconsistentStateException"/>.
/// Saves of concurrent orders share one statement and commit (<see cref="GroupCommit{TItem, TResult}"/>).
/// <para>
/// A read is one SELECT here and nothing else (shared by orders activating together): orders stored in
/// <c>orleans_storage</c> before 0151 were moved into their rows by migration 0170, and no build since 0151 writes an
/// order there, so an order missing here does not exist.
/// </para>
/// </summary>
public sealed class OrderRowGrainStorage(NpgsqlDataSource dataSource, IGrainStorageSerializer serializer, OrderWebhookEvents webhooks,
    int statementsInFlight = GroupCommitGrainStorage.DefaultStatementsInFlight) : IGrainStorage
{
    /// <summary>The state name the order grain stores under.</summary>
    public const string StateName = "order";

    private readonly GroupCommit<OrderRowWrite, long?> _writes = new(
        batch => WriteBatchAsync(dataSource, webhooks, batch), maxBatch: 128, maxInFlight: statementsInFlight, name: "order_rows");

    private readonly GroupCommit<string, OrderRowRead?> _reads = new(
        batch => ReadBatchAsync(dataSource, batch), maxBatch: 128, maxInFlight: statementsInFlight, name: "order_reads");

    /// <summary>Whether <paramref name="stateName"/> of <paramref name="grainId"/> is an order this storage keeps.</summary>
    public static bool Keeps(string stateName, GrainId grainId) =>
        stateName == StateName && grainId.Type.ToString() == "sharemint.order";

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (await _reads.WriteAsync(OrderId(grainId)) is not { } row)
        {
            return;
        }
        // Only rows written before 0151 lacked a state, and migration 0170 moved or removed them all.
        grainState.State = serializer.Deserialize<T>(new BinaryData(row.State
            ?? throw new InvalidOperationException($"The order_index row of order {OrderId(grainId)} holds no state: run `sharemint db migrate`.")));
        grainState.ETag = row.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    // Orders activating together (every new order reads first, and finds nothing) share one SELECT: a read is a row as of
    // that statement, as it was alone.
    private static async Task<IReadOnlyList<OrderRowRead?>> ReadBatchAsync(NpgsqlDataSource dataSource, IReadOnlyList<string> orderIds)
    {
        await using var command = dataSource.CreateCommand("SELECT order_id, state, version FROM order_index WHERE order_id = ANY($1)");
        command.Parameters.AddWithValue(orderIds.Distinct(StringComparer.Ordinal).ToArray());
        var rows = new Dictionary<string, OrderRowRead>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows[reader.GetString(0)] = new OrderRowRead(await reader.IsDBNullAsync(1) ? null : reader.GetFieldValue<byte[]>(1), reader.GetInt64(2));
            }
        }
        return orderIds.Select(id => rows.GetValueOrDefault(id)).ToList();
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (grainState.State is not OrderState order)
        {
            throw new InvalidOperationException($"{nameof(OrderRowGrainStorage)} stores {nameof(OrderState)}, not {typeof(T).Name}.");
        }
        // Serialized here, on the caller's flow: the version-tolerant wrapper's stored-row scope is ambient only here.
        var payload = GrainStateJsonSerializer.ToArray(serializer.Serialize(grainState.State));
        var tag = grainState.ETag;
        long? expected = string.IsNullOrEmpty(tag) ? null : long.Parse(tag, CultureInfo.InvariantCulture);
        var written = await _writes.WriteAsync(new OrderRowWrite(OrderId(grainId), order, payload, expected));
        if (written is not { } version)
        {
            throw new InconsistentStateException($"Version conflict (WriteState): order {OrderId(grainId)} ETag={tag}.");
        }
        grainState.ETag = version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var tag = grainState.ETag;
        // The order never existed for the partner: its row, and any event of it not yet delivered, go; but only the row
        // at the version this activation holds: a stale duplicate activation must not delete what another one has just
        // saved. Without a version (nothing saved by this activation) no row of the order may exist.
        long? expected = string.IsNullOrEmpty(tag) ? null : long.Parse(tag, CultureInfo.InvariantCulture);
        await using (var command = dataSource.CreateCommand("""
            WITH gone AS (
                DELETE FROM order_index WHERE order_id = $1 AND version = $2 RETURNING order_id
            ), events AS (
                DELETE FROM webhook_events WHERE order_key = $1 AND EXISTS (SELECT 1 FROM gone)
            )
            SELECT EXISTS (SELECT 1 FROM gone), EXISTS (SELECT 1 FROM order_index WHERE order_id = $1)
            """))
        {
            command.Parameters.AddWithValue(OrderId(grainId));
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)expected ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var deleted = reader.GetBoolean(0);
            var stored = reader.GetBoolean(1);
            if (expected is null ? stored : !deleted)
            {
                throw new InconsistentStateException($"Version conflict (ClearState): order {OrderId(grainId)} ETag={tag}.");
            }
        }
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private static string OrderId(GrainId grainId) => grainId.Key.ToString()!;

    private static async Task<IReadOnlyList<long?>> WriteBatchAsync(NpgsqlDataSource dataSource, OrderWebhookEvents webhooks, IReadOnlyList<OrderRowWrite> batch)
    {
        // One statement may change a row once: the first save of an order in the batch goes; a second one (a duplicate
        // activation) gets no version back, as if it had lost the race, which it did.
        var rows = batch.Select((w, i) => (Write: w, Ordinal: i)).GroupBy(w => w.Write.OrderId, StringComparer.Ordinal).Select(g => g.First()).ToList();
        var now = DateTimeOffset.UtcNow;
        var events = rows.SelectMany(r =>
        {
            var snapshot = r.Write.Order.ToSnapshot(r.Write.OrderId, (r.Write.Expected ?? 0) + 1);
            return webhooks.For(snapshot, now).Select(e => (Order: snapshot, Event: e));
        }).ToList();
        await using var command = dataSource.CreateCommand($$"""
            WITH w AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                                     $8::timestamptz[], $9::timestamptz[], $10::bytea[], $11::bigint[], $12::integer[])
                       AS w(order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at, state, expected, ordinal)
            ), inserted AS (
                INSERT INTO order_index (order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at, version, state)
                SELECT order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at, 1, state
                  FROM w WHERE w.expected IS NULL
                ON CONFLICT (order_id) DO NOTHING
                RETURNING order_id, version
            ), updated AS (
                UPDATE order_index o
                   SET status = w.status, updated_at = w.updated_at, state = w.state, version = o.version + 1
                  FROM w
                 WHERE w.expected IS NOT NULL AND o.order_id = w.order_id AND o.version = w.expected
                RETURNING o.order_id, o.version
            ), up AS (
                SELECT * FROM inserted UNION ALL SELECT * FROM updated
            ),
            {{PostgresOrderIndex.EventCtes("up", 13)}}
            SELECT w.ordinal, up.version, (SELECT count(*) FROM deliveries) FROM w JOIN up ON up.order_id = w.order_id
            """);
        command.Parameters.AddWithValue(rows.Select(r => r.Write.OrderId).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Write.Order.Kind.ToString()).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Write.Order.Status.ToString()).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Write.Order.AccountId).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Write.Order.Symbol).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Write.Order.Chain).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Write.Order.Amount.Units).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Write.Order.CreatedAt).ToArray());
        command.Parameters.AddWithValue(rows.Select(r => r.Write.Order.UpdatedAt).ToArray());
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Write.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = rows.Select(r => r.Write.Expected).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        command.Parameters.AddWithValue(rows.Select(r => r.Ordinal).ToArray());
        PostgresOrderIndex.AddEventParameters(command, events);
        var versions = new long?[batch.Count];
        var delivered = 0L;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                versions[reader.GetInt32(0)] = reader.GetInt64(1);
                delivered = reader.GetInt64(2);
            }
        }
        if (delivered > 0)
        {
            webhooks.Recorded();
        }
        return versions;
    }

    /// <summary>One order's stored row: its state (null only in rows from before migration 0151) and version.</summary>
    private sealed record OrderRowRead(byte[]? State, long Version);

    /// <summary>One order's save: its id, state and serialized payload, the version its activation read (null: first save).</summary>
    private sealed record OrderRowWrite(string OrderId, OrderState Order, byte[] Payload, long? Expected);
}
