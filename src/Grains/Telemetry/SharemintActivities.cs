using System.Diagnostics;

namespace Sharemint.Telemetry;

/// <summary>
/// The platform's own spans, for work that runs from timers rather than inside a request: an order's saga steps and a
/// bridge's mint batches. Each continues the trace of the request that caused it (its W3C traceparent is stored with
/// the work), so a mint is one trace from the partner's HTTP request through the grains to the chain call.
/// </summary>
public static class SharemintActivities
{
    public const string SourceName = "Sharemint";

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>The current span's W3C id, to store with work that will run later.</summary>
    public static string? CurrentParent() => Activity.Current?.Id;

    /// <summary>
    /// Starts a span continuing <paramref name="parent"/> (a stored traceparent), whatever the current span is (a timer
    /// tick may carry the context it was armed in, or none), linked to the other traces in <paramref name="links"/>;
    /// null when no listener samples it or there is nothing to continue.
    /// </summary>
    public static Activity? Continue(string name, string? parent, IEnumerable<string?>? links = null)
    {
        if (parent is null || !ActivityContext.TryParse(parent, null, out var context))
        {
            return null;
        }
        var others = (links ?? [])
            .Select(l => l is not null && ActivityContext.TryParse(l, null, out var c) ? c : default)
            .Where(c => c != default && c.TraceId != context.TraceId)
            .Select(c => new ActivityLink(c));
        // Started detached from whatever is current, so the saga's spans hang from the request that placed the order.
        var previous = Activity.Current;
        Activity.Current = null;
        var started = Source.StartActivity(name, ActivityKind.Internal, context, links: others);
        if (started is null)
        {
            Activity.Current = previous;
        }
        return started;
    }
}
