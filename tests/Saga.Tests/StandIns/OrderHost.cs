using Microsoft.Extensions.Logging.Abstractions;
using Sharemint.Orders;

namespace Sharemint.Saga.Tests.StandIns;

/// <summary>
/// One activation of one order: the real <see cref="OrderSagaEngine"/> on stand-in ports, running one call at a time (as an
/// Orleans activation does), against the stand-ins or, given <c>peers</c>, against other implementations of the same
/// interfaces (the real grains, in the parity test). Two hosts of one order at once are a duplicate activation; a dead host is a crashed process.
/// </summary>
public sealed class OrderHost : IOrderDriveScheduler, IOrderCrashSeam
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly SagaWorld _world;
    private Func<Task>? _timer;

    public OrderHost(SagaWorld world, string orderId, Incarnation incarnation, OrderOptions options, IOrderPeers? peers = null)
    {
        _world = world;
        OrderId = orderId;
        Incarnation = incarnation;
        Store = new OrderStoreStandIn(world, orderId, incarnation);
        Engine = new OrderSagaEngine(orderId, options, new OrderSagaPorts(Store, peers ?? world.Peers, this, world.Clock, world.Broker, world.Market,
            world.Market, world.Index, this, NullLogger.Instance));
    }

    public string OrderId { get; }
    public Incarnation Incarnation { get; }
    public OrderStoreStandIn Store { get; }
    public OrderSagaEngine Engine { get; }
    public bool TimerRunning => _timer is not null;

    /// <summary>Loads the stored order and activates the engine, as Orleans does on the first call.</summary>
    public async Task ActivateAsync()
    {
        await RunAsync(async engine =>
        {
            await Store.ReadAsync();
            engine.Activate();
            return true;
        });
    }

    /// <summary>Runs one call in this activation's turn, on behalf of its incarnation.</summary>
    public async Task<T> RunAsync<T>(Func<OrderSagaEngine, Task<T>> call)
    {
        await _turn.WaitAsync();
        var previous = Incarnation.Current;
        Incarnation.Current = Incarnation;
        try
        {
            if (Incarnation.Dead)
            {
                throw new ProcessCrashedException($"order {OrderId} (process gone)");
            }
            return await call(Engine);
        }
        finally
        {
            Incarnation.Current = previous;
            _turn.Release();
        }
    }

    /// <summary>A timer tick: drives the order when the engine asked for a timer.</summary>
    public Task TickAsync() => _timer is { } drive ? RunAsync(async _ =>
    {
        await drive();
        return true;
    }) : Task.CompletedTask;

    void IOrderDriveScheduler.StartTimer(Func<Task> drive, TimeSpan period) => _timer ??= drive;

    void IOrderDriveScheduler.StopTimer() => _timer = null;

    async Task IOrderDriveScheduler.RegisterWakeUpAsync(TimeSpan period)
    {
        await Task.Yield();
        RequireAlive();
        _world.WakeUps.Add(OrderId);
    }

    async Task IOrderDriveScheduler.UnregisterWakeUpAsync()
    {
        await Task.Yield();
        RequireAlive();
        _world.WakeUps.Remove(OrderId);
    }

    private void RequireAlive()
    {
        if (Incarnation.Dead)
        {
            throw new ProcessCrashedException($"reminders of {OrderId}");
        }
    }

    void IOrderCrashSeam.Crash(string point)
    {
        if (_world.Faults.Next($"crash:{point}") == Fault.CrashAfterEffect)
        {
            Incarnation.Kill();
            throw new ProcessCrashedException(point);
        }
    }
}
