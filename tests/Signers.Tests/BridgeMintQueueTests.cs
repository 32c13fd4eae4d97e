using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Operations;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// A requested mint waits in the bridge's memory and is first written by the batch that takes it, before the signer sees
/// anything. These tests hold that boundary: no write per request, a lost activation forgets what was only in memory (and
/// the caller's second ask mints once), and a process that dies between the batch write and the signer resumes that batch.
/// </summary>
[Collection(SignerCollection.Name)]
public sealed class BridgeMintQueueTests(SignerFixture fixture)
{
    [Fact]
    public async Task A_requested_mint_is_not_written_until_batched_and_a_lost_activation_forgets_it_so_the_second_ask_mints_once()
    {
        var deployment = await Deployment.CreateAsync(fixture, "evm-a");
        var wallet = Deployment.EvmWallet();
        var order = OperationId.New("ord");
        var mint = order.Step("mint");
        var request = new ChainMintRequest(MintBacking.Reservation, order.Step("reserve").Value, wallet, Tokens(3m));
        await deployment.Asset.ReserveCustodyAsync(order.Step("reserve"), "evm-a", Tokens(3m));
        // Mint-paused: nothing may be batched, so the request stays in memory for as long as the test needs.
        await deployment.Asset.SetStatusAsync(OperationId.New("pause"), AssetStatus.MintPaused);
        var before = await deployment.Bridge.GetAsync();

        Assert.Equal(ChainOperationState.Queued, (await deployment.Bridge.RequestMintAsync(mint, request)).State);
        Assert.Equal(ChainOperationState.Queued, (await deployment.Bridge.RequestMintAsync(mint, request)).State);
        var conflict = await Assert.ThrowsAsync<LedgerException>(() => deployment.Bridge.RequestMintAsync(mint, request with { Amount = Tokens(2m) }));
        Assert.Equal(LedgerError.IdempotencyConflict, conflict.Error);
        Assert.Equal(ChainOperationState.Queued, (await deployment.Bridge.GetMintProgressAsync(mint)).State);
        var waiting = await deployment.Bridge.GetAsync();
        Assert.Equal(1, waiting.PendingChainOperations);
        Assert.Equal(before.Version, waiting.Version);

        // Every activation goes: the request was only in memory, so the bridge no longer knows it.
        await fixture.RestartClusterAsync();
        var unknown = await Assert.ThrowsAsync<LedgerException>(() => deployment.Bridge.GetMintProgressAsync(mint));
        Assert.Equal(LedgerError.InvalidArgument, unknown.Error);
        Assert.Equal(0, (await deployment.Bridge.GetAsync()).PendingChainOperations);

        // The caller (an order, whose intent is durable) asks again; once minting resumes, it is minted once.
        Assert.Equal(ChainOperationState.Queued, (await deployment.Bridge.RequestMintAsync(mint, request)).State);
        await deployment.Asset.SetStatusAsync(OperationId.New("resume"), AssetStatus.Active);
        Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(mint)).State);
        Assert.Equal(ChainOperationState.Recorded, (await deployment.Bridge.RequestMintAsync(mint, request)).State);
        Assert.Equal(Tokens(3m), await deployment.BalanceAsync(wallet));
        var after = await deployment.Bridge.GetAsync();
        Assert.Equal(Tokens(3m), after.Minted);
        Assert.Equal(0, after.PendingChainOperations);
        Assert.Equal(Tokens(3m), (await deployment.Asset.GetAsync()).Issued);
        await deployment.AssertLedgerEqualsChainAsync();
    }

    [Fact]
    public async Task Mints_asked_for_together_share_one_batch_write()
    {
        var deployment = await Deployment.CreateAsync(fixture, "evm-a");
        var wallets = Enumerable.Range(0, 4).Select(_ => Deployment.EvmWallet()).ToList();
        var orders = wallets.Select(_ => OperationId.New("ord")).ToList();
        foreach (var order in orders)
        {
            await deployment.Asset.ReserveCustodyAsync(order.Step("reserve"), "evm-a", Tokens(1m));
        }
        // Mint-paused while they are asked for, so all four wait for the same batch.
        await deployment.Asset.SetStatusAsync(OperationId.New("pause"), AssetStatus.MintPaused);
        var before = (await deployment.Bridge.GetAsync()).Version;
        var mints = new List<OperationId>();
        foreach (var (order, wallet) in orders.Zip(wallets))
        {
            await deployment.Bridge.RequestMintAsync(order.Step("mint"), new ChainMintRequest(MintBacking.Reservation, order.Step("reserve").Value, wallet, Tokens(1m)));
            mints.Add(order.Step("mint"));
        }

        await deployment.Asset.SetStatusAsync(OperationId.New("resume"), AssetStatus.Active);
        foreach (var mint in mints)
        {
            Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(mint)).State);
        }
        foreach (var wallet in wallets)
        {
            Assert.Equal(Tokens(1m), await deployment.BalanceAsync(wallet));
        }
        // One batch: its composition, its submission and its final record; none per mint.
        Assert.Equal(before + 3, (await deployment.Bridge.GetAsync()).Version);
        await deployment.AssertLedgerEqualsChainAsync();
    }

    [Fact]
    public async Task A_process_dying_after_the_batch_write_and_before_the_signer_resumes_that_batch_and_mints_once()
    {
        var deployment = await Deployment.CreateAsync(fixture, "evm-a");
        var key = DeploymentKey.For(deployment.Symbol, "evm-a");
        var wallet = Deployment.EvmWallet();
        try
        {
            // Every submission fails before delivery until the restart: the batch is written, the signer never sees it.
            var fired = fixture.Faults.Arm(key, SignerCallPoint.SubmitMint, SignerFaultMode.FailBefore);
            var mint = await deployment.RequestMintAsync(OperationId.New("ord"), wallet, Tokens(2m));
            await fired.WaitAsync(TimeSpan.FromSeconds(60));
            await fixture.Faults.Arm(key, SignerCallPoint.SubmitMint, SignerFaultMode.FailBefore).WaitAsync(TimeSpan.FromSeconds(60));
            _ = fixture.Faults.Arm(key, SignerCallPoint.SubmitMint, SignerFaultMode.FailBefore);
            var unsigned = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer("evm-a").CheckAsync($"{key}/mint/0"));
            Assert.Equal(LedgerError.InvalidArgument, unsigned.Error);

            await fixture.RestartClusterAsync();
            fixture.Faults.Disarm();
            // The batch was durable, so the restarted bridge still knows the mint and sends that batch.
            Assert.NotEqual(ChainOperationState.Failed, (await deployment.Bridge.GetMintProgressAsync(mint)).State);
            Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(mint)).State);
            Assert.Equal(ChainWriteState.Final, (await fixture.Signer("evm-a").CheckAsync($"{key}/mint/0")).State);
            Assert.Equal(Tokens(2m), await deployment.BalanceAsync(wallet));
            Assert.Equal(Tokens(2m), (await deployment.Bridge.GetAsync()).Minted);
            Assert.Equal(Tokens(2m), (await deployment.Asset.GetAsync()).Issued);
            await deployment.AssertLedgerEqualsChainAsync();
        }
        finally
        {
            fixture.Faults.Disarm();
        }
    }
    [Fact]
    public async Task Two_activations_holding_the_same_requested_mint_put_it_in_one_batch_and_mint_it_once()
    {
        var deployment = await Deployment.CreateAsync(fixture, "evm-a");
        var key = DeploymentKey.For(deployment.Symbol, "evm-a");
        var wallet = Deployment.EvmWallet();
        var order = OperationId.New("ord");
        var mint = order.Step("mint");
        var request = new ChainMintRequest(MintBacking.Reservation, order.Step("reserve").Value, wallet, Tokens(2m));
        await deployment.Asset.ReserveCustodyAsync(order.Step("reserve"), "evm-a", Tokens(2m));
        var second = await fixture.StartSecondClusterAsync();
        try
        {
            // Both activations read the state before either hears of the mint, so both hold it in memory against the same
            // stored version: one batch write wins, the other fails, reloads, and must not put the mint in a second batch.
            var other = second.Client.GetGrain<IChainBridgeGrain>(key);
            await other.GetAsync();
            await deployment.Bridge.GetAsync();
            await Task.WhenAll(deployment.Bridge.RequestMintAsync(mint, request), other.RequestMintAsync(mint, request));

            Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(mint)).State);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while ((await other.GetMintProgressAsync(mint)).State != ChainOperationState.Recorded)
            {
                Assert.True(DateTime.UtcNow < deadline, "the second activation never saw the mint recorded");
                await Task.Delay(100);
            }
            Assert.Equal(ChainWriteState.Final, (await fixture.Signer("evm-a").CheckAsync($"{key}/mint/0")).State);
            var noSecondBatch = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer("evm-a").CheckAsync($"{key}/mint/1"));
            Assert.Equal(LedgerError.InvalidArgument, noSecondBatch.Error);
            Assert.Equal(Tokens(2m), await deployment.BalanceAsync(wallet));
            Assert.Equal(Tokens(2m), (await deployment.Bridge.GetAsync()).Minted);
            await deployment.AssertLedgerEqualsChainAsync();
        }
        finally
        {
            await second.DisposeAsync();
        }
    }
    [Fact]
    public async Task A_mint_waiting_in_memory_when_delisting_starts_fails_for_good_and_nothing_is_minted()
    {
        var deployment = await Deployment.CreateAsync(fixture, "evm-a");
        var wallet = Deployment.EvmWallet();
        var order = OperationId.New("ord");
        var mint = order.Step("mint");
        var request = new ChainMintRequest(MintBacking.Reservation, order.Step("reserve").Value, wallet, Tokens(1m));
        await deployment.Asset.ReserveCustodyAsync(order.Step("reserve"), "evm-a", Tokens(1m));
        await deployment.Asset.SetStatusAsync(OperationId.New("pause"), AssetStatus.MintPaused);
        Assert.Equal(ChainOperationState.Queued, (await deployment.Bridge.RequestMintAsync(mint, request)).State);

        // Delisting never lets minting resume: the mint held only in memory ends like a stored unsent one, for good.
        await deployment.Asset.DelistAsync(OperationId.New("delist"), DateTimeOffset.UtcNow.AddMinutes(10));
        var ended = await deployment.MintDoneAsync(mint);
        Assert.Equal(ChainOperationState.Failed, ended.State);
        Assert.Equal("asset_delisting", ended.FailureCode);
        Assert.Equal(ChainOperationState.Failed, (await deployment.Bridge.RequestMintAsync(mint, request)).State);
        var after = await deployment.Bridge.GetAsync();
        Assert.Equal(0, after.PendingChainOperations);
        Assert.Equal(Tokens(0m), after.Minted);
        Assert.Equal(Tokens(0m), await deployment.BalanceAsync(wallet));
        await deployment.AssertLedgerEqualsChainAsync();
    }
}
