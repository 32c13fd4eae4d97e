using Sharemint.Bridges;
using Sharemint.Operations;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>Issue 11 behaviours 2 and 5 for moves: a failed destination mint retried once, and one stuck batch holding up nothing else.</summary>
[Collection(SignerCollection.Name)]
public sealed class BridgeRetryTests(SignerFixture fixture)
{
    [Fact]
    public async Task A_move_whose_first_destination_mint_failed_mints_once_on_retry_and_transit_returns_to_zero()
    {
        // Source: Solana, burned from the holder through the permanent delegate; destination: evm-a, paused at first.
        var source = await Deployment.CreateAsync(fixture, "solana");
        var holder = Chains.Solana.Keypair.Generate().PublicKey.ToString();
        var funded = await source.RequestMintAsync(OperationId.New("ord"), holder, Tokens(5m));
        Assert.Equal(ChainOperationState.Recorded, (await source.MintDoneAsync(funded)).State);

        // The destination deployment belongs to the same asset: configure evm-a's bridge for it.
        var token = await fixture.Signer("evm-a").DeployTokenAsync(new TokenDeploymentRequest(source.Symbol, "Test xStock", Units.Multiplier.One));
        var destination = new Deployment(fixture, "evm-a", source.Symbol, token);
        await destination.Bridge.ConfigureAsync(new DeploymentConfig(token.TokenAddress, token.Decimals));
        await destination.SetTokenPausedAsync(true);

        var transfer = OperationId.New("move");
        await source.Bridge.RequestBurnAsync(transfer.Step("burn"), new ChainBurnRequest(BurnPurpose.TransferOut, holder, Tokens(2m)));
        Assert.Equal(ChainOperationState.Recorded, (await source.BurnDoneAsync(transfer.Step("burn"))).State);
        Assert.Equal(Tokens(2m), (await source.Asset.GetAsync()).InTransit);

        var wallet = Deployment.EvmWallet();
        var request = new ChainMintRequest(MintBacking.Transit, transfer.Step("burn").Value, wallet, Tokens(2m));
        await destination.Bridge.RequestMintAsync(transfer.Step("mint"), request);
        Assert.Equal(ChainOperationState.Failed, (await destination.MintDoneAsync(transfer.Step("mint"))).State);
        Assert.Equal(Tokens(2m), (await source.Asset.GetAsync()).InTransit);

        await destination.SetTokenPausedAsync(false);
        Assert.Equal(ChainOperationState.Failed, (await destination.Bridge.RequestMintAsync(transfer.Step("mint"), request)).State);
        await destination.Bridge.RequestMintAsync(transfer.Step("mint-1"), request);
        Assert.Equal(ChainOperationState.Recorded, (await destination.MintDoneAsync(transfer.Step("mint-1"))).State);

        Assert.Equal(Tokens(2m), await destination.BalanceAsync(wallet));
        Assert.Equal(Tokens(3m), await source.BalanceAsync(holder));
        var asset = await source.Asset.GetAsync();
        Assert.Equal(Tokens(0m), asset.InTransit);
        Assert.Equal(Tokens(5m), asset.Issued);
        await source.AssertLedgerEqualsChainAsync();
        await destination.AssertLedgerEqualsChainAsync();
    }

    [Fact]
    public async Task A_batch_whose_recording_keeps_failing_does_not_hold_up_the_next_batch()
    {
        var deployment = await Deployment.CreateAsync(fixture, "evm-a");
        var stuckOrder = OperationId.New("ord");
        var stuck = await deployment.RequestMintAsync(stuckOrder, Deployment.EvmWallet(), Tokens(1m));
        // Its backing disappears before the batch turns final, so recording it fails on every pass.
        await deployment.Asset.ReleaseReservationAsync(stuckOrder.Step("reserve"));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await deployment.Bridge.GetMintProgressAsync(stuck)).State != ChainOperationState.Submitted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the first batch was never submitted");
            await Task.Delay(50);
        }

        var wallet = Deployment.EvmWallet();
        var next = await deployment.RequestMintAsync(OperationId.New("ord"), wallet, Tokens(2m));
        Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(next)).State);
        Assert.Equal(Tokens(2m), await deployment.BalanceAsync(wallet));
        Assert.Equal(ChainOperationState.Submitted, (await deployment.Bridge.GetMintProgressAsync(stuck)).State);
    }
}
