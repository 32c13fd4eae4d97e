using System.Text.Json;
using Orleans.Storage;
using Sharemint.Orders;

namespace Sharemint.Saga.Tests.StandIns;

/// <summary>One stored order row: its serialized state and version (the etag).</summary>
public sealed class StoredOrder
{
    public string? Json { get; set; }
    public long Version { get; set; }
    /// <summary>Every status the row ever had, in order (terminal states must be final).</summary>
    public List<OrderStatus> History { get; } = [];

    public OrderState? Read() => Json is null ? null : JsonSerializer.Deserialize<OrderState>(Json);
}

/// <summary>
/// An incarnation's view of the order store, with the storage's etag rule: a write is refused when another incarnation
/// wrote since this one last read or wrote. A dead incarnation reads and writes nothing.
/// </summary>
public sealed class OrderStoreStandIn(SagaWorld world, string orderId, Incarnation incarnation) : IOrderStore
{
    private long? _etag;

    public OrderState State { get; set; } = new();

    public bool RecordExists => _etag is not null;

    public string? Etag => _etag?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private StoredOrder Row => world.Orders.TryGetValue(orderId, out var row) ? row : world.Orders[orderId] = new StoredOrder();

    public async Task ReadAsync()
    {
        await Task.Yield();
        RequireAlive();
        var row = Row;
        State = row.Read() ?? new OrderState();
        _etag = row.Json is null ? null : row.Version;
    }

    public async Task WriteAsync()
    {
        await Task.Yield();
        RequireAlive();
        var row = Row;
        var stored = row.Json is null ? (long?)null : row.Version;
        if (stored != _etag)
        {
            throw new InconsistentStateException($"order {orderId}: stored version {stored}, this activation read {_etag}");
        }
        row.Json = JsonSerializer.Serialize(State);
        row.Version++;
        row.History.Add(State.Status);
        _etag = row.Version;
    }

    public async Task ClearAsync()
    {
        await Task.Yield();
        RequireAlive();
        var row = Row;
        if (row.Json is not null && row.Version != _etag)
        {
            throw new InconsistentStateException($"order {orderId}: stored version {row.Version}, this activation read {_etag}");
        }
        row.Json = null;
        row.Version++;
        _etag = null;
    }

    private void RequireAlive()
    {
        if (incarnation.Dead)
        {
            throw new ProcessCrashedException($"store of {orderId}");
        }
    }
}
