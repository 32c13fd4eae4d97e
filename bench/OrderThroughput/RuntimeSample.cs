using System.Globalization;

namespace Sharemint.OrderThroughput;

/// <summary>
/// The silos' runtime work, read from each silo's <c>/metrics</c> (the runtime's own meter): time spent compiling code
/// and time paused for garbage collection. A phase measured while the JIT is still tiering code up reports the
/// runtime's start-up, not the order path; this says how much of a phase's silo CPU that was.
/// </summary>
public sealed record RuntimeSample(TimeSpan Jit, TimeSpan GcPauses)
{
    public static async Task<RuntimeSample> ReadAsync(BenchPlatform platform)
    {
        var jit = 0.0;
        var gc = 0.0;
        foreach (var silo in platform.Silos)
        {
            using var http = silo.CreateManagementHttpClient();
            var text = await http.GetStringAsync("metrics");
            jit += Sum(text, "dotnet_jit_compilation_time_seconds_total");
            gc += Sum(text, "dotnet_gc_pause_time_seconds_total");
        }
        return new RuntimeSample(TimeSpan.FromSeconds(jit), TimeSpan.FromSeconds(gc));
    }

    public RuntimeSample Since(RuntimeSample before) => new(Jit - before.Jit, GcPauses - before.GcPauses);

    // A counter's samples (one per label set) summed: "name{labels} value" or "name value".
    private static double Sum(string exposition, string name) =>
        exposition.Split('\n')
            .Where(line => line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' ')
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
}
