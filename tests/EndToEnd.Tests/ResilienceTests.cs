using Sharemint.Bridges;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Signers.Tests;
using static Sharemint.EndToEnd.Tests.FlowTestSupport;

namespace Sharemint.EndToEnd.Tests;

/// <summary>Outages of the parts the silo depends on: orders wait, then resume and finish exactly once.</summary>
[Collection(PlatformCollection.Name)]
public sealed class ResilienceTests(PlatformFixture platform)
{
    private readonly Holders _holders = new(platform);

    [Fact]
    public async Task Orders_wait_while_the_chain_rpc_is_down_and_finish_once_it_is_back()
    {
        var balance = await _holders.BalanceAsync("TSLAx", "bnb");
        var quote = await platform.QuoteAsync("TSLAx", QuoteSide.Mint, Tokens(0.9m));
        platform.BnbGate.Mode = GateMode.Down;
        OrderSnapshot order;
        try
        {
            order = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId())
                .PlaceMintAsync(new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, "bnb", _holders.Wallet("bnb")));
            await Task.Delay(TimeSpan.FromSeconds(4));
            var waiting = await platform.Grains.GetGrain<IOrderGrain>(order.OrderId).GetAsync();
            Assert.False(waiting.IsTerminal, $"the order cannot finish while the chain is unreachable ({waiting.Status})");
        }
        finally
        {
            platform.BnbGate.Mode = GateMode.Open;
        }
        await platform.WaitForOrderAsync(order.OrderId, OrderStatus.Settled);
        Assert.Equal(balance + Tokens(0.9m), await _holders.BalanceAsync("TSLAx", "bnb"));
        var ledger = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("TSLAx", "bnb")).GetAsync();
        Assert.Equal(await _holders.SupplyAsync("TSLAx", "bnb"), ledger.Supply);
    }

    [Fact]
    public async Task Orders_resume_after_postgresql_restarts_mid_flow()
    {
        var balance = await _holders.BalanceAsync("NVDAx", "bnb");
        var quote = await platform.QuoteAsync("NVDAx", QuoteSide.Mint, Tokens(0.35m));
        // Hold the order mid-flow (its chain is unreachable), then take the database away under it.
        platform.BnbGate.Mode = GateMode.Down;
        OrderSnapshot order;
        try
        {
            order = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId())
                .PlaceMintAsync(new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, "bnb", _holders.Wallet("bnb")));
            await WaitForStepAsync(order.OrderId, "mint-queued");
            await platform.Postgres.StopAsync();
            platform.BnbGate.Mode = GateMode.Open;
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        finally
        {
            platform.BnbGate.Mode = GateMode.Open;
            if (!platform.Postgres.IsRunning)
            {
                await platform.Postgres.StartAsync();
            }
        }
        await platform.WaitForOrderAsync(order.OrderId, OrderStatus.Settled, TimeSpan.FromMinutes(3));
        Assert.Equal(balance + Tokens(0.35m), await _holders.BalanceAsync("NVDAx", "bnb"));
        var ledger = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("NVDAx", "bnb")).GetAsync();
        Assert.Equal(await _holders.SupplyAsync("NVDAx", "bnb"), ledger.Supply);
    }

    private async Task WaitForStepAsync(string orderId, string step)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await platform.Grains.GetGrain<IOrderGrain>(orderId).GetAsync()).Steps.All(s => s.Name != step))
        {
            Assert.True(DateTime.UtcNow < deadline, $"order {orderId} never reached {step}");
            await Task.Delay(100);
        }
    }
}
