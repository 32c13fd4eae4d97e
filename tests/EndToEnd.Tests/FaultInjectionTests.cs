using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Faults;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Units;
using Xunit.Abstractions;
using static Sharemint.EndToEnd.Tests.FlowTestSupport;

namespace Sharemint.EndToEnd.Tests;

/// <summary>
/// Systematic fault injection at every boundary an order crosses: each money-moving call an order makes to another
/// grain (asset, account, quote, bridge) is found by running the flow once with recording on, then every one of those
/// calls × {lost before delivery, delivered with its reply lost} is injected into a fresh order of the same kind. After
/// each, the partner's balance read from the chain, the partner's cash, issued, in transit and ledger = chain must be
/// exactly what one clean run gives. The partner retries a placement that failed, with the same order id.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class FaultInjectionTests(PlatformFixture platform, ITestOutputHelper output)
{
    private static readonly FaultMode[] InProcessModes = [FaultMode.FailBeforeDelivery, FaultMode.LoseReply];
    private readonly Holders _holders = new(platform);

    private IFaultInjectionGrain Faults => platform.Grains.GetGrain<IFaultInjectionGrain>(0);

    [Fact]
    public async Task Mint_settles_exactly_once_under_every_fault_at_every_boundary()
    {
        await platform.EnsureRunningAsync();
        var pairs = await EnumerateAsync("mint", orderId => MintAsync(orderId, "bnb"), InProcessModes);
        Assert.True(pairs >= 8, $"only {pairs} point × mode pairs ran");
    }

    [Fact]
    public async Task Api_redemption_pays_exactly_once_under_every_fault_at_every_boundary()
    {
        await platform.EnsureRunningAsync();
        await platform.MintAsync(_holders, "NVDAx", "ethereum", Tokens(3m));
        await _holders.ApproveIssuerAsync("NVDAx", "ethereum", Tokens(3m));
        var pairs = await EnumerateAsync("redeem", RedeemAsync, InProcessModes);
        Assert.True(pairs >= 6, $"only {pairs} point × mode pairs ran");
    }

    [Fact]
    public async Task Move_lands_exactly_once_under_every_fault_at_every_boundary()
    {
        await platform.EnsureRunningAsync();
        await platform.MintAsync(_holders, "TSLAx", "ethereum", Tokens(3m));
        await _holders.ApproveIssuerAsync("TSLAx", "ethereum", Tokens(3m));
        var pairs = await EnumerateAsync("move", MoveAsync, InProcessModes);
        Assert.True(pairs >= 6, $"only {pairs} point × mode pairs ran");
    }

    [Fact]
    public async Task Deposit_redemption_pays_exactly_once_under_every_fault_at_every_boundary()
    {
        await platform.EnsureRunningAsync();
        await platform.MintAsync(_holders, "NVDAx", "bnb", Tokens(3m));
        var pairs = await EnumerateAsync("deposit", DepositAsync, InProcessModes, deposit: true);
        Assert.True(pairs >= 6, $"only {pairs} point × mode pairs ran");
    }

    /// <summary>
    /// Mode (c) needs a real process stop, so the three flows share one test: at every boundary of each flow the silo
    /// runs the callee's effect and then stops hard; a fresh silo on the same database and chains must finish the order.
    /// </summary>
    [Fact]
    public async Task Every_flow_finishes_exactly_once_when_the_process_dies_after_each_effect()
    {
        await platform.EnsureRunningAsync();
        await platform.MintAsync(_holders, "NVDAx", "ethereum", Tokens(3m));
        await _holders.ApproveIssuerAsync("NVDAx", "ethereum", Tokens(3m));
        await platform.MintAsync(_holders, "TSLAx", "ethereum", Tokens(3m));
        await _holders.ApproveIssuerAsync("TSLAx", "ethereum", Tokens(3m));
        await platform.MintAsync(_holders, "NVDAx", "bnb", Tokens(3m));
        FaultMode[] crash = [FaultMode.CrashAfterEffect];
        var pairs = await EnumerateAsync("mint", orderId => MintAsync(orderId, "bnb"), crash)
            + await EnumerateAsync("redeem", RedeemAsync, crash)
            + await EnumerateAsync("move", MoveAsync, crash)
            + await EnumerateAsync("deposit", DepositAsync, crash, deposit: true);
        Assert.True(pairs >= 15, $"only {pairs} crash points ran");
    }

    /// <summary>
    /// Runs the flow once recording its calls, then once per point × mode; returns the number of pairs run. The source
    /// whose calls are faulted is the order: its id for orders the test places, a pattern for deposit redemptions (whose
    /// order the watcher creates).
    /// </summary>
    private async Task<int> EnumerateAsync(string flow, Func<string, Task<FlowRun>> start, IReadOnlyList<FaultMode> modes, bool deposit = false)
    {
        string NewSource() => deposit ? $"dep_*{Guid.NewGuid():N}" : NewOrderId();
        var discovery = NewSource();
        await Faults.RecordAsync(discovery);
        await RunAsync(await start(discovery), null, discovery);
        var points = await Faults.GetCallsAsync(discovery);
        output.WriteLine($"{flow}: {points.Count} money boundaries: {string.Join(", ", points)}");
        Assert.NotEmpty(points);

        var ran = 0;
        var failures = new List<string>();
        foreach (var point in points)
        {
            foreach (var mode in modes)
            {
                var orderId = NewSource();
                try
                {
                    await platform.EnsureRunningAsync();
                    var run = await start(orderId);
                    await Faults.ArmAsync(new FaultSpec(orderId, point, mode));
                    await RunAsync(run, mode, orderId);
                    if (mode != FaultMode.CrashAfterEffect)
                    {
                        Assert.True((await Faults.GetFiredAsync(orderId)).Count == 1, $"the fault at {point} was never reached");
                    }
                }
                catch (Exception error) when (error is not OutOfMemoryException)
                {
                    failures.Add($"{flow} {point} {mode}: {error.Message}");
                }
                ran++;
            }
        }
        output.WriteLine($"{flow}: {ran} point × mode pairs run ({string.Join(", ", modes)}), {failures.Count} failed");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
        return ran;
    }

    /// <summary>
    /// Places as a partner would (a placement whose reply never came is sent again with the same order id), waits for
    /// the order to settle, then checks the chains and the ledger. With a crash armed, the silo must stop at the point;
    /// it is started again and the placement retried before waiting.
    /// </summary>
    private async Task RunAsync(FlowRun run, FaultMode? mode, string orderId)
    {
        if (mode == FaultMode.CrashAfterEffect)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            var delivered = false;
            while (!platform.Silo.HasExited)
            {
                if (DateTime.UtcNow > deadline)
                {
                    var log = string.Join("\n", platform.Silo.Output.Split('\n').Where(l => l.Contains(orderId, StringComparison.Ordinal)).TakeLast(20));
                    Assert.Fail($"the silo never reached its crash point for {orderId}\n{log}");
                }
                if (!delivered)
                {
                    try
                    {
                        await run.Place();
                        delivered = true;
                    }
                    catch (Exception error) when (error is not LedgerException)
                    {
                        // The process stopped before its reply left, or the client is still reconnecting: place again.
                    }
                }
                await Task.Delay(50);
            }
            await platform.RestartSiloAsync();
        }
        OrderSnapshot placed;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                placed = await run.Place();
                break;
            }
            catch (Exception error) when (error is not LedgerException && attempt < 5)
            {
                await Task.Delay(200);
            }
        }
        Assert.NotEqual(OrderStatus.Failed, placed.Status);
        var settled = await platform.WaitForOrderAsync(placed.OrderId, OrderStatus.Settled, TimeSpan.FromSeconds(45));
        await run.Verify(settled);
    }

    /// <summary>One run of a flow: the placement (repeatable with the same order id) and the checks after it settled.</summary>
    private sealed record FlowRun(Func<Task<OrderSnapshot>> Place, Func<OrderSnapshot, Task> Verify);

    private async Task<FlowRun> MintAsync(string orderId, string chain)
    {
        var amount = Tokens(0.3m);
        var balance = await _holders.BalanceAsync("TSLAx", chain);
        var cash = await platform.CashAsync();
        var issued = (await Asset("TSLAx").GetAsync()).Issued;
        var quote = await platform.QuoteAsync("TSLAx", QuoteSide.Mint, amount);
        var request = new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, chain, _holders.Wallet(chain));
        return new FlowRun(
            async () =>
            {
                try
                {
                    return await platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceMintAsync(request);
                }
                catch (LedgerException error) when (error.Error == LedgerError.QuoteNotFound)
                {
                    // Quotes live in memory: a process that died before the order was saved took the quote with it. The
                    // partner asks for the quote again (same id, same request) and places again under the same order id.
                    await platform.Grains.GetGrain<IQuoteGrain>(quote.QuoteId)
                        .CreateAsync(new QuoteRequest(PlatformFixture.Partner, "TSLAx", QuoteSide.Mint, amount));
                    return await platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceMintAsync(request);
                }
            },
            async settled =>
            {
                Assert.Equal(balance + amount, await _holders.BalanceAsync("TSLAx", chain));
                Assert.Equal(settled.Quote?.Total, settled.Cash);
                Assert.Equal(cash - settled.Cash, await platform.CashAsync());
                Assert.Equal(issued + amount, (await Asset("TSLAx").GetAsync()).Issued);
                await AssertLedgerEqualsChainsAsync("TSLAx");
            });
    }

    private async Task<FlowRun> RedeemAsync(string orderId)
    {
        const string chain = "ethereum";
        var amount = Tokens(0.2m);
        var balance = await _holders.BalanceAsync("NVDAx", chain);
        var cash = await platform.CashAsync();
        var issued = (await Asset("NVDAx").GetAsync()).Issued;
        var request = new RedeemOrderRequest(PlatformFixture.Partner, "NVDAx", chain, _holders.Wallet(chain), amount, null);
        return new FlowRun(
            () => platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceRedeemAsync(request),
            async settled =>
            {
                Assert.Equal(balance - amount, await _holders.BalanceAsync("NVDAx", chain));
                Assert.Equal(cash + settled.Cash!.Value, await platform.CashAsync());
                Assert.Equal(issued - amount, (await Asset("NVDAx").GetAsync()).Issued);
                await AssertLedgerEqualsChainsAsync("NVDAx");
            });
    }

    private async Task<FlowRun> MoveAsync(string orderId)
    {
        var amount = Tokens(0.2m);
        var from = await _holders.BalanceAsync("TSLAx", "ethereum");
        var to = await _holders.BalanceAsync("TSLAx", "solana");
        var issued = (await Asset("TSLAx").GetAsync()).Issued;
        var request = new TransferOrderRequest(
            PlatformFixture.Partner, "TSLAx", "ethereum", _holders.Wallet("ethereum"), "solana", _holders.Wallet("solana"), amount);
        return new FlowRun(
            () => platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceTransferAsync(request),
            async _ =>
            {
                Assert.Equal(from - amount, await _holders.BalanceAsync("TSLAx", "ethereum"));
                Assert.Equal(to + amount, await _holders.BalanceAsync("TSLAx", "solana"));
                var asset = await Asset("TSLAx").GetAsync();
                Assert.Equal(issued, asset.Issued);
                Assert.True(asset.InTransit.IsZero, $"in transit {asset.InTransit}");
                await AssertLedgerEqualsChainsAsync("TSLAx");
            });
    }

    /// <summary>
    /// A deposit to the redemption address, redeemed by the order the watcher places. The deposit is sent once; placing
    /// again only finds its order (id from the chain, transaction and the transfer's position in it).
    /// </summary>
    private async Task<FlowRun> DepositAsync(string pattern)
    {
        const string chain = "bnb";
        var amount = Tokens(0.2m);
        var balance = await _holders.BalanceAsync("NVDAx", chain);
        var cash = await platform.CashAsync();
        var issued = (await Asset("NVDAx").GetAsync()).Issued;
        var redemption = await _holders.RedemptionAddressAsync(chain);
        string? orderId = null;
        return new FlowRun(
            async () =>
            {
                orderId ??= OrderIds.ForDeposit(chain, $"{await _holders.SendAsync("NVDAx", chain, redemption, amount)}:0");
                var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                while (true)
                {
                    try
                    {
                        return await platform.Grains.GetGrain<IOrderGrain>(orderId).GetAsync();
                    }
                    catch (LedgerException error) when (error.Error == LedgerError.OrderNotFound && DateTime.UtcNow < deadline)
                    {
                        await Task.Delay(100);
                    }
                }
            },
            async settled =>
            {
                Assert.Equal(amount, settled.Amount);
                Assert.Equal(balance - amount, await _holders.BalanceAsync("NVDAx", chain));
                Assert.Equal(cash + settled.Cash!.Value, await platform.CashAsync());
                Assert.Equal(issued - amount, (await Asset("NVDAx").GetAsync()).Issued);
                if (await Faults.GetBoundSourceAsync(pattern) is { } bound)
                {
                    Assert.Equal(settled.OrderId, bound);
                }
                await AssertLedgerEqualsChainsAsync("NVDAx");
            });
    }

    private IAssetGrain Asset(string symbol) => platform.Grains.GetGrain<IAssetGrain>(symbol);

    private async Task AssertLedgerEqualsChainsAsync(string symbol)
    {
        var asset = await Asset(symbol).GetAsync();
        var total = CanonicalAmount.Zero;
        foreach (var chain in PlatformFixture.Chains)
        {
            var ledger = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain)).GetAsync();
            Assert.Equal(await _holders.SupplyAsync(symbol, chain), ledger.Supply);
            total += ledger.Supply;
        }
        Assert.Equal(asset.Issued, total + asset.InTransit);
        Assert.True(asset.CustodyShares >= asset.ReservedShares + asset.BackingShares);
    }
}
