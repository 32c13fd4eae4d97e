using System.Diagnostics;
using System.Text.Json;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Chains.Tron;
using Xunit;

namespace Sharemint.Chains.Tests.Tron;

/// <summary>Our Tron client against the local node (devnet/tron), and TronWeb against the same node.</summary>
[Collection(TronDevnetCollection.Name)]
public sealed class TronNodeTests(TronDevnetFixture fixture)
{
    private static readonly string ArtifactPath = Path.Combine(SolanaDevnet.RepoRoot, "contracts", "out", SharemintTokenArtifact.FileName);
    private readonly TronDevnet _node = fixture.Devnet;

    private static Hash32 OpId(string name) => Hash32.FromKey(name + Guid.NewGuid());

    private async Task<(TronToken Token, EvmPrivateKey Issuer)> DeployAsync()
    {
        var issuer = await _node.FundedKeyAsync();
        var artifact = SharemintTokenArtifact.Load(ArtifactPath);
        var token = await TronToken.DeployAsync(_node.Client, artifact, await File.ReadAllTextAsync(ArtifactPath), issuer, "Tesla xStock", "TSLAx",
            TronAddress.FromPublicKey(issuer.PublicKey), SharemintToken.MultiplierOne);
        return (token, issuer);
    }

    [Fact]
    public async Task Deploys_mints_a_batch_burns_and_refuses_a_replayed_operation_id()
    {
        var (token, issuerKey) = await DeployAsync();
        var issuer = TronAddress.FromPublicKey(issuerKey.PublicKey);
        Assert.Equal("TSLAx", await token.SymbolAsync());
        var alice = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey);
        var bob = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey);
        var batchId = OpId("batch");

        var minted = await token.SendAsync(token.MintBatchCall(issuer, [alice, bob, issuer], [100, 250, 1_000], batchId), issuerKey);
        Assert.Equal(TronTxState.Succeeded, minted.State);
        Assert.True(minted.EnergyUsed > 0);
        Assert.Equal(new UInt256(1_350), await token.TotalSupplyAsync());
        Assert.Equal(new UInt256(250), await token.BalanceOfAsync(bob));
        Assert.True(await token.IsOperationAppliedAsync(batchId));

        // The same operation id again: refused by the simulation, nothing signed, supply unchanged.
        await Assert.ThrowsAsync<OperationAlreadyAppliedException>(() => token.SendAsync(token.MintBatchCall(issuer, [alice], [5], batchId), issuerKey));
        await Assert.ThrowsAsync<OperationAlreadyAppliedException>(() => token.SendAsync(token.MintCall(issuer, alice, 5, batchId), issuerKey));

        var burned = await token.SendAsync(token.BurnCall(issuer, 400, OpId("burn")), issuerKey);
        Assert.Equal(TronTxState.Succeeded, burned.State);
        Assert.Equal(new UInt256(950), await token.TotalSupplyAsync());
        Assert.Equal(new UInt256(600), await token.BalanceOfAsync(issuer));

        // A replay that bypasses the simulation lands and fails on chain (REVERT): the guard holds there too.
        var replay = await _node.Client.BuildAsync(token.MintCall(issuer, alice, 5, batchId), TronToken.DefaultFeeLimit);
        var replayed = await _node.Client.SendAndWaitAsync(replay.Sign(issuerKey));
        Assert.Equal(TronTxState.Failed, replayed.State);
        Assert.Equal("REVERT", replayed.Result);
        Assert.IsType<OperationAlreadyAppliedException>(token.Abi.Decode(replayed.ContractResult!, replayed.TxId));
        Assert.Equal(new UInt256(950), await token.TotalSupplyAsync());

        // Pause, blocklist and multiplier work as on EVM.
        await token.SendAsync(token.SetBlockedCall(issuer, bob, true), issuerKey);
        Assert.True(await token.IsBlockedAsync(bob));
        var nonce = await token.MultiplierNonceAsync();
        await token.SendAsync(token.SetMultiplierCall(issuer, UInt256.Parse("1010000000000000000"), 0, nonce), issuerKey);
        Assert.Equal(UInt256.Parse("1010000000000000000"), await token.MultiplierAsync());
        await token.SendAsync(token.PauseCall(issuer), issuerKey);
        Assert.True(await token.PausedAsync());
        await Assert.ThrowsAsync<TokenPausedException>(() => token.SendAsync(token.MintCall(issuer, alice, 1, OpId("paused")), issuerKey));
    }

    [Fact]
    public async Task An_expired_transaction_is_refused_and_reported_expired_never_landed()
    {
        var key = await _node.FundedKeyAsync();
        var owner = TronAddress.FromPublicKey(key.PublicKey);
        var head = await _node.Client.GetNowBlockAsync();
        var raw = TronRawTransaction.Create(new TronTransfer(owner, TronAddress.FromPublicKey(TronDevnet.GenesisKey.PublicKey), 1_000), head,
            TimeSpan.FromMilliseconds(1), 0);
        var signed = raw.Sign(key);
        // Wait until the final head is past the expiration (blocks come every 100 ms).
        while ((await _node.Client.GetSolidBlockAsync()).Timestamp < signed.Expiration) await Task.Delay(50);
        var refused = await Assert.ThrowsAsync<TronBroadcastRefusedException>(() => _node.Client.BroadcastAsync(signed));
        Assert.Equal(TronErrorCode.TransactionExpired, refused.Code);
        Assert.Equal("TRANSACTION_EXPIRATION_ERROR", refused.NodeCode);
        Assert.Equal(TronTxState.Expired, (await _node.Client.GetStatusAsync(signed.TxId, signed.Expiration)).State);
        Assert.Equal(10_000_000_000, (await _node.Client.GetAccountAsync(owner))!.Balance);
    }

    [Fact]
    public async Task A_dropped_transaction_lands_by_rebroadcast_and_one_never_rebroadcast_expires()
    {
        var key = await _node.FundedKeyAsync();
        var owner = TronAddress.FromPublicKey(key.PublicKey);
        var to = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey);

        await _node.SetFaultsAsync(new { dropNext = 1 });
        var raw = await _node.Client.BuildAsync(new TronTransfer(owner, to, 7_000_000), 0);
        var landed = await _node.Client.SendAndWaitAsync(raw.Sign(key), rebroadcastEvery: TimeSpan.FromMilliseconds(300));
        Assert.Equal(TronTxState.Succeeded, landed.State);
        Assert.Equal(7_000_000, (await _node.Client.GetAccountAsync(to))!.Balance);

        await _node.SetFaultsAsync(new { dropNext = 1 });
        var lost = TronRawTransaction.Create(new TronTransfer(owner, to, 1_000_000), await _node.Client.GetNowBlockAsync(), TimeSpan.FromSeconds(3), 0).Sign(key);
        Assert.Equal(lost.TxId, await _node.Client.BroadcastAsync(lost));
        Assert.Equal(TronTxState.Pending, (await _node.Client.GetStatusAsync(lost.TxId, lost.Expiration)).State);
        TronTxStatus status;
        do
        {
            await Task.Delay(100);
            status = await _node.Client.GetStatusAsync(lost.TxId, lost.Expiration);
        } while (status.State == TronTxState.Pending);
        Assert.Equal(TronTxState.Expired, status.State);
        Assert.Equal(7_000_000, (await _node.Client.GetAccountAsync(to))!.Balance);
    }

    [Fact]
    public async Task Bad_signatures_tapos_and_addresses_are_refused_with_the_nodes_code()
    {
        var key = await _node.FundedKeyAsync();
        var owner = TronAddress.FromPublicKey(key.PublicKey);
        var to = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey);
        var signed = (await _node.Client.BuildAsync(new TronTransfer(owner, to, 1_000), 0)).Sign(key);

        var forged = signed with { Signature = [.. signed.Signature[..10], (byte)(signed.Signature[10] ^ 1), .. signed.Signature[11..]] };
        var sig = await Assert.ThrowsAsync<TronBroadcastRefusedException>(() => _node.Client.BroadcastAsync(forged));
        Assert.Equal("SIGERROR", sig.NodeCode);

        var stranger = EvmPrivateKey.Generate();
        var notOwner = await _node.Client.BuildAsync(new TronTransfer(owner, to, 1_000), 0);
        Assert.Equal(TronErrorCode.InvalidArgument, Assert.Throws<TronException>(() => notOwner.Sign(stranger)).Code);

        var head = await _node.Client.GetNowBlockAsync();
        var badRef = TronRawTransaction.Create(new TronTransfer(owner, to, 1_000), head with { BlockId = new string('7', 64) }, TimeSpan.FromSeconds(60), 0);
        var tapos = await Assert.ThrowsAsync<TronBroadcastRefusedException>(() => _node.Client.BroadcastAsync(badRef.Sign(key)));
        Assert.Equal("TAPOS_ERROR", tapos.NodeCode);

        // A broadcast of the same bytes twice is idempotent (the node answers DUP_TRANSACTION_ERROR, the client returns the txID).
        Assert.Equal(signed.TxId, await _node.Client.BroadcastAsync(signed));
        Assert.Equal(signed.TxId, await _node.Client.BroadcastAsync(signed));
        Assert.Equal(TronTxState.Succeeded, (await _node.Client.SendAndWaitAsync(signed)).State);
        Assert.Equal(1_000, (await _node.Client.GetAccountAsync(to))!.Balance);

        var badChecksum = await Assert.ThrowsAsync<TronException>(() => _node.Http.PostAsync("wallet/getaccount", new { address = "TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaH" }));
        Assert.Equal(TronErrorCode.NodeError, badChecksum.Code);
        Assert.Equal(TronErrorCode.InvalidAddressChecksum, Assert.Throws<TronException>(() => TronAddress.Parse("TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaH")).Code);
    }

    [Fact]
    public async Task An_issuer_without_TRX_gets_a_clear_error_before_signing_and_throttling_is_retried()
    {
        var (token, issuerKey) = await DeployAsync();
        var issuer = TronAddress.FromPublicKey(issuerKey.PublicKey);
        var broke = EvmPrivateKey.Generate();
        var error = await Assert.ThrowsAsync<TronException>(() => token.SendAsync(token.TransferCall(TronAddress.FromPublicKey(broke.PublicKey), issuer, 0), broke));
        Assert.Equal(TronErrorCode.InsufficientBalance, error.Code);

        var before = _node.Http.ThrottledRetries;
        await _node.SetFaultsAsync(new { http429 = 1, http503 = 1 });
        Assert.Equal(UInt256.Zero, await token.TotalSupplyAsync());
        Assert.Equal(before + 2, _node.Http.ThrottledRetries);
    }

    [Fact]
    public async Task TronWeb_reads_and_transfers_a_token_deployed_by_our_client_and_the_watcher_sees_the_deposit()
    {
        var (token, issuerKey) = await DeployAsync();
        var issuer = TronAddress.FromPublicKey(issuerKey.PublicKey);
        var holderHex = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var holderKey = EvmPrivateKey.FromHex(holderHex);
        var holder = TronAddress.FromPublicKey(holderKey.PublicKey);
        var redemption = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey);
        await token.SendAsync(token.MintCall(issuer, holder, 1_000_000, OpId("holder")), issuerKey);

        var psi = new ProcessStartInfo("node") { WorkingDirectory = SolanaDevnet.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine("devnet", "tron", "check", "tronweb-check.js"), "--node", _node.Endpoint.ToString().TrimEnd('/'), "--artifact", ArtifactPath,
                     "--redemption", redemption.ToBase58(), "--token", token.Address.ToBase58(), "--holder-key", holderHex })
            psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90))) await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"tronweb-check.js failed: {await stderr}");
        using var report = JsonDocument.Parse(await stdout);
        var r = report.RootElement;
        Assert.Equal("TSLAx", r.GetProperty("symbol").GetString());
        Assert.Equal("1000000", r.GetProperty("supply").GetString());
        Assert.Equal("1000000", r.GetProperty("before").GetString());
        Assert.Equal("750000", r.GetProperty("after").GetString());
        Assert.Equal(1, r.GetProperty("transferEvents").GetInt32());

        // Our client sees what TronWeb did: the balance, and the deposit to the redemption address in its final block.
        Assert.Equal(new UInt256(250_000), await token.BalanceOfAsync(redemption));
        var deposits = await token.FinalTransfersInBlockAsync(r.GetProperty("transferBlock").GetInt64(), redemption);
        var deposit = Assert.Single(deposits);
        Assert.Equal(holder, deposit.From);
        Assert.Equal(new UInt256(250_000), deposit.Amount);
        Assert.Equal(r.GetProperty("transferTx").GetString(), deposit.TxId);
    }
}
