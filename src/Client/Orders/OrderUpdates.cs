using System.Collections.Concurrent;

namespace Sharemint.Client.Orders;

/// <summary>How <see cref="OrdersClient.WaitUntilCompletedAsync"/> waits.</summary>
public sealed class OrderWaitOptions
{
    /// <summary>Give up (with a <see cref="TimeoutException"/>) after this long; null waits until cancelled.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>How often to read the order when nothing pushes updates.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often to read the order anyway when a notifier pushes updates (a missed webhook costs at most this).</summary>
    public TimeSpan FallbackPollInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// In-process fan-out of pushed order updates: a webhook receiver calls <see cref="Publish"/> with the order id of each
/// verified event, and every <see cref="OrdersClient.WaitUntilCompletedAsync"/> waiting on that order reads it at once
/// instead of at its next poll. Register one as a singleton and share it between the receiver and the waiters.
/// </summary>
public sealed class OrderUpdateNotifier
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Subscription, byte>> _waiters = new(StringComparer.Ordinal);

    /// <summary>Something happened to <paramref name="orderId"/>: wake its waiters. Unknown ids are ignored.</summary>
    public void Publish(string orderId)
    {
        ArgumentNullException.ThrowIfNull(orderId);
        if (_waiters.TryGetValue(orderId, out var subscriptions))
        {
            foreach (var subscription in subscriptions.Keys)
            {
                subscription.Signal();
            }
        }
    }

    /// <summary>
    /// Wakes the waiters of the order a verified webhook event is about (<c>order.*</c> and <c>deposit.*</c> events carry
    /// the order; other events are ignored). Returns the order id, or null.
    /// </summary>
    public string? Publish(Webhooks.WebhookEvent verifiedEvent)
    {
        ArgumentNullException.ThrowIfNull(verifiedEvent);
        if (verifiedEvent.Data.ValueKind == System.Text.Json.JsonValueKind.Object
            && verifiedEvent.Data.TryGetProperty("orderId", out var id) && id.ValueKind == System.Text.Json.JsonValueKind.String
            && id.GetString() is { Length: > 0 } orderId)
        {
            Publish(orderId);
            return orderId;
        }
        return null;
    }

    /// <summary>How many waiters follow <paramref name="orderId"/> now.</summary>
    public int WaiterCount(string orderId) => _waiters.TryGetValue(orderId, out var subscriptions) ? subscriptions.Count : 0;

    /// <summary>Follows <paramref name="orderId"/> until disposed.</summary>
    public Subscription Subscribe(string orderId)
    {
        ArgumentNullException.ThrowIfNull(orderId);
        var subscription = new Subscription(this, orderId);
        _waiters.GetOrAdd(orderId, _ => new ConcurrentDictionary<Subscription, byte>())[subscription] = 0;
        return subscription;
    }

    private void Remove(Subscription subscription)
    {
        if (_waiters.TryGetValue(subscription.OrderId, out var subscriptions))
        {
            subscriptions.TryRemove(subscription, out _);
            if (subscriptions.IsEmpty)
            {
                _waiters.TryRemove(new KeyValuePair<string, ConcurrentDictionary<Subscription, byte>>(subscription.OrderId, subscriptions));
            }
        }
    }

    /// <summary>One waiter's interest in one order.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly OrderUpdateNotifier _owner;
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Subscription(OrderUpdateNotifier owner, string orderId)
        {
            _owner = owner;
            OrderId = orderId;
        }

        /// <summary>The order followed.</summary>
        public string OrderId { get; }

        /// <summary>
        /// Completes when an update was published since the last wait, or after <paramref name="fallback"/>. Either way the
        /// caller then reads the order, so an update published during that read is not lost: it ends the next wait at once.
        /// </summary>
        public async Task WaitAsync(TimeSpan fallback, CancellationToken cancellationToken)
        {
            var current = Volatile.Read(ref _next);
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            await Task.WhenAny(current.Task, Task.Delay(fallback, timer.Token)).ConfigureAwait(false);
            await timer.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (current.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), current);
            }
        }

        internal void Signal() => Volatile.Read(ref _next).TrySetResult();

        public void Dispose() => _owner.Remove(this);
    }
}
