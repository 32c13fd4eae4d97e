namespace Sharemint.Silo.Webhooks;

/// <summary>Wakes this silo's dispatcher when an event was recorded here, so a delivery does not wait for the next poll.</summary>
public sealed class WebhookSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>Asks the dispatcher to look now (coalesced: many signals before it looks are one).</summary>
    public void Wake()
    {
        if (_signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another caller woke it between the check and the release: one wake-up is enough.
            }
        }
    }

    /// <summary>Waits for a wake-up or <paramref name="timeout"/>, whichever is first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);
}
