using Microsoft.Extensions.Logging;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Compliance;
using Sharemint.Market;
using Sharemint.Quotes;

namespace Sharemint.Orders;

/// <summary>
/// The stored order, with the storage's etag semantics: a write made after another writer's write (a second activation)
/// throws instead of overwriting it, and a read brings memory back to what is stored.
/// </summary>
public interface IOrderStore
{
    /// <summary>The order in memory: what was last read, plus changes not yet written.</summary>
    OrderState State { get; set; }

    /// <summary>Whether a stored record exists (the order was placed and not cleared).</summary>
    bool RecordExists { get; }

    /// <summary>The stored version that <see cref="State"/> was read or written at; null before the first write.</summary>
    string? Etag { get; }

    /// <summary>Replaces memory with the stored record (or a new empty order when none exists).</summary>
    Task ReadAsync();

    /// <summary>Writes memory; throws when the stored etag is not the one memory was read at.</summary>
    Task WriteAsync();

    /// <summary>Deletes the stored record.</summary>
    Task ClearAsync();
}

/// <summary>The grains an order talks to, by interface. The Orleans host resolves them through the grain factory.</summary>
public interface IOrderPeers
{
    IAssetGrain Asset(string symbol);

    IHolderAccountGrain Account(string accountId);

    /// <summary>The bridge of one deployment (<see cref="DeploymentKey.For"/>).</summary>
    IChainBridgeGrain Bridge(string symbol, string chain);

    IQuoteGrain Quote(string quoteId);

    ISanctionsListGrain Sanctions();

    ICatalogGrain Catalog();
}

/// <summary>
/// What drives an open order: a frequent timer while it is active, and a durable wake-up that survives a crash, registered
/// only by an order the index does not list (the resumer's sweep finds the others).
/// </summary>
public interface IOrderDriveScheduler
{
    /// <summary>Starts calling <paramref name="drive"/> every <paramref name="period"/> (first call at once), in the order's turn. Idempotent.</summary>
    void StartTimer(Func<Task> drive, TimeSpan period);

    /// <summary>Stops the timer, if any.</summary>
    void StopTimer();

    /// <summary>Registers (or refreshes) the durable wake-up.</summary>
    Task RegisterWakeUpAsync(TimeSpan period);

    /// <summary>Removes the durable wake-up, if one exists.</summary>
    Task UnregisterWakeUpAsync();
}

/// <summary>Crash tests only: a named point where the process may be stopped hard.</summary>
public interface IOrderCrashSeam
{
    /// <summary>Stops the host at <paramref name="point"/> when a test asked for it; otherwise returns.</summary>
    void Crash(string point);
}

/// <summary>Everything the saga engine depends on; one record so that a host wires it once.</summary>
public sealed record OrderSagaPorts(
    IOrderStore Store,
    IOrderPeers Peers,
    IOrderDriveScheduler Scheduler,
    TimeProvider Clock,
    IBroker Broker,
    IMarketCalendar Calendar,
    IMarketData MarketData,
    IOrderIndex Index,
    IOrderCrashSeam CrashSeam,
    ILogger Logger);
