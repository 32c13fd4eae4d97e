using Npgsql;
using Orleans.Storage;
using Sharemint.Fixtures;
using Sharemint.Orders;
using Sharemint.Silo.Orders;
using Sharemint.Silo.Storage;
using Sharemint.Silo.Webhooks;
using Sharemint.Units;

namespace Sharemint.Grains.Tests;

/// <summary>
/// An order's saga is stored in its own <c>order_index</c> row: each save is one row written, carrying the listing columns
/// with the state; a save from a stale activation writes nothing and conflicts; an order stored before (in
/// <c>orleans_storage</c>) is still read, moves to its row with its next save, and is never moved twice.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrderRowStorageTests(PostgresFixture postgres)
{
    private static readonly GrainId Order = GrainId.Create("sharemint.order", "ord_row_test");
    private static readonly GrainId Legacy = GrainId.Create("sharemint.order", "ord_row_legacy");

    [Fact]
    public async Task A_save_is_one_row_with_its_listing_columns_a_stale_save_conflicts_and_an_older_order_moves_once()
    {
        var db = await postgres.Server.CreateMigratedDatabaseAsync("order_rows");
        await using var data = NpgsqlDataSource.Create(db);
        var legacy = new RememberingStorage();
        var storage = new OrderRowGrainStorage(legacy, data, new GrainStateJsonSerializer(), OrderWebhookEvents.Default);

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

        // An order stored before the migration: read from orleans_storage, moved to its row by its next save, once.
        legacy.Stored = NewOrder(OrderStatus.InProgress);
        var old = new GrainState<OrderState>();
        await storage.ReadStateAsync(OrderRowGrainStorage.StateName, Legacy, old);
        Assert.Equal((OrderStatus.InProgress, "legacy:7"), (old.State!.Status, old.ETag));
        var oldTwin = new GrainState<OrderState>();
        await storage.ReadStateAsync(OrderRowGrainStorage.StateName, Legacy, oldTwin);
        old.State.Status = OrderStatus.Settled;
        await storage.WriteStateAsync(OrderRowGrainStorage.StateName, Legacy, old);
        Assert.Equal(("Settled", 1L, "Settled"), await RowAsync(data, "ord_row_legacy"));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(OrderRowGrainStorage.StateName, Legacy, oldTwin));
        var moved = new GrainState<OrderState>();
        await storage.ReadStateAsync(OrderRowGrainStorage.StateName, Legacy, moved);
        Assert.Equal((OrderStatus.Settled, "1"), (moved.State!.Status, moved.ETag));

        // A refused placement clears the order: the row goes.
        await storage.ClearStateAsync(OrderRowGrainStorage.StateName, Order, read);
        Assert.False(read.RecordExists);
        var gone = new GrainState<OrderState>();
        await storage.ReadStateAsync(OrderRowGrainStorage.StateName, Order, gone);
        Assert.False(gone.RecordExists);
    }

    [Fact]
    public async Task A_stale_activation_cannot_clear_an_order_another_activation_has_just_saved()
    {
        var db = await postgres.Server.CreateMigratedDatabaseAsync("order_clear");
        await using var data = NpgsqlDataSource.Create(db);
        var id = GrainId.Create("sharemint.order", "ord_row_clear");
        var first = new OrderRowGrainStorage(new RememberingStorage(), data, new GrainStateJsonSerializer(), OrderWebhookEvents.Default);
        var second = new OrderRowGrainStorage(new RememberingStorage(), data, new GrainStateJsonSerializer(), OrderWebhookEvents.Default);

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

    /// <summary>orleans_storage as the order saw it before the migration: one stored order at version 7.</summary>
    private sealed class RememberingStorage : IGrainStorage
    {
        public OrderState? Stored { get; set; }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (Stored is not null && grainId == Legacy)
            {
                grainState.State = (T)(object)Stored;
                grainState.ETag = "7";
                grainState.RecordExists = true;
            }
            return Task.CompletedTask;
        }

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            throw new InvalidOperationException("an order is never written to orleans_storage any more");

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => Task.CompletedTask;
    }
}
