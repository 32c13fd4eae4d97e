using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Chains.Evm;
using Sharemint.Orders;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>Issue 11 behaviour 4 at the bridge: a deposit the platform cannot process is held for operators and the watcher goes on.</summary>
[Collection(SignerCollection.Name)]
public sealed class DepositWatcherTests(SignerFixture fixture)
{
    private const ulong Wei = 1_000_000_000_000_000_000UL;

    [Fact]
    public async Task A_deposit_whose_placement_is_refused_is_held_and_the_next_deposit_still_becomes_an_order()
    {
        // A deployment whose asset is not (yet) in the ledger: placing a redemption for it is refused.
        var symbol = NewSymbol()[..6] + "x";
        var token = await fixture.Signer("evm-a").DeployTokenAsync(new TokenDeploymentRequest(symbol, "Test xStock", Units.Multiplier.One));
        var bridge = fixture.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, "evm-a"));
        await bridge.ConfigureAsync(new DeploymentConfig(token.TokenAddress, token.Decimals));
        var holder = await fixture.EvmHolderAsync(fixture.AnvilA, SignerFixture.ChainIdA, token.TokenAddress);
        var mint = Write($"watch-mint-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (holder.Address, Tokens(5m)));
        await fixture.Signer("evm-a").SubmitAsync(mint);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-a", mint.WriteId)).State);
        var redemption = EvmAddress.Parse((await fixture.Signer("evm-a").GetInfoAsync()).RedemptionAddress);

        await holder.Token.TransferAsync(holder.Sender, redemption, new UInt256(Wei), "first");
        await bridge.StartWatchingAsync();
        var held = await UntilAsync(async () => await bridge.GetHeldDepositsAsync() is { Count: 1 } list ? list : null, "the refused deposit to be held");
        Assert.StartsWith("asset_not_found", held[0].Reason, StringComparison.Ordinal);
        Assert.Equal(Tokens(1m), held[0].Deposit.Amount);

        // The asset arrives; the next deposit is placed as an order while the held one stays parked (not redeemed).
        await fixture.Grains.GetGrain<IAssetGrain>(symbol).DefineAsync(new AssetDefinition(symbol, "TSLA", "Tesla xStock", "US88160R1014", AssetKind.Stock));
        await holder.Token.TransferAsync(holder.Sender, redemption, new UInt256(2 * Wei), "second");
        var placed = await UntilAsync(async () =>
        {
            var snapshot = await bridge.GetAsync();
            return snapshot.Watching && await HasOrderForAmountAsync(token, 2) is { } order ? order : null;
        }, "the second deposit to become an order");
        Assert.Equal(OrderKind.Redeem, placed.Kind);
        Assert.Single(await bridge.GetHeldDepositsAsync());
    }

    private async Task<OrderSnapshot?> HasOrderForAmountAsync(TokenDeployment token, decimal tokens)
    {
        var scan = await fixture.Signer("evm-a").ScanDepositsAsync(token.TokenAddress, token.Decimals, null, 100);
        foreach (var deposit in scan.Deposits.Where(d => d.Amount == Tokens(tokens)))
        {
            try
            {
                return await fixture.Grains.GetGrain<IOrderGrain>(OrderIds.ForDeposit("evm-a", deposit.DepositId)).GetAsync();
            }
            catch (Errors.LedgerException e) when (e.Error == Errors.LedgerError.OrderNotFound)
            {
                return null;
            }
        }
        return null;
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }
}
