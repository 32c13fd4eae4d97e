namespace Sharemint.Market.Tests;

/// <summary>
/// A clock whose timers fire only when the test says so (<see cref="FireAll"/>), to hold a background retry back for
/// exactly as long as a test needs it held. The wall time is the system's.
/// </summary>
public sealed class HeldTimers : TimeProvider
{
    private readonly List<HeldTimer> _timers = [];

    /// <summary>Timers created and neither fired nor disposed.</summary>
    public int Pending
    {
        get
        {
            lock (_timers)
            {
                return _timers.Count;
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new HeldTimer(this, callback, state);
        lock (_timers)
        {
            _timers.Add(timer);
        }
        return timer;
    }

    /// <summary>Fires every pending timer once.</summary>
    public void FireAll()
    {
        HeldTimer[] due;
        lock (_timers)
        {
            due = [.. _timers];
            _timers.Clear();
        }
        foreach (var timer in due)
        {
            timer.Fire();
        }
    }

    private void Remove(HeldTimer timer)
    {
        lock (_timers)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class HeldTimer(HeldTimers owner, TimerCallback callback, object? state) : ITimer
    {
        public void Fire() => callback(state);

        // A changed due time still waits for FireAll.
        public bool Change(TimeSpan dueTime, TimeSpan period) => true;

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            owner.Remove(this);
            return ValueTask.CompletedTask;
        }
    }
}
