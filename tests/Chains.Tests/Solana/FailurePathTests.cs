using System.Net;
using System.Net.Sockets;
using Sharemint.Chains.Solana;
using Xunit;

namespace Sharemint.Chains.Tests.Solana;

[Collection(SolanaDevnetCollection.Name)]
public sealed class FailurePathTests(SolanaDevnetFixture fixture)
{
    private SolanaDevnet Devnet => fixture.Devnet;

    private static async Task<SolanaException> Fails(SolanaErrorKind kind, Func<Task> action)
    {
        var e = await Assert.ThrowsAnyAsync<SolanaException>(action);
        Assert.True(kind == e.Kind, $"expected {kind}, got {e.Kind}: {e.Message}");
        return e;
    }

    [Fact]
    public async Task Mint_that_does_not_exist_is_a_typed_error_and_sends_nothing()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var missing = Keypair.Generate().PublicKey;
        await Fails(SolanaErrorKind.AccountNotFound, () => issuer.Client.MintAsync("m", missing, issuer.Authority, Keypair.Generate().PublicKey, 1));
        Assert.Empty(issuer.Store.Records);
        var rpcError = await Fails(SolanaErrorKind.RpcError, () => Devnet.Rpc.GetTokenSupplyAsync(missing));
        Assert.Equal(-32602, ((SolanaRpcException)rpcError).Code);
        // An account that exists but is not a mint.
        await Fails(SolanaErrorKind.InvalidAccountData, () => issuer.Client.GetMintAsync(issuer.Authority.PublicKey));
        // Burning from a holder without a token account.
        var mint = await issuer.CreateMintAsync();
        await Fails(SolanaErrorKind.AccountNotFound, () => issuer.Client.BurnAsync("b", mint, Keypair.Generate().PublicKey, issuer.Authority, 1));
    }

    [Fact]
    public async Task Frozen_destination_refuses_the_mint_and_supply_is_unchanged()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var holder = Keypair.Generate().PublicKey;
        await issuer.Client.MintAsync("m1", mint, issuer.Authority, holder, 100);
        await issuer.Client.FreezeAsync("f1", mint, holder, issuer.Authority);
        var e = await Fails(SolanaErrorKind.AccountFrozen, () => issuer.Client.MintAsync("m2", mint, issuer.Authority, holder, 100));
        var rpc = Assert.IsType<SolanaRpcException>(e);
        Assert.Equal(-32002, rpc.Code);
        Assert.NotEmpty(rpc.Logs);
        Assert.Equal(100UL, await issuer.Client.GetSupplyAsync(mint));
        // The record stays pending: after thawing, the same operation completes with the same bytes.
        var pending = await issuer.Store.GetAsync("m2", default);
        Assert.Equal(SignedTransactionState.Pending, pending!.State);
        await issuer.Client.ThawAsync("t1", mint, holder, issuer.Authority);
        var outcome = await issuer.Client.MintAsync("m2", mint, issuer.Authority, holder, 100);
        Assert.Equal(pending.Signature, outcome.Signature);
        Assert.Equal(200UL, await issuer.Client.GetSupplyAsync(mint));
    }

    [Fact]
    public async Task Paused_mint_refuses_mint_burn_and_transfer()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var holder = await Devnet.FundedKeypairAsync(1_000_000_000);
        await issuer.Client.MintAsync("m1", mint, issuer.Authority, holder.PublicKey, 100);
        await issuer.Client.PauseAsync("p1", mint, issuer.Authority);
        await Fails(SolanaErrorKind.MintPaused, () => issuer.Client.MintAsync("m2", mint, issuer.Authority, holder.PublicKey, 100));
        await Fails(SolanaErrorKind.MintPaused, () => issuer.Client.BurnAsync("b1", mint, holder.PublicKey, holder, 10));
        await Fails(SolanaErrorKind.MintPaused, () => issuer.Client.TransferAsync("t1", mint, holder, Keypair.Generate().PublicKey, 10));
        Assert.Equal(100UL, await issuer.Client.GetSupplyAsync(mint));
        Assert.Equal(100UL, await issuer.Client.GetBalanceAsync(mint, holder.PublicKey));
    }

    [Fact]
    public async Task Wrong_signer_is_refused_by_the_program()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var impostor = Keypair.Generate();
        await Fails(SolanaErrorKind.WrongSigner, () => issuer.Client.MintAsync("m1", mint, impostor, Keypair.Generate().PublicKey, 100));
        await Fails(SolanaErrorKind.WrongSigner, () => issuer.Client.PauseAsync("p1", mint, impostor));
        await Fails(SolanaErrorKind.WrongSigner, () => issuer.Client.UpdateMultiplierAsync("u1", mint, impostor, 2_000_000_000_000_000_000, 0));
        Assert.Equal(0UL, await issuer.Client.GetSupplyAsync(mint));
        Assert.False((await issuer.Client.GetMintAsync(mint)).IsPaused);
    }

    [Fact]
    public async Task Forged_signature_is_refused_by_the_node()
    {
        var payer = await Devnet.FundedKeypairAsync();
        var bh = await Devnet.Rpc.GetLatestBlockhashAsync();
        var tx = new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(bh.Blockhash)
            .Add(SystemProgram.Transfer(payer.PublicKey, Keypair.Generate().PublicKey, 1000)).Build(payer);
        var wire = tx.Serialize();
        wire[10] ^= 0xff;
        var e = await Fails(SolanaErrorKind.SignatureVerificationFailed, () => Devnet.Rpc.SendTransactionAsync(wire));
        Assert.Equal(-32003, ((SolanaRpcException)e).Code);
        Assert.Equal(10_000_000_000UL, await Devnet.Rpc.GetBalanceAsync(payer.PublicKey));
    }

    [Fact]
    public async Task Expired_blockhash_is_refused_with_blockhash_not_found()
    {
        var payer = await Devnet.FundedKeypairAsync();
        var bh = await Devnet.Rpc.GetLatestBlockhashAsync();
        var tx = new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(bh.Blockhash)
            .Add(SystemProgram.Transfer(payer.PublicKey, Keypair.Generate().PublicKey, 1000)).Build(payer);
        await Devnet.AdvanceBlocksAsync(200);
        Assert.False(await Devnet.Rpc.IsBlockhashValidAsync(bh.Blockhash));
        Assert.True(await Devnet.Rpc.GetBlockHeightAsync() > bh.LastValidBlockHeight);
        var e = await Fails(SolanaErrorKind.BlockhashExpired, () => Devnet.Rpc.SendTransactionAsync(tx));
        var rpc = (SolanaRpcException)e;
        Assert.Equal(-32002, rpc.Code);
        Assert.Equal("BlockhashNotFound", rpc.TransactionError!.Name);
        // With preflight skipped the node drops it: the signature never appears.
        await Devnet.Rpc.SendTransactionAsync(tx, new SendOptions(SkipPreflight: true));
        Assert.Null((await Devnet.Rpc.GetSignatureStatusesAsync([tx.Signature]))[0]);
        Assert.Equal(10_000_000_000UL, await Devnet.Rpc.GetBalanceAsync(payer.PublicKey));
    }

    [Fact]
    public async Task Invalid_params_come_back_as_rpc_errors_with_code_and_message()
    {
        var e = await Assert.ThrowsAsync<SolanaRpcException>(() => Devnet.Rpc.CallAsync("getBalance", ["not-base58-0OIl"]));
        Assert.Equal(-32602, e.Code);
        Assert.Equal(SolanaErrorKind.RpcError, e.Kind);
        e = await Assert.ThrowsAsync<SolanaRpcException>(() => Devnet.Rpc.CallAsync("noSuchMethod", []));
        Assert.Equal(-32601, e.Code);
        e = await Assert.ThrowsAsync<SolanaRpcException>(() => Devnet.Rpc.SendTransactionAsync([1, 2, 3]));
        Assert.Equal(-32602, e.Code);
    }

    [Fact]
    public async Task Rpc_timeout_and_unreachable_node_are_typed_and_cancellation_is_honoured()
    {
        // A listener that accepts connections but never answers.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var silent = new SolanaRpcClient(new Uri($"http://127.0.0.1:{port}/"), TimeSpan.FromMilliseconds(300));
            await Fails(SolanaErrorKind.RpcUnavailable, () => silent.GetSlotAsync());
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            using var patient = new SolanaRpcClient(new Uri($"http://127.0.0.1:{port}/"), TimeSpan.FromSeconds(30));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => patient.GetSlotAsync(ct: cts.Token));
        }
        finally
        {
            listener.Stop();
        }
        using var nobody = new SolanaRpcClient(new Uri($"http://127.0.0.1:{SolanaDevnet.FreePort()}/"), TimeSpan.FromSeconds(5));
        await Fails(SolanaErrorKind.RpcUnavailable, () => nobody.GetHealthAsync());
    }

    [Fact]
    public async Task A_sender_whose_node_is_unreachable_writes_ahead_nothing()
    {
        using var nobody = new SolanaRpcClient(new Uri($"http://127.0.0.1:{SolanaDevnet.FreePort()}/"), TimeSpan.FromSeconds(5));
        var store = new InMemorySignedTransactionStore();
        var sender = new TransactionSender(nobody, store, Issuer.FastSender);
        var payer = Keypair.Generate();
        await Fails(SolanaErrorKind.RpcUnavailable, () => sender.SendAsync("op", bh => new TransactionBuilder().SetFeePayer(payer.PublicKey)
            .SetRecentBlockhash(bh.Blockhash).Add(SystemProgram.Transfer(payer.PublicKey, payer.PublicKey, 1)).Build(payer)));
        Assert.Empty(store.Records);
    }
}
