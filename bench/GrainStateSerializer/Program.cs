using System.Diagnostics;
using System.Globalization;
using Sharemint.GrainStateSerializer;
using Sharemint.Silo.Storage;

// Usage: dotnet run -c Release --project bench/GrainStateSerializer -- [--rounds 7] [--milliseconds 300]
// Each round times the baseline (the row built as a JSON tree, as every write did before) and then the direct write on the
// same state for the same time; the figures are the medians over the rounds, per write: time and bytes allocated.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var rounds = IntArg("--rounds", 7);
var slice = TimeSpan.FromMilliseconds(IntArg("--milliseconds", 300));
var serializer = new GrainStateJsonSerializer();
StoredRowScope.Enter(null);

Console.WriteLine($"grain state row writes: {rounds} rounds of {slice.TotalMilliseconds:F0} ms per path, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
Console.WriteLine($"{"state",-40} {"bytes",6} {"tree µs",9} {"direct µs",10} {"speed-up",9} {"tree alloc B",13} {"direct alloc B",15}");
foreach (var (name, write, tree) in new (string, Func<BinaryData>, Func<BinaryData>)[]
{
    ("settled mint order", () => serializer.Serialize(States.Order), () => GrainStateJsonSerializer.SerializeThroughTree(States.Order, null)),
    ("busy partner account", () => serializer.Serialize(States.Account), () => GrainStateJsonSerializer.SerializeThroughTree(States.Account, null)),
    ("asset with open reservations", () => serializer.Serialize(States.Asset), () => GrainStateJsonSerializer.SerializeThroughTree(States.Asset, null)),
})
{
    if (!write().ToMemory().Span.SequenceEqual(tree().ToMemory().Span))
    {
        Console.Error.WriteLine($"{name}: the direct row differs from the tree row");
        return 1;
    }
    var treeRuns = new List<(double Micros, double Bytes)>();
    var directRuns = new List<(double Micros, double Bytes)>();
    Measure(tree, slice);
    Measure(write, slice);
    for (var i = 0; i < rounds; i++)
    {
        treeRuns.Add(Measure(tree, slice));
        directRuns.Add(Measure(write, slice));
    }
    var (treeMicros, treeBytes) = (Median(treeRuns.Select(r => r.Micros)), Median(treeRuns.Select(r => r.Bytes)));
    var (directMicros, directBytes) = (Median(directRuns.Select(r => r.Micros)), Median(directRuns.Select(r => r.Bytes)));
    Console.WriteLine($"{name,-40} {write().ToMemory().Length,6} {treeMicros,9:F2} {directMicros,10:F2} {treeMicros / directMicros,8:F2}x {treeBytes,13:N0} {directBytes,15:N0}");
}
return 0;

static (double Micros, double Bytes) Measure(Func<BinaryData> write, TimeSpan slice)
{
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    var clock = Stopwatch.StartNew();
    long count = 0;
    while (clock.Elapsed < slice)
    {
        for (var i = 0; i < 32; i++)
        {
            write();
        }
        count += 32;
    }
    var elapsed = clock.Elapsed;
    return (elapsed.TotalMicroseconds / count, (double)(GC.GetAllocatedBytesForCurrentThread() - allocated) / count);
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

int IntArg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
