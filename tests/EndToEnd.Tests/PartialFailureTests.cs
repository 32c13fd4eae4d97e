using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Faults;
using Sharemint.Operations;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Units;
using static Sharemint.EndToEnd.Tests.FlowTestSupport;

namespace Sharemint.EndToEnd.Tests;

/// <summary>Named scenarios of issue 11 at the order boundary: lost replies, cancels racing a burn, waiting on a pause.</summary>
[Collection(PlatformCollection.Name)]
public sealed class PartialFailureTests(PlatformFixture platform)
{
    private readonly Holders _holders = new(platform);

    private IFaultInjectionGrain Faults => platform.Grains.GetGrain<IFaultInjectionGrain>(0);

    /// <summary>Behaviour 1: a burn request whose reply was lost may exist; a cancel must not abandon it.</summary>
    [Fact]
    public async Task A_burn_whose_reply_was_lost_is_never_cancelled_and_pays_once()
    {
        const string chain = "ethereum";
        await platform.EnsureRunningAsync();
        await platform.MintAsync(_holders, "NVDAx", chain, Tokens(1m));
        await _holders.ApproveIssuerAsync("NVDAx", chain, Tokens(0.5m));
        var balance = await _holders.BalanceAsync("NVDAx", chain);
        var cash = await platform.CashAsync();
        var orderId = NewOrderId();
        await Faults.ArmAsync(new FaultSpec(orderId, new FaultPoint("IChainBridgeGrain.RequestBurnAsync", 1), FaultMode.LoseReply));
        for (var n = 2; n <= 15; n++)
        {
            await Faults.ArmAsync(new FaultSpec(orderId, new FaultPoint("IChainBridgeGrain.RequestBurnAsync", n), FaultMode.FailBeforeDelivery));
        }

        var order = platform.Grains.GetGrain<IOrderGrain>(orderId);
        await order.PlaceRedeemAsync(new RedeemOrderRequest(PlatformFixture.Partner, "NVDAx", chain, _holders.Wallet(chain), Tokens(0.5m), null));
        await WaitUntilAsync(async () => (await Faults.GetFiredAsync(orderId)).Count >= 1);
        var refused = await Assert.ThrowsAsync<LedgerException>(() => order.CancelAsync());
        Assert.Equal(LedgerError.OrderNotCancellable, refused.Error);

        var settled = await platform.WaitForOrderAsync(orderId, OrderStatus.Settled);
        Assert.Equal(balance - Tokens(0.5m), await _holders.BalanceAsync("NVDAx", chain));
        Assert.Equal(cash + settled.Cash!.Value, await platform.CashAsync());
        var ledger = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("NVDAx", chain)).GetAsync();
        Assert.Equal(await _holders.SupplyAsync("NVDAx", chain), ledger.Supply);
    }

    /// <summary>Behaviour 7 (and 6): a reserved mint waiting on a paused chain neither writes nor buys again on every tick.</summary>
    [Fact]
    public async Task A_mint_waiting_on_a_paused_chain_writes_nothing_per_tick_and_buys_once()
    {
        const string chain = "bnb";
        await platform.EnsureRunningAsync();
        var amount = Tokens(0.4m);
        var balance = await _holders.BalanceAsync("TSLAx", chain);
        var cash = await platform.CashAsync();
        var bridge = platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("TSLAx", chain));
        var orderId = NewOrderId();
        // Hold the order at its first reservation for a moment, so the chain can be paused after placement.
        for (var n = 1; n <= 10; n++)
        {
            await Faults.ArmAsync(new FaultSpec(orderId, new FaultPoint("IAssetGrain.TryReserveCustodyAsync", n), FaultMode.FailBeforeDelivery));
        }
        var quote = await platform.QuoteAsync("TSLAx", QuoteSide.Mint, amount);
        var order = platform.Grains.GetGrain<IOrderGrain>(orderId);
        await order.PlaceMintAsync(new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, chain, _holders.Wallet(chain)));
        await bridge.SetPausedAsync(OperationId.From($"pause-{Guid.NewGuid():N}"), true);
        try
        {
            await WaitUntilAsync(async () => (await order.GetAsync()).Steps[^1].Name == "waiting:mint");
            var waiting = await order.GetAsync();
            await Task.Delay(TimeSpan.FromSeconds(2));
            var later = await order.GetAsync();
            Assert.Equal(waiting.Steps.Count, later.Steps.Count);
            Assert.Equal(waiting.Version, later.Version);
        }
        finally
        {
            await bridge.SetPausedAsync(OperationId.From($"resume-{Guid.NewGuid():N}"), false);
        }

        var settled = await platform.WaitForOrderAsync(orderId, OrderStatus.Settled);
        Assert.True(settled.Steps.Count(s => s.Name == "bought") <= 1, string.Join(", ", settled.Steps.Select(s => s.Name)));
        Assert.Equal(balance + amount, await _holders.BalanceAsync("TSLAx", chain));
        Assert.Equal(cash - quote.Total, await platform.CashAsync());
        var asset = await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync();
        Assert.True(asset.CustodyShares >= asset.ReservedShares + asset.BackingShares);
    }

    /// <summary>Behaviour 9: the on-chain blocklist ends in the state the list says, however fast the list changes.</summary>
    [Fact]
    public async Task An_address_added_removed_and_added_again_ends_blocked_on_every_evm_deployment()
    {
        await platform.EnsureRunningAsync();
        var address = "0x" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
        var list = platform.Grains.GetGrain<Sharemint.Compliance.ISanctionsListGrain>(0);
        await list.AddAsync(OperationId.From($"add-{Guid.NewGuid():N}"), "ethereum", address, "test listing");
        await list.RemoveAsync(OperationId.From($"remove-{Guid.NewGuid():N}"), "bnb", address);
        await list.AddAsync(OperationId.From($"add-{Guid.NewGuid():N}"), "bnb", address, "listed again");

        async Task<bool> BlockedEverywhereAsync()
        {
            foreach (var symbol in PlatformFixture.Symbols)
            {
                foreach (var chain in new[] { "ethereum", "bnb" })
                {
                    if (!await _holders.IsBlockedAsync(symbol, chain, address))
                    {
                        return false;
                    }
                }
            }
            return true;
        }

        // Blocked everywhere, and still so once every queued write has had time to land.
        await WaitUntilAsync(BlockedEverywhereAsync);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.True(await BlockedEverywhereAsync());
        Assert.True(await list.IsSanctionedAsync("ethereum", address));
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("condition not reached in 30 s");
            }
            await Task.Delay(50);
        }
    }
}
