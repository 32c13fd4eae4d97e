using System.Globalization;

namespace Sharemint.OrderThroughput;

/// <summary>
/// The silos' group-commit counters (<c>sharemint_group_commit_items_total</c> / <c>…_flushes_total</c> by writer), summed
/// over every silo's management port: how many writes or lookups each writer carried, in how many statements.
/// </summary>
public sealed record GroupCommitCounts(IReadOnlyDictionary<string, (double Items, double Flushes)> ByWriter)
{
    public static async Task<GroupCommitCounts> ReadAsync(BenchPlatform platform)
    {
        var sums = new Dictionary<string, (double Items, double Flushes)>();
        foreach (var silo in platform.Silos)
        {
            using var management = silo.CreateManagementHttpClient();
            var text = await management.GetStringAsync("metrics");
            foreach (var line in text.Split('\n'))
            {
                var items = line.StartsWith("sharemint_group_commit_items_total{", StringComparison.Ordinal);
                var flushes = line.StartsWith("sharemint_group_commit_flushes_total{", StringComparison.Ordinal);
                if (!items && !flushes)
                {
                    continue;
                }
                var at = line.IndexOf("writer=\"", StringComparison.Ordinal) + "writer=\"".Length;
                var writer = line[at..line.IndexOf('"', at)];
                var value = double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                var current = sums.GetValueOrDefault(writer);
                sums[writer] = items ? (current.Items + value, current.Flushes) : (current.Items, current.Flushes + value);
            }
        }
        return new GroupCommitCounts(sums);
    }

    /// <summary>Per writer: items and statements between <paramref name="before"/> and this reading.</summary>
    public IEnumerable<(string Writer, double Items, double Flushes)> Since(GroupCommitCounts before) =>
        ByWriter.Select(w => (w.Key, w.Value.Items - before.ByWriter.GetValueOrDefault(w.Key).Items, w.Value.Flushes - before.ByWriter.GetValueOrDefault(w.Key).Flushes))
            .Where(w => w.Item2 > 0)
            .OrderByDescending(w => w.Item2);
}
