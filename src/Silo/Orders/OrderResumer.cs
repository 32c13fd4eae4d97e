using Sharemint.Orders;

namespace Sharemint.Silo.Orders;

/// <summary>
/// After a silo starts, wakes every unfinished order in the index so a crashed cluster resumes at once instead of at the
/// orders' next reminder tick (the reminders stay as the backstop for anything the index missed).
/// </summary>
public sealed class OrderResumer(IGrainFactory grains, IOrderIndex index, ILogger<OrderResumer> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OrderResumer), ServiceLifecycleStage.Active + 2, ResumeAsync);

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        var resumed = 0;
        foreach (var status in new[] { OrderStatus.Accepted, OrderStatus.Queued, OrderStatus.InProgress })
        {
            foreach (var entry in await index.ListAsync(null, status, 1000, cancellationToken))
            {
                try
                {
                    await grains.GetGrain<IOrderGrain>(entry.OrderId).AdvanceAsync();
                    resumed++;
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    logger.LogWarning(error, "Could not resume order {Order}; its reminder will", entry.OrderId);
                }
            }
        }
        if (resumed > 0)
        {
            logger.LogInformation("Resumed {Count} unfinished orders", resumed);
        }
    }
}
