using Microsoft.Coyote;
using Microsoft.Coyote.Random;
using Microsoft.Coyote.Specifications;
using Microsoft.Coyote.SystematicTesting;
using Sharemint.Saga.Tests.StandIns;
using Xunit.Abstractions;

namespace Sharemint.Saga.Tests;

/// <summary>
/// The saga engine and its flows under Microsoft.Coyote, which owns the scheduling of every task (this assembly, which
/// compiles the engine's source, is rewritten after build: see the project file) and explores interleavings: orders
/// driven by their timers, a duplicate activation, the chains' work loops, a crash, a pause and a cancel, all at once,
/// with faults at every boundary chosen by Coyote too. The invariants are Coyote assertions. At least 1,000 schedules per run;
/// SHAREMINT_COYOTE_ITERATIONS asks for more. A failing schedule is written to a trace file (its path is printed) and
/// replays exactly with SHAREMINT_COYOTE_TRACE=&lt;that file&gt;.
/// </summary>
public sealed class CoyoteExplorationTests(ITestOutputHelper output)
{
    private const uint DefaultIterations = 1000;

    [Fact]
    public void Interleaved_orders_with_faults_duplicates_crashes_and_pauses_keep_every_invariant()
    {
        var report = Explore(ConcurrentOrdersAsync, "concurrent-orders");
        Assert.True(report.Explored >= report.Asked, $"explored {report.Explored} schedules, asked for {report.Asked}");
    }

    private (uint Asked, int Explored) Explore(Func<Task> scenario, string name)
    {
        var asked = uint.TryParse(Environment.GetEnvironmentVariable("SHAREMINT_COYOTE_ITERATIONS"), out var n) && n > 0 ? n : DefaultIterations;
        var configuration = Configuration.Create()
            .WithTestingIterations(asked)
            .WithMaxSchedulingSteps(5000)
            .WithRandomGeneratorSeed(uint.TryParse(Environment.GetEnvironmentVariable("SHAREMINT_COYOTE_SEED"), out var seed) ? seed : 20261128u);
        var replay = Environment.GetEnvironmentVariable("SHAREMINT_COYOTE_TRACE");
        if (!string.IsNullOrEmpty(replay))
        {
            configuration = configuration.WithReproducibleTrace(File.ReadAllText(replay));
        }
        var engine = TestingEngine.Create(configuration, scenario);
        engine.Run();
        var report = engine.TestReport;
        var explored = report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths;
        output.WriteLine($"Coyote {name}: {explored} schedules explored, {report.NumOfFoundBugs} bugs found");
        if (report.NumOfFoundBugs > 0)
        {
            var path = Path.Combine(Path.GetTempPath(), $"sharemint-coyote-{name}-{Guid.NewGuid():N}.trace");
            File.WriteAllText(path, engine.ReproducibleTrace);
            output.WriteLine(engine.ReadableTrace);
            Assert.Fail($"{string.Join(Environment.NewLine, report.BugReports)}{Environment.NewLine}Replay: SHAREMINT_COYOTE_TRACE={path} dotnet test tests/Saga.Tests -c Release --no-build --filter {nameof(CoyoteExplorationTests)}");
        }
        return (string.IsNullOrEmpty(replay) ? asked : 1, explored);
    }

    /// <summary>
    /// A mint, an API redemption, a deposit redemption and a move driven at once by their timers, a duplicate activation,
    /// the chains, a crash, a pause, a cancel, and a market that is closed for the first part of the run (the mint may
    /// have to buy its shares, and a redemption may be priced off-hours).
    /// </summary>
    private static async Task ConcurrentOrdersAsync()
    {
        var choices = Generator.Create();
        var harness = new SagaHarness(new CoyoteFaults(choices, 20));
        var world = harness.World;
        world.AddPartner("p1", 10_000m);
        // Short of inventory, the mint buys its shares from the broker, which waits for the market to open.
        world.Asset.Custody = choices.NextBoolean() ? 100m : 1m;
        world.Market.Open = false;
        harness.Seed("p1", "ethereum", 5m);

        await harness.PlaceMintAsync("m1", "p1", "solana", 2m);
        await harness.PlaceRedeemAsync("r1", "p1", "ethereum", 1m);
        await harness.DepositAsync("d1", "p1", "ethereum", 1m);
        await harness.PlaceTransferAsync("t1", "p1", "ethereum", "solana", 1m);
        var orders = new[] { "m1", "r1", "d1", "t1" };
        var duplicated = orders[choices.NextInteger(orders.Length)];
        var crashed = orders[choices.NextInteger(orders.Length)];
        var cancelled = orders[choices.NextInteger(orders.Length)];

        var work = new List<Task>();
        foreach (var id in orders)
        {
            work.Add(Task.Run(async () =>
            {
                for (var i = 0; i < 3; i++)
                {
                    await harness.TickAsync(id);
                }
            }));
        }
        work.Add(Task.Run(async () =>
        {
            var duplicate = await harness.DuplicateAsync(duplicated);
            for (var i = 0; i < 3; i++)
            {
                await harness.CallAsync(duplicated, e => e.AdvanceAsync(), duplicate);
            }
        }));
        work.Add(Task.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                await harness.ChainWorkAsync();
            }
        }));
        work.Add(Task.Run(async () =>
        {
            await Task.Yield();
            if (choices.NextBoolean())
            {
                harness.Crash(crashed);
            }
            var bridge = world.Bridges[SagaWorld.Chains[choices.NextInteger(2)]];
            bridge.Paused = true;
            await Task.Yield();
            bridge.Paused = false;
        }));
        work.Add(Task.Run(async () =>
        {
            await Task.Yield();
            world.Market.Open = true;
        }));
        work.Add(Task.Run(() => harness.CancelAsync(cancelled)));
        await Task.WhenAll(work);

        var inFlight = harness.Violations(quiescent: false);
        Specification.Assert(inFlight.Count == 0, "while orders were in flight: {0}", string.Join("; ", inFlight));
        await harness.SettleAllAsync();
        var settled = harness.Violations(quiescent: true);
        Specification.Assert(settled.Count == 0, "after settling: {0}", string.Join("; ", settled));
    }
}
