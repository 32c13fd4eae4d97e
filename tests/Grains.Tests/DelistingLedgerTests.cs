using Sharemint.Assets;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Grains.Tests.LedgerSetup;

namespace Sharemint.Grains.Tests;

/// <summary>The asset ledger during and after a delisting: burns only inside the window, nothing after.</summary>
[Collection(LedgerClusterCollection.Name)]
public sealed class DelistingLedgerTests(LedgerClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Window_refuses_mints_allows_burns_then_closes_for_everything()
    {
        const string symbol = "DLS1x";
        var asset = await AssetWithCustodyAsync(_grains, symbol, 10m);
        await MintAsync(_grains, symbol, "solana", CanonicalAmount.FromTokens(4m));

        var until = DateTimeOffset.UtcNow.AddSeconds(3);
        var delisting = await asset.DelistAsync(Op("delist"), until);
        Assert.Equal(AssetStatus.Delisting, delisting.Status);
        Assert.Equal(until, delisting.RedeemUntil);

        var mint = await Assert.ThrowsAsync<LedgerException>(() => asset.ReserveCustodyAsync(Op(), "solana", CanonicalAmount.FromTokens(1m)));
        Assert.Equal(LedgerError.AssetDelisting, mint.Error);
        var halt = await Assert.ThrowsAsync<LedgerException>(() => asset.SetStatusAsync(Op(), AssetStatus.Halted));
        Assert.Equal(LedgerError.AssetDelisting, halt.Error);
        var burning = await asset.AuthorizeBurnAsync(Op("burn"), "solana", CanonicalAmount.FromTokens(1m));
        Assert.Equal(CanonicalAmount.FromTokens(1m), burning.PendingBurn);

        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while ((await asset.GetAsync()).Status != AssetStatus.Delisted)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the window did not close");
            await Task.Delay(200);
        }
        var closed = await asset.GetAsync();
        var burn = await Assert.ThrowsAsync<LedgerException>(() => asset.AuthorizeBurnAsync(Op(), "solana", CanonicalAmount.FromTokens(1m)));
        Assert.Equal(LedgerError.AssetDelisted, burn.Error);
        Assert.Equal(closed, await asset.GetAsync());

        Assert.Equal(closed.Issued, (await asset.GetAsync()).Issued);
    }
}
