using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Operations;
using Sharemint.Orders;
using Sharemint.Quotes;
using static Sharemint.EndToEnd.Tests.FlowTestSupport;

namespace Sharemint.EndToEnd.Tests;

/// <summary>
/// Delisting while orders are in flight, on the real silo: AMDx (in the demo catalogue, used by no other end-to-end test) is
/// deployed on ethereum and bnb for this test, since a delisting is for good.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class DelistingFlowTests(PlatformFixture platform)
{
    private const string Symbol = "AMDx";
    private const string Chain = "ethereum";
    private const string OtherChain = "bnb";
    private readonly Holders _holders = new(platform);

    [Fact]
    public async Task A_mint_in_flight_when_delisting_starts_is_refunded_and_a_deposit_after_the_close_is_held()
    {
        await platform.EnsureRunningAsync();
        await DeployAsync();
        await platform.MintAsync(_holders, Symbol, Chain, Tokens(1m));
        var asset = platform.Grains.GetGrain<IAssetGrain>(Symbol);
        var bridge = platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(Symbol, Chain));
        var cashBefore = await platform.CashAsync();
        var supplyBefore = await _holders.SupplyAsync(Symbol, Chain);
        var ledgerSupplyBefore = (await bridge.GetAsync()).Supply;

        // Two mints in flight when the delisting starts. An open corporate-action window holds new reservations, so each
        // order is accepted and then waits at a known step: the first (ethereum) with custody reserved and its chain write
        // refused while the chain is paused, the second (bnb) before reserving. Both hold cash.
        var window = $"test-window-{Guid.NewGuid():N}";
        var first = await platform.QuoteAsync(Symbol, QuoteSide.Mint, Tokens(0.5m));
        await asset.OpenCorporateActionWindowAsync(window);
        var queued = await PlaceMintAsync(first);
        var inFlight = new List<string> { queued };
        await WaitForStepAsync(queued, "waiting:reserve");
        await bridge.SetPausedAsync(OperationId.From($"pause-{Guid.NewGuid():N}"), true);
        try
        {
            await asset.CloseCorporateActionWindowAsync(window);
            await WaitForStepAsync(queued, "waiting:mint");
            Assert.True((await asset.GetAsync()).ReservedShares > 0, "the first mint reserved custody");
            var second = await platform.QuoteAsync(Symbol, QuoteSide.Mint, Tokens(0.25m));
            await asset.OpenCorporateActionWindowAsync(window + "b");
            // On bnb, which is not paused: the order is accepted and waits for the window.
            var reserving = await PlaceMintAsync(second, OtherChain);
            inFlight.Add(reserving);
            await WaitForStepAsync(reserving, "waiting:reserve");
            Assert.True(await platform.CashAsync() < cashBefore, "the mints hold cash");

            var until = DateTimeOffset.UtcNow.AddSeconds(8);
            Assert.Equal(AssetStatus.Delisting, (await asset.DelistAsync(OperationId.From($"delist-{Guid.NewGuid():N}"), until)).Status);
            await asset.CloseCorporateActionWindowAsync(window + "b");
        }
        finally
        {
            await bridge.SetPausedAsync(OperationId.From($"resume-{Guid.NewGuid():N}"), false);
        }

        // The chain is open again but the asset no longer mints: both orders end, refunded, and nothing reaches the chain.
        foreach (var orderId in inFlight)
        {
            var failed = await platform.WaitForOrderAsync(orderId, OrderStatus.Failed, TimeSpan.FromSeconds(45));
            Assert.Equal("asset_delisting", failed.FailureCode);
        }
        Assert.Equal(cashBefore, await platform.CashAsync());
        Assert.Equal(0m, (await asset.GetAsync()).ReservedShares);
        Assert.Equal(supplyBefore, await _holders.SupplyAsync(Symbol, Chain));
        Assert.Equal(Tokens(0m), await _holders.SupplyAsync(Symbol, OtherChain));
        Assert.Equal(ledgerSupplyBefore, (await bridge.GetAsync()).Supply);
        Assert.Equal(0, (await bridge.GetAsync()).PendingChainOperations);

        // After the window closes, tokens sent to the redemption address are held for operators, never burned.
        await WaitForStatusAsync(asset, AssetStatus.Delisted);
        var since = DateTimeOffset.UtcNow;
        await _holders.SendAsync(Symbol, Chain, await _holders.RedemptionAddressAsync(Chain), Tokens(0.25m));
        var held = await platform.WaitForDepositOrderAsync(Chain, OrderStatus.Held, since);
        Assert.Equal("asset_delisted", held.FailureCode);
        Assert.Equal(Tokens(0.25m), held.Amount);
        Assert.Equal(supplyBefore, await _holders.SupplyAsync(Symbol, Chain));
        Assert.Equal(cashBefore, await platform.CashAsync());
    }

    private async Task<string> PlaceMintAsync(Quote quote, string chain = Chain)
    {
        var placed = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId())
            .PlaceMintAsync(new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, chain, _holders.Wallet(chain)));
        return placed.OrderId;
    }

    private async Task DeployAsync()
    {
        var job = platform.Grains.GetGrain<IAssetDeploymentGrain>(Symbol);
        var progress = await job.DeployAsync([Chain, OtherChain]);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!progress.Done)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{Symbol} not deployed: {string.Join("; ", progress.Chains.Select(c => $"{c.Chain} {c.State} {c.Problem}"))}");
            await Task.Delay(250);
            progress = await job.GetProgressAsync();
        }
        // The deposit watcher starts with the deployment; ask it once more so the test does not race its first scan.
        await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(Symbol, Chain)).StartWatchingAsync();
    }

    private async Task WaitForStepAsync(string orderId, string step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while (true)
        {
            var order = await platform.Grains.GetGrain<IOrderGrain>(orderId).GetAsync();
            if (order.Steps.Any(s => s.Name == step))
            {
                return;
            }
            Assert.False(order.IsTerminal, $"Order {orderId} ended {order.Status} ({order.FailureCode}) before {step}");
            Assert.True(DateTime.UtcNow < deadline, $"Order {orderId} never reached {step}: {string.Join(", ", order.Steps.Select(s => s.Name))}");
            await Task.Delay(100);
        }
    }

    private static async Task WaitForStatusAsync(IAssetGrain asset, AssetStatus status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await asset.GetAsync()).Status != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"asset never reached {status}");
            await Task.Delay(250);
        }
    }
}
