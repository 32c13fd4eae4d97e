using Sharemint.Orders;
using Sharemint.Saga.Tests.StandIns;

namespace Sharemint.Saga.Tests;

/// <summary>
/// The shares a redemption frees and the inventory a mint may reserve are the same shares: whichever order takes them
/// first, the broker must still hold what backs every token.
/// </summary>
public sealed class RedemptionInventoryTests
{
    [Fact]
    public async Task A_mint_that_reserves_a_redemptions_freed_shares_as_inventory_never_leaves_its_tokens_unbacked_at_the_broker()
    {
        // Found by the real platform's property run (seed 134388): a redemption sold its shares at the broker, its
        // custody removal timed out, and a mint reserved those same shares, still in custody on the ledger, as
        // inventory. The removal was refused for good (it would have left the mint's tokens unbacked), the redemption
        // hung after "burned", and the broker held fewer shares than the tokens in circulation.
        var harness = new SagaHarness(new ScriptedFaults(("asset.custody-out", Fault.FailBeforeDelivery)));
        harness.World.AddPartner("p1", 0m);
        var minter = harness.World.AddPartner("p2", 10_000m);
        harness.Seed("p1", "solana", 2m);

        Assert.Equal("ok", await harness.PlaceRedeemAsync("r1", "p1", "solana", 2m));
        for (var round = 0; round < 10 && harness.Stored("r1")!.Stage is not (OrderStage.Sell or OrderStage.Pay); round++)
        {
            await harness.ChainWorkAsync();
            await harness.TickAsync("r1");
        }
        Assert.Equal(OrderStage.Sell, harness.Stored("r1")!.Stage);
        Assert.Equal(0m, harness.World.Asset.Reserved);

        Assert.Equal("ok", await harness.PlaceMintAsync("m1", "p2", "solana", 2m));
        // The mint is driven before the redemption's next tick: it finds the freed shares still in custody.
        for (var round = 0; round < 10 && !harness.Stored("m1")!.Reserved; round++)
        {
            await harness.TickAsync("m1");
            harness.World.Clock.Advance(TimeSpan.FromSeconds(10));
        }
        Assert.True(harness.Stored("m1")!.Reserved);
        await harness.SettleAllAsync();

        Assert.Equal(OrderStatus.Settled, harness.Stored("r1")!.Status);
        Assert.Equal(OrderStatus.Settled, harness.Stored("m1")!.Status);
        var atBroker = 2m + harness.World.Broker.Bought - harness.World.Broker.Sold;
        Assert.True(atBroker >= 2m, $"the broker holds {atBroker} shares behind 2 tokens");
        Assert.True(harness.Stored("r1")!.Cash > 0m);
        Assert.True(minter.Captured > 0m);
        Assert.Empty(harness.Violations(quiescent: true));
    }
}
