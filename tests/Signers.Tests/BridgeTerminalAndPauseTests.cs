using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Operations;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>Issue 11, behaviours 2 and 5 at the bridge, on real chains: terminal operation ids, and pause means stop.</summary>
[Collection(SignerCollection.Name)]
public sealed class BridgeTerminalAndPauseTests(SignerFixture fixture)
{
    [Fact]
    public async Task A_failed_mint_id_is_never_queued_again_and_the_retry_under_a_new_id_mints_exactly_once()
    {
        var deployment = await Deployment.CreateAsync(fixture, "evm-a");
        var wallet = Deployment.EvmWallet();
        await deployment.SetTokenPausedAsync(true);

        var order = OperationId.New("ord");
        var first = await deployment.RequestMintAsync(order, wallet, Tokens(2m));
        var failed = await deployment.MintDoneAsync(first);
        Assert.Equal(ChainOperationState.Failed, failed.State);
        Assert.Equal("token_paused", failed.FailureCode);

        // The token comes back; asking again under the failed id must not queue it a second time.
        await deployment.SetTokenPausedAsync(false);
        var again = await deployment.Bridge.RequestMintAsync(first,
            new ChainMintRequest(MintBacking.Reservation, order.Step("reserve").Value, wallet, Tokens(2m)));
        Assert.Equal(ChainOperationState.Failed, again.State);
        Assert.Equal(0, (await deployment.Bridge.GetAsync()).PendingChainOperations);

        // The order's retry (a new mint id against a new reservation) mints once.
        await deployment.Asset.ReleaseReservationAsync(order.Step("reserve"));
        var retryOrder = OperationId.New("ord");
        var retry = await deployment.RequestMintAsync(retryOrder, wallet, Tokens(2m), "mint-1");
        Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(retry)).State);
        Assert.Equal(ChainOperationState.Failed, (await deployment.Bridge.GetMintProgressAsync(first)).State);
        Assert.Equal(Tokens(2m), await deployment.BalanceAsync(wallet));
        Assert.Equal(Tokens(2m), (await deployment.Asset.GetAsync()).Issued);
        await deployment.AssertLedgerEqualsChainAsync();
    }

    [Fact]
    public async Task A_queued_mint_is_not_sent_while_the_asset_is_mint_paused_and_goes_once_it_resumes()
    {
        var deployment = await Deployment.CreateAsync(fixture, "evm-a");
        var wallet = Deployment.EvmWallet();
        var order = OperationId.New("ord");
        await deployment.Asset.ReserveCustodyAsync(order.Step("reserve"), "evm-a", Tokens(3m));
        await deployment.Asset.SetStatusAsync(OperationId.New("pause"), AssetStatus.MintPaused);

        var mint = order.Step("mint");
        await deployment.Bridge.RequestMintAsync(mint, new ChainMintRequest(MintBacking.Reservation, order.Step("reserve").Value, wallet, Tokens(3m)));
        // Several batch windows and work periods pass: nothing may reach the chain.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(ChainOperationState.Queued, (await deployment.Bridge.GetMintProgressAsync(mint)).State);
        Assert.Equal(Tokens(0m), await deployment.BalanceAsync(wallet));

        await deployment.Asset.SetStatusAsync(OperationId.New("resume"), AssetStatus.Active);
        Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(mint)).State);
        Assert.Equal(Tokens(3m), await deployment.BalanceAsync(wallet));
        await deployment.AssertLedgerEqualsChainAsync();
    }

    [Fact]
    public async Task A_mint_final_on_chain_is_recorded_even_when_the_asset_paused_while_it_was_in_flight()
    {
        // evm-b needs two confirmations and mines only when asked: the mint is sent, then the asset pauses, then it turns final.
        var deployment = await Deployment.CreateAsync(fixture, "evm-b");
        var wallet = Deployment.EvmWallet();
        var mint = await deployment.RequestMintAsync(OperationId.New("ord"), wallet, Tokens(4m));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await deployment.Bridge.GetMintProgressAsync(mint)).State != ChainOperationState.Submitted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the mint was never submitted");
            await Task.Delay(50);
        }
        await deployment.Asset.SetStatusAsync(OperationId.New("pause"), AssetStatus.Halted);

        Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(mint)).State);
        Assert.Equal(Tokens(4m), await deployment.BalanceAsync(wallet));
        Assert.Equal(Tokens(4m), (await deployment.Asset.GetAsync()).Issued);
        await deployment.AssertLedgerEqualsChainAsync();
    }

    [Fact]
    public async Task A_queued_redemption_burn_is_not_sent_while_the_chain_deployment_is_paused()
    {
        var deployment = await Deployment.CreateAsync(fixture, "evm-a");
        var holder = await fixture.EvmHolderAsync(fixture.AnvilA, SignerFixture.ChainIdA, deployment.Token.TokenAddress);
        var mint = await deployment.RequestMintAsync(OperationId.New("ord"), holder.Address, Tokens(5m));
        Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(mint)).State);

        // The chain goes down while the burn is asked for: it is queued, not sent. Then the deployment pauses.
        fixture.GateA.Mode = GateMode.Down;
        ChainOperationProgress queued;
        var burn = OperationId.New("ord").Step("burn");
        try
        {
            queued = await deployment.Bridge.RequestBurnAsync(burn, new ChainBurnRequest(BurnPurpose.TransferOut, holder.Address, Tokens(1m)));
            await deployment.Bridge.SetPausedAsync(OperationId.New("pause"), true);
        }
        finally
        {
            fixture.GateA.Mode = GateMode.Open;
        }
        Assert.Equal(ChainOperationState.Queued, queued.State);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(ChainOperationState.Queued, (await deployment.Bridge.GetBurnProgressAsync(burn)).State);
        Assert.Equal(Tokens(5m), await deployment.BalanceAsync(holder.Address));
        await deployment.AssertLedgerEqualsChainAsync();
    }
}
