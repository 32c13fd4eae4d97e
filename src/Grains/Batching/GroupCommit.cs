using System.Diagnostics.Metrics;
using Sharemint.Telemetry;

namespace Sharemint.Batching;

/// <summary>
/// Group commit for small independent writes: items that arrive while earlier writes are in flight are written together
/// by one <c>flush</c> call (one statement, one transaction, one commit), and each caller's task completes only once the
/// flush that carried its item has committed (or fails with that flush's error). Nothing is acknowledged before it is
/// durable; under load many callers share a commit, and a lone caller pays one round trip as before.
/// </summary>
/// <typeparam name="TItem">One caller's write.</typeparam>
/// <typeparam name="TResult">What the write returns to that caller.</typeparam>
public sealed class GroupCommit<TItem, TResult>
{
    private readonly Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> _flush;
    private readonly int _maxBatch;
    private readonly int _maxInFlight;
    private readonly Lock _lock = new();
    private readonly Queue<(TItem Item, TaskCompletionSource<TResult> Done)> _queued = new();
    private int _inFlight;
    private long _flushes;
    private long _items;

    /// <param name="flush">Writes a batch in one transaction and returns one result per item, in order.</param>
    /// <param name="maxBatch">The most items one flush carries.</param>
    /// <param name="maxInFlight">Flushes that may run at once; more items wait for the next one and ride together.</param>
    /// <param name="name">
    /// When given, the items and flushes are exported as <c>sharemint_group_commit_items_total</c> and
    /// <c>sharemint_group_commit_flushes_total</c> with <c>writer</c> = this name (items ÷ flushes = callers per commit).
    /// </param>
    public GroupCommit(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> flush, int maxBatch = 256, int maxInFlight = 2, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _flush = flush;
        _maxBatch = maxBatch;
        _maxInFlight = maxInFlight;
        if (name is not null)
        {
            GroupCommitMetrics.Register(name, () => Counts);
        }
    }

    /// <summary>Flushes so far and items they carried (for tests and metrics: items ÷ flushes is the sharing achieved).</summary>
    public (long Flushes, long Items) Counts
    {
        get
        {
            lock (_lock)
            {
                return (_flushes, _items);
            }
        }
    }

    /// <summary>Queues <paramref name="item"/>; completes when the flush carrying it has committed.</summary>
    public Task<TResult> WriteAsync(TItem item)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_lock)
        {
            _queued.Enqueue((item, done));
            start = _inFlight < _maxInFlight;
            if (start)
            {
                _inFlight++;
            }
        }
        if (start)
        {
            _ = Task.Run(FlushLoopAsync);
        }
        return done.Task;
    }

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            List<(TItem Item, TaskCompletionSource<TResult> Done)> batch;
            lock (_lock)
            {
                if (_queued.Count == 0)
                {
                    _inFlight--;
                    return;
                }
                batch = new List<(TItem, TaskCompletionSource<TResult>)>(Math.Min(_queued.Count, _maxBatch));
                while (batch.Count < _maxBatch && _queued.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
                _flushes++;
                _items += batch.Count;
            }
            try
            {
                var results = await _flush([.. batch.Select(b => b.Item)]);
                if (results.Count != batch.Count)
                {
                    throw new InvalidOperationException($"A group flush returned {results.Count} results for {batch.Count} items.");
                }
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }
            }
            catch (Exception error)
            {
                // The whole transaction failed: none of its items were written, and every caller learns it.
                foreach (var (_, done) in batch)
                {
                    done.TrySetException(error);
                }
            }
        }
    }
}

/// <summary>The exported counts of every named <see cref="GroupCommit{TItem, TResult}"/> in the process.</summary>
internal static class GroupCommitMetrics
{
    private static readonly Meter Meter = new(SharemintMetrics.MeterName);
    private static readonly Lock Gate = new();
    private static readonly List<(string Name, Func<(long Flushes, long Items)> Read)> Writers = [];

    static GroupCommitMetrics()
    {
        Meter.CreateObservableCounter("sharemint.group_commit.items", () => Observe(c => c.Items),
            description: "Writes (or lookups) carried by group commits, by writer.");
        Meter.CreateObservableCounter("sharemint.group_commit.flushes", () => Observe(c => c.Flushes),
            description: "Statements (commits) that carried them, by writer.");
    }

    public static void Register(string name, Func<(long Flushes, long Items)> read)
    {
        lock (Gate)
        {
            Writers.Add((name, read));
        }
    }

    private static IEnumerable<Measurement<long>> Observe(Func<(long Flushes, long Items), long> pick)
    {
        List<(string Name, Func<(long Flushes, long Items)> Read)> writers;
        lock (Gate)
        {
            writers = [.. Writers];
        }
        // Several instances of one writer (test clusters) add up under one name.
        return writers.GroupBy(w => w.Name)
            .Select(g => new Measurement<long>(g.Sum(w => pick(w.Read())), new KeyValuePair<string, object?>("writer", g.Key)))
            .ToList();
    }
}
