using System.Globalization;

namespace Sharemint.OrderThroughput;

/// <summary>
/// One measured load phase: what was accepted, what settled, the PostgreSQL rows and commits written from its start until
/// its last order settled, and the chain transactions its mints took.
/// </summary>
public sealed record PhaseResult(
    string Name, int Partners, LoadResult Load, SettlementResult Settlement, IReadOnlyList<(string Table, long Rows)> Rows, long Commits,
    IReadOnlyList<ChainBatching> Batching, IReadOnlyList<(string Writer, double Items, double Flushes)> GroupCommits,
    IReadOnlyList<(long Calls, long Rows, double ExecutionMs, string Query)> TopStatements, CpuSample Cpu, RuntimeSample Runtime)
{
    public double AcceptedPerSecond => Load.AcceptedPerSecond;

    private int PerOrder => Math.Max(1, Load.Accepted.Count);

    public double RowsPerOrder => (double)Rows.Sum(t => t.Rows) / PerOrder;

    public double CommitsPerOrder => (double)Commits / PerOrder;

    /// <summary>Chain transactions (mint batches, every chain) per accepted order.</summary>
    public double ChainTransactionsPerOrder => (double)Batching.Sum(b => b.Transactions) / PerOrder;

    /// <summary>Settled orders per second from the phase's first acceptance to its last settlement.</summary>
    public double SettledPerSecond
    {
        get
        {
            var settled = Settlement.Settled;
            if (settled.Count == 0)
            {
                return 0;
            }
            var span = settled.Max(o => o.UpdatedAt) - settled.Min(o => o.CreatedAt);
            return settled.Count / Math.Max(0.001, span.TotalSeconds);
        }
    }

    /// <summary>Measures <paramref name="load"/>: database counters before it and after its orders settled (plus a pause for the statistics to flush).</summary>
    public static async Task<PhaseResult> MeasureAsync(BenchPlatform platform, string name, int partners, Func<Task<LoadResult>> load,
        Func<IReadOnlyList<PlacedOrder>, Task<SettlementResult>> settle)
    {
        var windowStart = await ChainEvidence.DatabaseNowAsync(platform.ConnectionString);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var before = await DatabaseWrites.ReadAsync(platform.ConnectionString);
        var groupsBefore = await GroupCommitCounts.ReadAsync(platform);
        if (platform.CountsStatements)
        {
            await Statements.ResetAsync(platform.ConnectionString);
        }
        var runtimeBefore = await RuntimeSample.ReadAsync(platform);
        var cpuBefore = CpuSample.Read(platform);
        var result = await load();
        var cpu = CpuSample.Read(platform).Since(cpuBefore);
        var runtime = (await RuntimeSample.ReadAsync(platform)).Since(runtimeBefore);
        Console.WriteLine($"[{name}] {result.Accepted.Count} accepted in {result.Elapsed.TotalSeconds:F1} s; waiting for settlement …");
        var settlement = await settle(result.Accepted);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = await DatabaseWrites.ReadAsync(platform.ConnectionString);
        var batching = await ChainEvidence.MintBatchingAsync(platform.ConnectionString, windowStart);
        var groups = (await GroupCommitCounts.ReadAsync(platform)).Since(groupsBefore).ToList();
        var statements = platform.CountsStatements ? await Statements.TopAsync(platform.ConnectionString, 25) : [];
        return new PhaseResult(name, partners, result, settlement, after.Since(before), after.Commits - before.Commits, batching, groups, statements, cpu, runtime);
    }

    /// <summary>The phase's section of the report, its ratio taken against <paramref name="rawPerSecond"/> (same run).</summary>
    public void Print(double rawPerSecond, IReadOnlyList<string> chains)
    {
        var accepted = Load.Accepted;
        var settled = Settlement.Settled;
        var failed = Settlement.Terminal.Where(o => o.Status != Sharemint.Orders.OrderStatus.Settled).ToList();
        var ratio = AcceptedPerSecond / rawPerSecond;
        var partnerSeen = Percentiles.Of(accepted.Select(o => o.PartnerMs));
        Console.WriteLine();
        Console.WriteLine($"== {Name}: {Partners} partners ==");
        Console.WriteLine($"accepted orders/s:            {AcceptedPerSecond,10:F1}   ({accepted.Count} accepted in {Load.Elapsed.TotalSeconds:F1} s)");
        Console.WriteLine($"settled orders/s end to end:  {SettledPerSecond,10:F1}   ({settled.Count} settled)");
        Console.WriteLine($"ratio accepted/raw upserts:   {ratio,10:F3}   (issue goal >= 0.05: {(ratio >= 0.05 ? "met" : "MISSED")}; platform aim 0.25)");
        Console.WriteLine($"quote + placement ms:         {partnerSeen}   (issue goal p99 <= 150 ms: {(partnerSeen.P99 <= 150 ? "met" : "MISSED")})");
        Console.WriteLine($"placement (acceptance) ms:    {Percentiles.Of(accepted.Select(o => o.AcceptMs))}");
        Console.WriteLine($"quote ms:                     {Percentiles.Of(Load.QuoteMs)}");
        Console.WriteLine($"accepted → settled ms:        {Percentiles.Of(settled.Select(o => (o.UpdatedAt - o.CreatedAt).TotalMilliseconds))}");
        Console.WriteLine($"CPU ms per accepted order:    silo {CpuPerOrder(Cpu.Silos),6:F2}, PostgreSQL {CpuPerOrder(Cpu.Postgres),6:F2}, load generator {CpuPerOrder(Cpu.Generator),6:F2}" +
            $"   (while placing; {Environment.ProcessorCount} cores)");
        Console.WriteLine($"  of the silos' CPU:          JIT {CpuPerOrder(Runtime.Jit),6:F2}, GC pauses {CpuPerOrder(Runtime.GcPauses),6:F2} (wall)" +
            $"   (JIT near 0: the runtime had finished tiering code up; see --warmup-seconds)");
        Console.WriteLine($"refused:                      {(Load.Refusals.Count == 0 ? "none" : Describe(Load.Refusals))}");
        Console.WriteLine($"not settled:                  {Settlement.Unfinished.Count} still open after {Settlement.Waited.TotalSeconds:F0} s, {failed.Count} failed/cancelled" +
            (failed.Count > 0 ? $" ({Describe(failed.GroupBy(o => o.FailureCode ?? o.Status.ToString()).ToDictionary(g => g.Key, g => g.Count()))})" : ""));
        Console.WriteLine($"per chain settled:            {string.Join(", ", chains.Select(c => $"{c} {settled.Count(o => o.Chain == c)}"))}");
        Console.WriteLine($"PostgreSQL commits:           {CommitsPerOrder,10:F1} per accepted order   (goal <= 12; includes reads' implicit transactions)");
        Console.WriteLine($"PostgreSQL rows written:      {RowsPerOrder,10:F1} per accepted order   (goal <= 8): " +
            string.Join(", ", Rows.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Table} {(double)t.Rows / Math.Max(1, accepted.Count):F2}"))));
        Console.WriteLine("group commit (statements shared by concurrent writes/lookups, per accepted order):" + (GroupCommits.Count == 0 ? " none" : ""));
        foreach (var (writer, items, flushes) in GroupCommits)
        {
            Console.WriteLine($"  {writer,-16} {items / Math.Max(1, accepted.Count),6:F2} items in {flushes / Math.Max(1, accepted.Count),6:F2} statements ({items / Math.Max(1, flushes):F2} per statement)");
        }
        if (TopStatements.Count > 0)
        {
            Console.WriteLine("statements most called (pg_stat_statements; calls, rows and execution ms per accepted order):");
            foreach (var (calls, rows, executionMs, query) in TopStatements)
            {
                Console.WriteLine($"  {(double)calls / Math.Max(1, accepted.Count),6:F2} {(double)rows / Math.Max(1, accepted.Count),6:F2} {executionMs / Math.Max(1, accepted.Count),6:F3}  {query}");
            }
        }
        Console.WriteLine($"chain transactions:           {ChainTransactionsPerOrder,10:F3} per accepted order");
        Console.WriteLine($"  {"chain",-10} {"orders",8} {"mint txs",9} {"orders/tx",10} {"largest",8} {"EVM signed attempts",20}");
        foreach (var row in Batching)
        {
            var onChain = settled.Count(o => o.Chain == row.Chain);
            Console.WriteLine($"  {row.Chain,-10} {onChain,8} {row.Transactions,9} {(row.Transactions == 0 ? 0 : (double)row.Lines / row.Transactions),10:F1} {row.LargestBatch,8} " +
                $"{(row.Chain == "solana" ? "-" : row.SignedAttempts.ToString(CultureInfo.InvariantCulture)),20}");
        }
    }

    /// <summary>CPU milliseconds per accepted order (the CPU spent while orders were being placed, settlement work included).</summary>
    public double CpuPerOrder(TimeSpan cpu) => cpu.TotalMilliseconds / PerOrder;

    public static string Describe(IReadOnlyDictionary<string, int> counts) =>
        string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} ×{c.Value}"));
}
