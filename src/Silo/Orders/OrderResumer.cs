using Microsoft.Extensions.Options;
using Sharemint.Orders;

namespace Sharemint.Silo.Orders;

/// <summary>
/// What drives unfinished orders that no live activation drives: after a silo starts, every unfinished order in the index
/// is woken at once (a crashed cluster resumes without waiting), and then a sweep every
/// <see cref="OrderOptions.SweepPeriod"/> wakes those accepted more than a period ago. Every silo asks for the sweep each
/// period and one of them runs it (<see cref="OrderSweepLease"/>), so a waiting order is woken once per period however
/// many silos there are. This replaces one durable reminder per order: an order whose silo died is found in the index by
/// the sweep of a silo still running, or by the restarted silo's first pass.
/// </summary>
public sealed class OrderResumer(
    IGrainFactory grains,
    IOrderIndex index,
    OrderSweepLease lease,
    ILocalSiloDetails silo,
    IOptions<OrderOptions> options,
    TimeProvider clock,
    ILogger<OrderResumer> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private const int PageSize = 200;
    // The index lists an order as accepted until it is final or held; the other two are rows written by older versions.
    private static readonly OrderStatus[] Unfinished = [OrderStatus.Accepted, OrderStatus.Queued, OrderStatus.InProgress];
    private readonly CancellationTokenSource _stopping = new();
    private Task _sweeps = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OrderResumer), ServiceLifecycleStage.Active + 2, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var resumed = await WakeUnfinishedAsync(createdBefore: null, cancellationToken);
        if (resumed > 0)
        {
            logger.LogInformation("Resumed {Count} unfinished orders", resumed);
        }
        _sweeps = Task.Run(SweepLoopAsync, CancellationToken.None);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _sweeps.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task SweepLoopAsync()
    {
        var period = options.Value.SweepPeriod;
        using var timer = new PeriodicTimer(period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    if (!await lease.TryTakeAsync(silo.SiloAddress.ToParsableString(), period, _stopping.Token))
                    {
                        continue;
                    }
                    // Younger orders are being driven by their own timers; an order whose silo died is at most one period late.
                    var woken = await WakeUnfinishedAsync(clock.GetUtcNow() - period, _stopping.Token);
                    if (woken > 0)
                    {
                        logger.LogInformation("Order sweep woke {Count} unfinished orders", woken);
                    }
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    logger.LogWarning(error, "Order sweep failed; trying again in {Period}", period);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The silo is stopping.
        }
    }

    /// <summary>Wakes every order the index lists as unfinished (accepted before <paramref name="createdBefore"/>, when given).</summary>
    private async Task<int> WakeUnfinishedAsync(DateTimeOffset? createdBefore, CancellationToken cancellationToken)
    {
        var woken = 0;
        foreach (var status in Unfinished)
        {
            OrderListPosition? after = null;
            do
            {
                var page = await index.PageAsync(new OrderListQuery(Status: status, CreatedBefore: createdBefore, After: after, Limit: PageSize), cancellationToken);
                var results = await Task.WhenAll(page.Entries.Select(entry => WakeAsync(entry.OrderId)));
                woken += results.Count(ok => ok);
                after = page.HasMore ? page.Next : null;
            }
            while (after is not null);
        }
        return woken;
    }

    private async Task<bool> WakeAsync(string orderId)
    {
        try
        {
            await grains.GetGrain<IOrderGrain>(orderId).AdvanceAsync();
            return true;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            logger.LogWarning(error, "Could not wake order {Order}; the next sweep tries again", orderId);
            return false;
        }
    }
}
