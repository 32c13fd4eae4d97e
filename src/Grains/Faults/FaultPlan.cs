using System.Collections.Concurrent;

namespace Sharemint.Faults;

/// <summary>
/// The armed faults and recorded calls of this silo process, keyed by the source grain's key. A key with a <c>*</c> is a
/// pattern for a grain whose key a test cannot know in advance (a deposit's order): <c>dep_*run-7</c> binds to the first
/// new source whose key starts with <c>dep_</c> (the text after the star only tells patterns apart), and from then on
/// stands for that source.
/// </summary>
public sealed class FaultPlan
{
    private readonly ConcurrentDictionary<string, SourcePlan> _sources = new();
    private readonly ConcurrentDictionary<string, string?> _patterns = new();

    /// <summary>
    /// Not money boundaries: reads change nothing (a lost reply is just a retried read), and the reminder service is the
    /// backstop that drives orders, whose calls depend on timing (an order settled in its first pass registers none).
    /// </summary>
    public static bool IsRead(string method)
    {
        var name = method[(method.LastIndexOf('.') + 1)..];
        return method.StartsWith("IReminderService.", StringComparison.Ordinal)
            || name.StartsWith("Get", StringComparison.Ordinal) || name.StartsWith("List", StringComparison.Ordinal)
            || name.StartsWith("Find", StringComparison.Ordinal) || name.StartsWith("Is", StringComparison.Ordinal)
            || name.StartsWith("Check", StringComparison.Ordinal);
    }

    public void Arm(FaultSpec fault)
    {
        Pattern(fault.SourceKey);
        Source(fault.SourceKey).Arm(fault);
    }

    public void Record(string sourceKey)
    {
        Pattern(sourceKey);
        Source(sourceKey).Recording = true;
    }

    public IReadOnlyList<FaultPoint> Calls(string sourceKey) => _sources.TryGetValue(sourceKey, out var s) ? s.Calls() : [];

    public IReadOnlyList<FaultSpec> Fired(string sourceKey) => _sources.TryGetValue(sourceKey, out var s) ? s.FiredFaults() : [];

    /// <summary>The source a pattern bound to, or null while none has called yet.</summary>
    public string? BoundSource(string pattern) => _patterns.GetValueOrDefault(pattern);

    /// <summary>Counts the call and returns the fault to apply to it, if one is armed there.</summary>
    public FaultMode? OnCall(string sourceKey, string method)
    {
        if (!_sources.TryGetValue(sourceKey, out var source))
        {
            source = Bind(sourceKey);
        }
        return source?.OnCall(method);
    }

    private void Pattern(string key)
    {
        if (key.Contains('*', StringComparison.Ordinal))
        {
            _patterns.TryAdd(key, null);
        }
    }

    /// <summary>Binds the first unbound pattern that <paramref name="sourceKey"/> matches: its plan becomes this source's.</summary>
    private SourcePlan? Bind(string sourceKey)
    {
        foreach (var (pattern, bound) in _patterns)
        {
            if (bound is null && sourceKey.StartsWith(pattern[..pattern.IndexOf('*', StringComparison.Ordinal)], StringComparison.Ordinal) && _patterns.TryUpdate(pattern, sourceKey, null))
            {
                var plan = _sources.GetOrAdd(pattern, _ => new SourcePlan(pattern));
                _sources[sourceKey] = plan;
                return plan;
            }
        }
        return null;
    }

    private SourcePlan Source(string key) => _sources.GetOrAdd(key, _ => new SourcePlan(key));

    private sealed class SourcePlan(string key)
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, int> _counts = [];
        private readonly List<FaultPoint> _calls = [];
        private readonly List<FaultSpec> _armed = [];
        private readonly List<FaultSpec> _fired = [];

        public bool Recording { get; set; }

        public void Arm(FaultSpec fault)
        {
            lock (_lock)
            {
                _armed.Add(fault);
            }
        }

        public IReadOnlyList<FaultPoint> Calls()
        {
            lock (_lock)
            {
                return _calls.ToList();
            }
        }

        public IReadOnlyList<FaultSpec> FiredFaults()
        {
            lock (_lock)
            {
                return _fired.ToList();
            }
        }

        public FaultMode? OnCall(string method)
        {
            lock (_lock)
            {
                var occurrence = _counts[method] = _counts.GetValueOrDefault(method) + 1;
                var point = new FaultPoint(method, occurrence);
                if (Recording)
                {
                    _calls.Add(point);
                }
                var armed = _armed.FindIndex(f => f.Point == point);
                if (armed < 0)
                {
                    return null;
                }
                var fault = _armed[armed];
                _armed.RemoveAt(armed);
                _fired.Add(fault with { SourceKey = key });
                return fault.Mode;
            }
        }
    }
}
