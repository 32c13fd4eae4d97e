using System.Globalization;

namespace Sharemint.OrderThroughput;

/// <summary>Latency percentiles (nearest rank) of a sample, in milliseconds.</summary>
public sealed record Percentiles(int Count, double P50, double P95, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> sample)
    {
        var sorted = sample.Order().ToArray();
        if (sorted.Length == 0)
        {
            return new Percentiles(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new Percentiles(sorted.Length, Rank(0.50), Rank(0.95), Rank(0.99), sorted[^1]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"p50 {P50,8:F1}  p95 {P95,8:F1}  p99 {P99,8:F1}  max {Max,8:F1}  (n={Count})");
}
