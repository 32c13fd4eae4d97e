using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Storage;
using Sharemint.Fixtures;
using Sharemint.Ledger;
using Sharemint.Orders;
using Sharemint.Schema;
using Sharemint.Silo.Orders;
using Sharemint.Silo.Storage;
using Sharemint.Silo.Webhooks;
using Sharemint.Units;

namespace Sharemint.Grains.Tests;

/// <summary>
/// An order's saga is stored in its own <c>order_index</c> row: each save is one row written, carrying the listing columns
/// with the state; a save or a clear from a stale activation changes nothing and conflicts; orders stored before (in
/// <c>orleans_storage</c>, by the ADO.NET provider) are moved into their rows by migration 0170, byte for byte, and are
/// read and saved there like any other.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrderRowStorageTests(PostgresFixture postgres)
{
    private static readonly GrainId Order = GrainId.Create("sharemint.order", "ord_row_test");

    [Fact]
    public async Task A_save_is_one_row_with_its_listing_columns_and_a_stale_save_conflicts()
    {
        var db = await postgres.Server.CreateMigratedDatabaseAsync("order_rows");
        await using var data = NpgsqlDataSource.Create(db);
        var storage = new OrderRowGrainStorage(data, new GrainStateJsonSerializer(), OrderWebhookEvents.Default);

        // First save inserts the row; the next one from the same activation updates it under the version it read.
        var state = new GrainState<OrderState> { State = NewOrder(OrderStatus.Accepted) };
        await storage.WriteStateAsync(OrderRowGrainStorage.StateName, Order, state);
        Assert.Equal("1", state.ETag);
        var stale = new GrainState<OrderState> { State = NewOrder(OrderStatus.Accepted), ETag = state.ETag, RecordExists = true };
        state.State.Status = OrderStatus.Settled;
        await storage.WriteStateAsync(OrderRowGrainStorage.StateName, Order, state);
        Assert.Equal("2", state.ETag);
        Assert.Equal(("Settled", 2L, "Settled"), await RowAsync(data, "ord_row_test"));

        // A duplicate activation still holding version 1 writes nothing.
        stale.State.Status = OrderStatus.Failed;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(OrderRowGrainStorage.StateName, Order, stale));
        Assert.Equal(("Settled", 2L, "Settled"), await RowAsync(data, "ord_row_test"));
        var read = new GrainState<OrderState>();
        await storage.ReadStateAsync(OrderRowGrainStorage.StateName, Order, read);
        Assert.Equal((OrderStatus.Settled, "2"), (read.State!.Status, read.ETag));

        // A refused placement clears the order: the row goes.
        await storage.ClearStateAsync(OrderRowGrainStorage.StateName, Order, read);
        Assert.False(read.RecordExists);
        var gone = new GrainState<OrderState>();
        await storage.ReadStateAsync(OrderRowGrainStorage.StateName, Order, gone);
        Assert.False(gone.RecordExists);
    }

    [Fact]
    public async Task Orders_read_together_each_get_their_own_row_and_missing_ones_none()
    {
        var db = await postgres.Server.CreateMigratedDatabaseAsync("order_reads");
        await using var data = NpgsqlDataSource.Create(db);
        var storage = new OrderRowGrainStorage(data, new GrainStateJsonSerializer(), OrderWebhookEvents.Default);
        // Ten orders at different versions and statuses; ten ids never saved.
        var saved = new Dictionary<string, (OrderStatus Status, string Version)>();
        for (var i = 0; i < 10; i++)
        {
            var state = new GrainState<OrderState> { State = NewOrder(OrderStatus.Accepted) };
            await storage.WriteStateAsync(OrderRowGrainStorage.StateName, OrderGrain($"ord_read_{i}"), state);
            if (i % 2 == 0)
            {
                state.State.Status = i % 4 == 0 ? OrderStatus.Settled : OrderStatus.Failed;
                await storage.WriteStateAsync(OrderRowGrainStorage.StateName, OrderGrain($"ord_read_{i}"), state);
            }
            saved[$"ord_read_{i}"] = (state.State.Status, state.ETag!);
        }

        // All at once, one id asked twice: each read answers for its own order only.
        var ids = saved.Keys.Concat(Enumerable.Range(0, 10).Select(i => $"ord_unsaved_{i}")).Append("ord_read_3").ToList();
        var reads = ids.Select(_ => new GrainState<OrderState>()).ToList();
        await Task.WhenAll(ids.Select((id, i) => storage.ReadStateAsync(OrderRowGrainStorage.StateName, OrderGrain(id), reads[i])));
        for (var i = 0; i < ids.Count; i++)
        {
            if (saved.TryGetValue(ids[i], out var expected))
            {
                Assert.True(reads[i].RecordExists, ids[i]);
                Assert.Equal(expected, (reads[i].State!.Status, reads[i].ETag!));
            }
            else
            {
                Assert.False(reads[i].RecordExists, ids[i]);
                Assert.Null(reads[i].ETag);
            }
        }
    }

    [Fact]
    public async Task A_stale_activation_cannot_clear_an_order_another_activation_has_just_saved()
    {
        var db = await postgres.Server.CreateMigratedDatabaseAsync("order_clear");
        await using var data = NpgsqlDataSource.Create(db);
        var id = GrainId.Create("sharemint.order", "ord_row_clear");
        var first = new OrderRowGrainStorage(data, new GrainStateJsonSerializer(), OrderWebhookEvents.Default);
        var second = new OrderRowGrainStorage(data, new GrainStateJsonSerializer(), OrderWebhookEvents.Default);

        // Two activations of one order (two silos during a membership change), each with its own storage.
        var stale = new GrainState<OrderState> { State = NewOrder(OrderStatus.Accepted) };
        await first.WriteStateAsync(OrderRowGrainStorage.StateName, id, stale);
        var current = new GrainState<OrderState>();
        await second.ReadStateAsync(OrderRowGrainStorage.StateName, id, current);
        current.State!.Status = OrderStatus.InProgress;
        await second.WriteStateAsync(OrderRowGrainStorage.StateName, id, current);
        Assert.Equal(("InProgress", 2L, "InProgress"), await RowAsync(data, "ord_row_clear"));

        // The stale one, still at version 1, clears: it must not delete the order the other one just saved.
        await Assert.ThrowsAsync<InconsistentStateException>(() => first.ClearStateAsync(OrderRowGrainStorage.StateName, id, stale));
        Assert.Equal(("InProgress", 2L, "InProgress"), await RowAsync(data, "ord_row_clear"));
        var reread = new GrainState<OrderState>();
        await first.ReadStateAsync(OrderRowGrainStorage.StateName, id, reread);
        Assert.Equal((OrderStatus.InProgress, "2", true), (reread.State!.Status, reread.ETag, reread.RecordExists));

        // The activation holding the current version clears it.
        await second.ClearStateAsync(OrderRowGrainStorage.StateName, id, current);
        Assert.Equal((false, (string?)null), (current.RecordExists, current.ETag));
        Assert.Equal(0L, await CountAsync(data, "SELECT count(*) FROM order_index WHERE order_id = 'ord_row_clear'"));
    }

    [Fact]
    public async Task Orders_stored_before_their_rows_existed_are_moved_there_by_migration_0170_and_read_and_saved_there()
    {
        await using var ledger = await LedgerCluster.StartAsync(postgres.Server);
        var services = ledger.Cluster.Silos[0].ServiceProvider;
        var adoNet = services.GetRequiredKeyedService<IGrainStorage>(VersionTolerantGrainStorage.InnerName);
        var storage = services.GetRequiredKeyedService<IGrainStorage>(LedgerStorage.Name);
        await using var data = NpgsqlDataSource.Create(ledger.ConnectionString);
        var (settled, open, cleared, moved) = ("ord_old_settled", "ord_old_open", "ord_old_cleared", "ord_old_moved");

        // As builds before 0151 stored orders: the state in orleans_storage through the ADO.NET provider, the listing in
        // order_index without state. The settled one's process died before its last index write (the row says Accepted);
        // the open one's before its first (no row); the cleared one's placement was refused but its row stayed, with an
        // event; the moved one was saved once more by a build with 0151, which wrote its row and left the old copy behind.
        var settledState = NewOrder(OrderStatus.Settled);
        await adoNet.WriteStateAsync(OrderRowGrainStorage.StateName, OrderGrain(settled), new GrainState<OrderState>(settledState));
        await IndexRowAsync(data, settled, "Accepted", 2);
        var openState = NewOrder(OrderStatus.InProgress);
        openState.Symbol = "NVDAx";
        openState.Amount = CanonicalAmount.FromUnits(123_456_789);
        // Whole microseconds (what timestamptz keeps).
        openState.CreatedAt = new DateTimeOffset(2026, 11, 29, 8, 0, 0, 123, TimeSpan.Zero);
        openState.UpdatedAt = openState.CreatedAt.AddSeconds(1.5);
        await adoNet.WriteStateAsync(OrderRowGrainStorage.StateName, OrderGrain(open), new GrainState<OrderState>(openState));
        var refused = new GrainState<OrderState>(NewOrder(OrderStatus.Accepted));
        await adoNet.WriteStateAsync(OrderRowGrainStorage.StateName, OrderGrain(cleared), refused);
        await adoNet.ClearStateAsync(OrderRowGrainStorage.StateName, OrderGrain(cleared), refused);
        await IndexRowAsync(data, cleared, "Accepted", 1);
        await ExecuteAsync(data, $"""
            INSERT INTO webhook_events (event_id, account_id, order_key, type, rank, body, created_at)
            VALUES ('evt_{cleared}', 'partner-demo', '{cleared}', 'order.accepted', 1, 'accepted', now())
            """);
        await adoNet.WriteStateAsync(OrderRowGrainStorage.StateName, OrderGrain(moved), new GrainState<OrderState>(NewOrder(OrderStatus.Accepted)));
        var movedState = new GrainState<OrderState>(NewOrder(OrderStatus.Failed));
        await new OrderRowGrainStorage(data, new GrainStateJsonSerializer(), OrderWebhookEvents.Default)
            .WriteStateAsync(OrderRowGrainStorage.StateName, OrderGrain(moved), movedState);
        var payloads = await PayloadsAsync(data, "SELECT grain_id_extension, payload FROM orleans_storage WHERE grain_type = 'order' AND payload IS NOT NULL");
        Assert.Equal(3, payloads.Count);
        var movedBefore = (await PayloadsAsync(data, $"SELECT order_id, state FROM order_index WHERE order_id = '{moved}'"))[moved];

        await ExecuteAsync(data, SchemaMigrator.Migrations.Single(m => m.Version == 170).Sql);

        // Nothing of orders is left in orleans_storage; each row holds the state's bytes exactly as they were stored.
        Assert.Equal(0L, await CountAsync(data, "SELECT count(*) FROM orleans_storage WHERE grain_type = 'order'"));
        var rows = await PayloadsAsync(data, "SELECT order_id, state FROM order_index");
        Assert.Equal([moved, open, settled], rows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(payloads[settled], rows[settled]);
        Assert.Equal(payloads[open], rows[open]);
        Assert.Equal(movedBefore, rows[moved]);
        Assert.Equal(("Settled", 3L, "Settled"), await RowAsync(data, settled));
        Assert.Equal(("InProgress", 1L, "InProgress"), await RowAsync(data, open));
        Assert.Equal(("Failed", 1L, "Failed"), await RowAsync(data, moved));
        Assert.Equal(0L, await CountAsync(data, $"SELECT count(*) FROM webhook_events WHERE order_key = '{cleared}'"));
        await using (var listing = data.CreateCommand($"SELECT kind, account_id, symbol, chain, amount, created_at, updated_at FROM order_index WHERE order_id = '{open}'"))
        {
            await using var reader = await listing.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(("Mint", "partner-demo", "NVDAx", "ethereum", 123_456_789L), (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4)));
            Assert.Equal((openState.CreatedAt, openState.UpdatedAt), (reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6)));
        }

        // The silo's storage reads them from their rows and saves them there under the row's version; a cleared order is gone.
        var read = new GrainState<OrderState>();
        await storage.ReadStateAsync(OrderRowGrainStorage.StateName, OrderGrain(open), read);
        Assert.Equal((OrderStatus.InProgress, "NVDAx", "1"), (read.State!.Status, read.State.Symbol, read.ETag));
        read.State.Status = OrderStatus.Settled;
        await storage.WriteStateAsync(OrderRowGrainStorage.StateName, OrderGrain(open), read);
        Assert.Equal(("Settled", 2L, "Settled"), await RowAsync(data, open));
        var settledRead = new GrainState<OrderState>();
        await storage.ReadStateAsync(OrderRowGrainStorage.StateName, OrderGrain(settled), settledRead);
        Assert.Equal((OrderStatus.Settled, "3", true), (settledRead.State!.Status, settledRead.ETag, settledRead.RecordExists));
        var gone = new GrainState<OrderState>();
        await storage.ReadStateAsync(OrderRowGrainStorage.StateName, OrderGrain(cleared), gone);
        Assert.False(gone.RecordExists);
    }

    private static GrainId OrderGrain(string orderId) => GrainId.Create("sharemint.order", orderId);

    /// <summary>An order's listing row as builds before 0151 wrote it: no state, the order's own version count.</summary>
    private static Task IndexRowAsync(NpgsqlDataSource data, string orderId, string status, long version) => ExecuteAsync(data, $"""
        INSERT INTO order_index (order_id, kind, status, account_id, symbol, chain, amount, created_at, updated_at, version)
        VALUES ('{orderId}', 'Mint', '{status}', 'partner-demo', 'TSLAx', 'ethereum', 100000000, now(), now(), {version})
        """);

    private static async Task ExecuteAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<Dictionary<string, byte[]>> PayloadsAsync(NpgsqlDataSource data, string sql)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using var command = data.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            result.Add(reader.GetString(0), reader.GetFieldValue<byte[]>(1));
        }
        return result;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static OrderState NewOrder(OrderStatus status) => new()
    {
        Kind = OrderKind.Mint,
        Status = status,
        AccountId = "partner-demo",
        Symbol = "TSLAx",
        Chain = "ethereum",
        Amount = CanonicalAmount.FromTokens(1m),
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>The listed status, the row version, and the status inside the stored state.</summary>
    private static async Task<(string Listed, long Version, string? Stored)> RowAsync(NpgsqlDataSource data, string orderId)
    {
        await using var command = data.CreateCommand(
            "SELECT status, version, convert_from(state, 'UTF8')::jsonb->>'status' FROM order_index WHERE order_id = $1");
        command.Parameters.AddWithValue(orderId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"no row for {orderId}");
        return (reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }
}
