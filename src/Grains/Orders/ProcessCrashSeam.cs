namespace Sharemint.Orders;

/// <summary>Crash tests only: stops the process hard at the configured point, once (see <see cref="OrderOptions.CrashAt"/>).</summary>
internal sealed class ProcessCrashSeam(OrderOptions options) : IOrderCrashSeam
{
    public void Crash(string point)
    {
        if (options.CrashAt != point || options.CrashMarker is not { } marker || File.Exists(marker))
        {
            return;
        }
        // The marker makes the crash happen once: the restarted process runs past the point.
        File.WriteAllText(marker, point);
        Environment.FailFast($"crash test: stopping hard at {point}");
    }
}
