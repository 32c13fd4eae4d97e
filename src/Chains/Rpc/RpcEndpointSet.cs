namespace Sharemint.Chains;

/// <summary>
/// One chain's RPC endpoints in failover order (the configured URL first, then the fallbacks), shared by every chain
/// family's client: which one calls go to now, moving on after a failure, and how long to wait when a provider is
/// rate-limiting.
/// </summary>
public sealed class RpcEndpointSet
{
    private readonly Uri[] _endpoints;
    private int _current;
    private long _failovers;

    public RpcEndpointSet(Uri primary, IEnumerable<Uri> fallbacks)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(fallbacks);
        _endpoints = [primary, .. fallbacks.Where(e => e != primary)];
    }

    /// <summary>The configured endpoint.</summary>
    public Uri Primary => _endpoints[0];

    public int Count => _endpoints.Length;

    /// <summary>The position calls go to now; pass it back to <see cref="MoveOn"/> when a call there failed.</summary>
    public int Position => Volatile.Read(ref _current);

    public Uri At(int position) => _endpoints[position % _endpoints.Length];

    /// <summary>The endpoint calls go to now.</summary>
    public Uri Current => At(Position);

    /// <summary>How many times calls moved to another endpoint.</summary>
    public long Failovers => Interlocked.Read(ref _failovers);

    /// <summary>Moves to the next endpoint unless another call already moved on from <paramref name="failed"/>.</summary>
    public void MoveOn(int failed)
    {
        if (_endpoints.Length > 1 && Interlocked.CompareExchange(ref _current, failed + 1, failed) == failed)
        {
            Interlocked.Increment(ref _failovers);
        }
    }

    /// <summary>
    /// The wait before the <paramref name="wait"/>-th retry of a rate-limited call: doubling from
    /// <paramref name="backoff"/> with jitter, at least the provider's Retry-After, never more than <paramref name="max"/>.
    /// </summary>
    public static TimeSpan RateLimitWait(int wait, TimeSpan? retryAfter, TimeSpan backoff, TimeSpan max)
    {
        var doubled = backoff * Math.Pow(2, wait - 1) * (0.5 + Random.Shared.NextDouble());
        var chosen = retryAfter is { } hint && hint > doubled ? hint : doubled;
        return chosen > max ? max : chosen;
    }
}
