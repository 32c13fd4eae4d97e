using System.Globalization;

namespace Sharemint.OrderThroughput;

/// <summary>
/// CPU time spent by the parts of the platform, read from <c>/proc</c>: the silo processes, the PostgreSQL server (the
/// postmaster, its live backends, and the backends that already exited, which the kernel adds to the postmaster's
/// children's time), and this benchmark process (the load generator and its Orleans client). Per order this is less
/// sensitive to a busy machine than throughput is, and it says where an order's cost goes.
/// </summary>
public sealed record CpuSample(TimeSpan Silos, TimeSpan Postgres, TimeSpan Generator)
{
    private const double TicksPerSecond = 100; // USER_HZ: 100 on every Linux this runs on

    public static CpuSample Read(BenchPlatform platform) => new(
        platform.Silos.Aggregate(TimeSpan.Zero, (sum, silo) => sum + ProcessTime(silo.ProcessId, children: false)),
        platform.PostmasterId is { } postmaster ? ServerTime(postmaster) : TimeSpan.Zero,
        System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime);

    public CpuSample Since(CpuSample before) => new(Silos - before.Silos, Postgres - before.Postgres, Generator - before.Generator);

    private static TimeSpan ServerTime(int postmaster)
    {
        var total = ProcessTime(postmaster, children: true);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && Stat(pid) is { } fields && fields[1] == postmaster.ToString(CultureInfo.InvariantCulture))
            {
                total += Ticks(fields[11]) + Ticks(fields[12]);
            }
        }
        return total;
    }

    private static TimeSpan ProcessTime(int pid, bool children) =>
        Stat(pid) is not { } fields ? TimeSpan.Zero
        : Ticks(fields[11]) + Ticks(fields[12]) + (children ? Ticks(fields[13]) + Ticks(fields[14]) : TimeSpan.Zero);

    // Fields after the command name (which may hold spaces, hence the last ')'): [0] state, [1] ppid, … [11] utime,
    // [12] stime, [13] cutime, [14] cstime.
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // the process exited while we looked
        }
    }

    private static TimeSpan Ticks(string value) => TimeSpan.FromSeconds(long.Parse(value, CultureInfo.InvariantCulture) / TicksPerSecond);
}
