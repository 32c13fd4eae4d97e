using System.Globalization;
using Sharemint.Assets;
using Sharemint.Orders;
using Sharemint.Saga.Tests.StandIns;
using Xunit.Abstractions;

namespace Sharemint.Saga.Tests;

/// <summary>
/// Generated sequences against the stand-ins: mints, redemptions (by API and by deposit), moves, cancels, timer ticks,
/// chain work, pauses and sanctions arriving while orders are in flight, crashes and duplicate activations, with faults
/// at every boundary. After every operation the in-flight invariants hold; at the end every order settles or ends
/// cleanly, cash is conserved, and at least half of the accepted orders settled. 200 sequences per run
/// (SHAREMINT_SAGA_SEQUENCES for more); each sequence's seed is printed, SHAREMINT_SAGA_SEED=&lt;seed&gt; with
/// SHAREMINT_SAGA_SEQUENCES=1 replays one, and a failing sequence is shrunk to the fewest operations that still fail.
/// </summary>
public sealed class GeneratedSequenceTests(ITestOutputHelper output)
{
    private const int DefaultSequences = 200;
    private static readonly string[] Chains = SagaWorld.Chains;

    private sealed record Step(string Kind, int A, int B, decimal Tokens)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Kind}({A},{B},{Tokens})");
    }

    [Fact]
    public async Task Generated_sequences_with_faults_pauses_and_sanctions_keep_every_invariant()
    {
        var sequences = int.TryParse(Environment.GetEnvironmentVariable("SHAREMINT_SAGA_SEQUENCES"), out var n) && n > 0 ? n : DefaultSequences;
        var firstSeed = int.TryParse(Environment.GetEnvironmentVariable("SHAREMINT_SAGA_SEED"), out var s) ? s : 11_000;
        output.WriteLine($"sequences {sequences} from seed {firstSeed}");
        int accepted = 0, settled = 0;
        for (var seed = firstSeed; seed < firstSeed + sequences; seed++)
        {
            var steps = Generate(new Random(seed));
            var run = await RunAsync(seed, steps);
            if (run.Violation is not null)
            {
                var shrunk = await ShrinkAsync(seed, steps);
                Assert.Fail($"seed {seed}: {run.Violation}{Environment.NewLine}shrunk to {shrunk.Count} steps: {string.Join(" ", shrunk)}{Environment.NewLine}" +
                    $"replay: SHAREMINT_SAGA_SEED={seed} SHAREMINT_SAGA_SEQUENCES=1 dotnet test tests/Saga.Tests -c Release --no-build --filter {nameof(GeneratedSequenceTests)}");
            }
            accepted += run.Accepted;
            settled += run.Settled;
        }
        output.WriteLine($"{accepted} orders accepted, {settled} settled");
        Assert.True(accepted > 0, "no order was accepted");
        Assert.True(settled * 2 >= accepted, $"only {settled} of {accepted} accepted orders settled");
    }

    private static List<Step> Generate(Random random)
    {
        var steps = new List<Step>();
        var count = 10 + random.Next(12);
        var orders = 0;
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            var chain = random.Next(2);
            var tokens = 1 + random.Next(3);
            if (roll < 18)
            {
                steps.Add(new Step("mint", orders++, chain, tokens));
            }
            else if (roll < 28)
            {
                steps.Add(new Step("redeem", orders++, chain, tokens));
            }
            else if (roll < 36)
            {
                steps.Add(new Step("deposit", orders++, chain, tokens));
            }
            else if (roll < 46)
            {
                steps.Add(new Step("move", orders++, chain, tokens));
            }
            else if (orders > 0 && roll < 50)
            {
                steps.Add(new Step("cancel", random.Next(orders), 0, 0));
            }
            else if (orders > 0 && roll < 66)
            {
                steps.Add(new Step("tick", random.Next(orders), 0, 0));
            }
            else if (roll < 74)
            {
                steps.Add(new Step("chain", 0, 0, 0));
            }
            else if (roll < 79)
            {
                steps.Add(new Step(random.Next(2) == 0 ? "pause-chain" : "resume-chain", chain, 0, 0));
            }
            else if (roll < 83)
            {
                steps.Add(new Step("asset-status", random.Next(4), 0, 0));
            }
            else if (roll < 88)
            {
                steps.Add(new Step(random.Next(2) == 0 ? "sanction" : "unsanction", chain, 0, 0));
            }
            else if (roll < 91)
            {
                steps.Add(new Step("market", random.Next(2), 0, 0));
            }
            else if (orders > 0 && roll < 96)
            {
                steps.Add(new Step("crash", random.Next(orders), 0, 0));
            }
            else if (orders > 0)
            {
                steps.Add(new Step("duplicate", random.Next(orders), 0, 0));
            }
        }
        return steps;
    }

    private sealed record Run(string? Violation, int Accepted, int Settled);

    private static async Task<Run> RunAsync(int seed, IReadOnlyList<Step> steps)
    {
        var harness = new SagaHarness(new RandomFaults(new Random(seed * 31 + 7), 15));
        var world = harness.World;
        world.AddPartner("p1", 5_000m);
        world.AddPartner("p2", 5_000m);
        world.Asset.Custody = 4m;
        harness.Seed("p1", "solana", 6m);
        harness.Seed("p1", "ethereum", 6m);
        foreach (var step in steps)
        {
            var id = $"o{step.A}";
            var chain = Chains[step.B];
            switch (step.Kind)
            {
                case "mint":
                    await harness.PlaceMintAsync(id, step.A % 3 == 0 ? "p2" : "p1", chain, step.Tokens);
                    break;
                case "redeem":
                    await harness.PlaceRedeemAsync(id, "p1", chain, step.Tokens);
                    break;
                case "deposit":
                    await harness.DepositAsync(id, "p1", chain, step.Tokens);
                    break;
                case "move":
                    await harness.PlaceTransferAsync(id, "p1", chain, Chains[1 - step.B], step.Tokens);
                    break;
                case "cancel":
                    await harness.CancelAsync(id);
                    break;
                case "tick":
                    await harness.TickAsync(id);
                    break;
                case "chain":
                    await harness.ChainWorkAsync();
                    break;
                case "pause-chain":
                    world.Bridges[Chains[step.A]].Paused = true;
                    break;
                case "resume-chain":
                    world.Bridges[Chains[step.A]].Paused = false;
                    break;
                case "asset-status":
                    world.Asset.Status = (AssetStatus)(1 + step.A);
                    break;
                case "sanction":
                    world.Sanctions.List(Chains[step.A], SagaWorld.WalletOf(Chains[step.A], "p2"));
                    break;
                case "unsanction":
                    world.Sanctions.Delist(Chains[step.A], SagaWorld.WalletOf(Chains[step.A], "p2"));
                    break;
                case "market":
                    world.Market.Open = step.A == 1;
                    break;
                case "crash":
                    harness.Crash(id);
                    break;
                default:
                    await harness.DuplicateAsync(id);
                    break;
            }
            world.Clock.Advance(TimeSpan.FromSeconds(3));
            var inFlight = harness.Violations(quiescent: false);
            if (inFlight.Count > 0)
            {
                return new Run($"after {step}: {string.Join("; ", inFlight)}", 0, 0);
            }
        }
        await harness.SettleAllAsync();
        var settledViolations = harness.Violations(quiescent: true);
        if (settledViolations.Count > 0)
        {
            return new Run($"after settling: {string.Join("; ", settledViolations)}", 0, 0);
        }
        var orders = harness.OrderIds.Select(harness.Stored).OfType<OrderState>().Where(o => o.Status != OrderStatus.Held).ToList();
        return new Run(null, orders.Count, orders.Count(o => o.Status == OrderStatus.Settled));
    }

    /// <summary>Drops steps one at a time while the sequence still fails: the shortest failing sequence found.</summary>
    private static async Task<List<Step>> ShrinkAsync(int seed, List<Step> steps)
    {
        var current = steps;
        for (var changed = true; changed;)
        {
            changed = false;
            for (var i = 0; i < current.Count; i++)
            {
                var candidate = current.Where((_, j) => j != i).ToList();
                if ((await RunAsync(seed, candidate)).Violation is not null)
                {
                    current = candidate;
                    changed = true;
                    break;
                }
            }
        }
        return current;
    }
}
