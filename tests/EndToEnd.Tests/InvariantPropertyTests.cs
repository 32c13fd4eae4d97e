using FsCheck;
using FsCheck.Fluent;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Operations;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Reserves;
using Sharemint.Units;
using Xunit.Abstractions;
using static Sharemint.EndToEnd.Tests.FlowTestSupport;

namespace Sharemint.EndToEnd.Tests;

/// <summary>
/// Random sequences (FsCheck generators) of mint, redeem, move, pause, resume and hard crash-restart across the three
/// chains, against the real silo. After every sequence invariants 1-7 hold, the partner's real balances equal what the
/// settled orders say, and reconciliation reports zero drift between ledger and chains.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class InvariantPropertyTests(PlatformFixture platform, ITestOutputHelper output)
{
    private const string Symbol = "NVDAx";
    private readonly Holders _holders = new(platform);

    public abstract record Step;
    public sealed record Mint(string Chain, int Cents) : Step;
    public sealed record Redeem(string Chain, int Cents) : Step;
    public sealed record Move(string From, string To, int Cents) : Step;
    public sealed record Pause(string Chain) : Step;
    public sealed record Resume(string Chain) : Step;
    public sealed record MintThenCrash(string Chain, int Cents) : Step;

    private static Gen<Step> StepGen()
    {
        var chain = Gen.Elements(PlatformFixture.Chains);
        var cents = Gen.Choose(1, 150);
        return Gen.Frequency(
            (4, chain.Zip(cents).Select(t => (Step)new Mint(t.Item1, t.Item2))),
            (2, chain.Zip(cents).Select(t => (Step)new Redeem(t.Item1, t.Item2))),
            (3, chain.Zip(chain).Where(t => t.Item1 != t.Item2).Zip(cents).Select(t => (Step)new Move(t.Item1.Item1, t.Item1.Item2, t.Item2))),
            (1, chain.Select(c => (Step)new Pause(c))),
            (1, chain.Select(c => (Step)new Resume(c))),
            (1, chain.Zip(cents).Select(t => (Step)new MintThenCrash(t.Item1, t.Item2))));
    }

    [Fact]
    public async Task Invariants_hold_after_random_sequences_with_crashes()
    {
        var sequences = Gen.Sample(Gen.ListOf(StepGen(), 7), 10, 2);
        foreach (var sequence in sequences)
        {
            output.WriteLine("sequence: " + string.Join(", ", sequence));
            await RunAsync(sequence);
        }
    }

    private async Task RunAsync(IEnumerable<Step> sequence)
    {
        foreach (var chain in PlatformFixture.Chains.Where(c => c != "solana"))
        {
            await _holders.ApproveIssuerAsync(Symbol, chain, Tokens(1_000_000m));
        }
        var expected = new Dictionary<string, CanonicalAmount>();
        foreach (var chain in PlatformFixture.Chains)
        {
            expected[chain] = await _holders.BalanceAsync(Symbol, chain);
        }
        var paused = new HashSet<string>();

        foreach (var step in sequence)
        {
            switch (step)
            {
                case Mint(var chain, var cents):
                    if (await PlaceAndFinishMintAsync(chain, cents, crash: false, paused) is { Status: OrderStatus.Settled } mint)
                    {
                        expected[chain] += mint.Amount;
                    }
                    break;
                case MintThenCrash(var chain, var cents):
                    if (await PlaceAndFinishMintAsync(chain, cents, crash: true, paused) is { Status: OrderStatus.Settled } crashed)
                    {
                        expected[chain] += crashed.Amount;
                    }
                    break;
                case Redeem(var chain, var cents):
                    var redeemed = await FinishAsync(() => platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceRedeemAsync(
                        new RedeemOrderRequest(PlatformFixture.Partner, Symbol, chain, _holders.Wallet(chain), Cents(cents), null)), chain, paused);
                    if (redeemed is { Status: OrderStatus.Settled })
                    {
                        expected[chain] -= redeemed.Amount;
                    }
                    break;
                case Move(var from, var to, var cents):
                    var moved = await FinishAsync(() => platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceTransferAsync(
                        new TransferOrderRequest(PlatformFixture.Partner, Symbol, from, _holders.Wallet(from), to, _holders.Wallet(to), Cents(cents))),
                        from, paused, to);
                    if (moved is { Status: OrderStatus.Settled })
                    {
                        expected[from] -= moved.Amount;
                        expected[to] += moved.Amount;
                    }
                    break;
                case Pause(var chain):
                    await Bridge(chain).SetPausedAsync(OperationId.From($"prop-pause-{Guid.NewGuid():N}"), true);
                    paused.Add(chain);
                    break;
                case Resume(var chain):
                    await Bridge(chain).SetPausedAsync(OperationId.From($"prop-resume-{Guid.NewGuid():N}"), false);
                    paused.Remove(chain);
                    break;
            }
            await AssertBackedAndConservedAsync();
        }
        foreach (var chain in paused)
        {
            await Bridge(chain).SetPausedAsync(OperationId.From($"prop-resume-{Guid.NewGuid():N}"), false);
        }

        foreach (var chain in PlatformFixture.Chains)
        {
            Assert.Equal(expected[chain], await _holders.BalanceAsync(Symbol, chain));
        }
        var attestation = await platform.Grains.GetGrain<IReservesGrain>(Symbol).ReconcileAsync();
        Assert.All(attestation.Report.Deployments, d => Assert.Equal(0, d.DriftUnits));
        Assert.True(attestation.Report.Balanced, attestation.Payload);
    }

    private async Task<OrderSnapshot?> PlaceAndFinishMintAsync(string chain, int cents, bool crash, HashSet<string> paused)
    {
        var quote = await platform.QuoteAsync(Symbol, QuoteSide.Mint, Cents(cents));
        var place = () => platform.Grains.GetGrain<IOrderGrain>(NewOrderId())
            .PlaceMintAsync(new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, chain, _holders.Wallet(chain)));
        if (!crash)
        {
            return await FinishAsync(place, chain, paused);
        }
        OrderSnapshot placed;
        try
        {
            placed = await place();
        }
        catch (LedgerException error) when (error.Error is LedgerError.ChainPaused)
        {
            return null;
        }
        // Kill -9 while the order is in flight, then let a fresh process finish it.
        await platform.RestartSiloAsync();
        return await WaitTerminalAsync(placed.OrderId);
    }

    /// <summary>Places an order; a paused chain must refuse it up front (invariant 6) or leave it waiting until resumed.</summary>
    private async Task<OrderSnapshot?> FinishAsync(Func<Task<OrderSnapshot>> place, string chain, HashSet<string> paused, string? otherChain = null)
    {
        var supplies = new Dictionary<string, CanonicalAmount>();
        foreach (var c in paused)
        {
            supplies[c] = await _holders.SupplyAsync(Symbol, c);
        }
        try
        {
            var placed = await place();
            return await WaitTerminalAsync(placed.OrderId);
        }
        catch (LedgerException error) when (error.Error is LedgerError.ChainPaused)
        {
            Assert.True(paused.Contains(chain) || (otherChain is not null && paused.Contains(otherChain)), error.Message);
            foreach (var (c, supply) in supplies)
            {
                Assert.Equal(supply, await _holders.SupplyAsync(Symbol, c));
            }
            return null;
        }
    }

    private async Task<OrderSnapshot> WaitTerminalAsync(string orderId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var order = await platform.Grains.GetGrain<IOrderGrain>(orderId).GetAsync();
            if (order.IsTerminal)
            {
                return order;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Order {orderId} stuck at {order.Status}: {string.Join(" / ", order.Steps.Select(s => s.Name))}");
            }
            await Task.Delay(100);
        }
    }

    private async Task AssertBackedAndConservedAsync()
    {
        var asset = await platform.Grains.GetGrain<IAssetGrain>(Symbol).GetAsync();
        var supply = CanonicalAmount.Zero;
        foreach (var chain in PlatformFixture.Chains)
        {
            supply += (await Bridge(chain).GetAsync()).Supply;
        }
        Assert.Equal(asset.Issued, supply + asset.InTransit);
        Assert.True(asset.CustodyShares >= asset.ReservedShares + asset.BackingShares, "custody must back issued and reserved");
    }

    private IChainBridgeGrain Bridge(string chain) => platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(Symbol, chain));

    private static CanonicalAmount Cents(int cents) => CanonicalAmount.FromTokens(cents / 100m);
}
