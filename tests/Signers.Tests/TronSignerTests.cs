using System.Numerics;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tron;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

[Collection(TronSignerCollection.Name)]
public sealed class TronSignerTests(TronSignerFixture fixture)
{
    private static readonly BigInteger Raw = BigInteger.Pow(10, 18);

    private Task<TokenDeployment> DeployAsync() =>
        fixture.Signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Multiplier.One));

    private TronToken Token(TokenDeployment deployment) => new(fixture.Tron.Client, fixture.Artifact, TronAddress.Parse(deployment.TokenAddress));

    private static string NewAddress() => TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey).ToBase58();

    private Task<long> AttemptsAsync(string writeId) =>
        fixture.ScalarAsync("SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = 'tron' AND operation_key = $1", "write:" + writeId);

    [Fact]
    public async Task Deploy_twice_returns_one_token_whose_admin_is_the_issuer()
    {
        var info = await fixture.Signer.GetInfoAsync();
        Assert.Equal("tron", info.Family);
        Assert.Equal(fixture.Issuer.ToBase58(), info.IssuerAddress);
        Assert.Equal(info.IssuerAddress, info.RedemptionAddress);
        Assert.StartsWith("T", info.IssuerAddress, StringComparison.Ordinal);

        var request = new TokenDeploymentRequest(NewSymbol(), "Tesla xStock", Multiplier.From(1.25m));
        var first = await fixture.Signer.DeployTokenAsync(request);
        await fixture.RestartClusterAsync();
        var second = await fixture.Signer.DeployTokenAsync(request);
        Assert.Equal(first, second);
        Assert.Equal(18, first.Decimals);
        Assert.Equal(1, await fixture.ScalarAsync("SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = 'tron' AND operation_key = $1", "deploy:" + request.Symbol));
        var token = Token(first);
        Assert.Equal(request.Symbol, await token.SymbolAsync());
        Assert.Equal(new UInt256(Multiplier.From(1.25m).Raw), await token.MultiplierAsync());
    }

    [Fact]
    public async Task Mint_batch_lands_once_and_both_clients_read_the_supply()
    {
        var deployment = await DeployAsync();
        var (a, b) = (NewAddress(), NewAddress());
        var write = Write("tron-mint-" + deployment.TokenAddress, ChainWriteKind.Mint, deployment, (a, Tokens(1.5m)), (b, Tokens(2m)), (a, Tokens(0.25m)));
        var submitted = await fixture.Signer.SubmitAsync(write);
        Assert.Equal(ChainWriteState.Pending, submitted.State);
        Assert.Matches("^[0-9a-f]{64}$", submitted.TransactionId!);
        var final = await fixture.UntilDoneAsync(write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        Assert.Equal(submitted.TransactionId, final.TransactionId);
        Assert.Equal(TronTxState.Succeeded, (await fixture.Tron.Client.GetStatusAsync(final.TransactionId!, long.MaxValue)).State);

        // The same write again, before and after the grain is re-activated: the recorded outcome, nothing signed anew.
        Assert.Equal(final, await fixture.Signer.SubmitAsync(write));
        await fixture.RestartClusterAsync();
        Assert.Equal(final, await fixture.Signer.SubmitAsync(write));
        Assert.Equal(1, await AttemptsAsync(write.WriteId));

        var token = Token(deployment);
        Assert.Equal(375 * Raw / 100, (await token.TotalSupplyAsync()).Value);
        Assert.Equal(175 * Raw / 100, (await token.BalanceOfAsync(TronAddress.Parse(a))).Value);
        var supply = await fixture.Signer.GetSupplyAsync(deployment.TokenAddress, 18);
        Assert.Equal(Tokens(3.75m), supply.Canonical);
        Assert.Equal((375 * Raw / 100).ToString(), supply.RawUnits);
        Assert.Equal(Tokens(2m), (await fixture.Signer.GetBalanceAsync(deployment.TokenAddress, 18, b)).Canonical);

        // TronWeb, a client we did not write, sees the same supply and balances.
        var seen = await fixture.TronWebAsync("read", "--token", deployment.TokenAddress, "--accounts", $"{a},{b}");
        Assert.Equal((375 * Raw / 100).ToString(), seen.GetProperty("totalSupply").GetString());
        Assert.Equal((175 * Raw / 100).ToString(), seen.GetProperty("balances").GetProperty(a).GetString());
        Assert.Equal((2 * Raw).ToString(), seen.GetProperty("balances").GetProperty(b).GetString());
    }

    [Fact]
    public async Task A_write_id_replayed_after_its_records_are_lost_does_not_mint_twice()
    {
        var deployment = await DeployAsync();
        var holder = NewAddress();
        var write = Write("tron-replay-" + deployment.TokenAddress, ChainWriteKind.Mint, deployment, (holder, Tokens(4m)));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync((await fixture.Signer.SubmitAsync(write)).WriteId)).State);

        // Lose every record of it (a restored backup): the signer signs again, and the token's operation-id guard refuses it.
        await fixture.ExecuteAsync("DELETE FROM chain_signer_evm_attempts WHERE chain = 'tron' AND operation_key = $1", "write:" + write.WriteId);
        await fixture.ExecuteAsync("DELETE FROM chain_signer_writes WHERE chain = 'tron' AND write_id = $1", write.WriteId);
        await fixture.RestartClusterAsync();
        var replay = await fixture.Signer.SubmitAsync(write);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync(replay.WriteId)).State);
        // Refused at simulation: nothing was signed for the replay.
        Assert.Equal(0, await AttemptsAsync(write.WriteId));
        Assert.Equal(4 * Raw, (await Token(deployment).TotalSupplyAsync()).Value);
        Assert.Equal(4 * Raw, (await Token(deployment).BalanceOfAsync(TronAddress.Parse(holder))).Value);
    }

    [Fact]
    public async Task A_broadcast_the_node_drops_lands_once_after_the_same_bytes_are_sent_again()
    {
        var deployment = await DeployAsync();
        var holder = NewAddress();
        var write = Write("tron-drop-" + deployment.TokenAddress, ChainWriteKind.Mint, deployment, (holder, Tokens(3m)));
        await fixture.Tron.SetFaultsAsync(new { dropNext = 1 });
        var submitted = await fixture.Signer.SubmitAsync(write);
        Assert.Equal(ChainWriteState.Pending, submitted.State);
        // Our broadcast used up the switch, and blocks later the node still does not know the transaction: it was lost.
        Assert.Equal(0, (await fixture.Tron.Http.PostAsync("admin/faults", new { }))["dropNext"]!.GetValue<int>());
        var solid = (await fixture.Tron.Client.GetSolidBlockAsync()).Number;
        while ((await fixture.Tron.Client.GetSolidBlockAsync()).Number < solid + 5)
        {
            await Task.Delay(100);
        }
        Assert.Equal(TronTxState.Pending, (await fixture.Tron.Client.GetStatusAsync(submitted.TransactionId!, long.MaxValue)).State);
        var final = await fixture.UntilDoneAsync(write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        // Rebroadcast, not re-signed: one attempt, and it is the transaction that landed.
        Assert.Equal(submitted.TransactionId, final.TransactionId);
        Assert.Equal(1, await AttemptsAsync(write.WriteId));
        Assert.Equal(3 * Raw, (await Token(deployment).TotalSupplyAsync()).Value);
    }

    [Fact]
    public async Task A_dropped_transaction_left_to_expire_is_replaced_once_and_the_write_lands_once()
    {
        var deployment = await DeployAsync();
        var holder = NewAddress();
        var write = Write("tron-expire-" + deployment.TokenAddress, ChainWriteKind.Mint, deployment, (holder, Tokens(5m)));
        await fixture.Tron.SetFaultsAsync(new { dropNext = 1 });
        var submitted = await fixture.Signer.SubmitAsync(write);
        var lost = submitted.TransactionId!;
        var expiration = await fixture.ScalarAsync(
            "SELECT (body->>'expiration')::bigint FROM chain_signer_evm_attempts WHERE chain = 'tron' AND operation_key = $1 AND attempt = 1", "write:" + write.WriteId);
        // Nobody checks the write until the final chain is past its expiration: the lost bytes can no longer land.
        while ((await fixture.Tron.Client.GetSolidBlockAsync()).Timestamp < expiration)
        {
            await Task.Delay(100);
        }
        Assert.Equal(TronTxState.Expired, (await fixture.Tron.Client.GetStatusAsync(lost, expiration)).State);

        var final = await fixture.UntilDoneAsync(write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        Assert.NotEqual(lost, final.TransactionId);
        Assert.Equal(2, await AttemptsAsync(write.WriteId));
        Assert.Equal(TronTxState.Succeeded, (await fixture.Tron.Client.GetStatusAsync(final.TransactionId!, long.MaxValue)).State);
        Assert.Equal(5 * Raw, (await Token(deployment).TotalSupplyAsync()).Value);
    }

    [Fact]
    public async Task A_TronWeb_deposit_is_found_once_with_its_id_and_burned_from_the_redemption_address()
    {
        var deployment = await DeployAsync();
        var holderKeyHex = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var holder = TronAddress.FromPublicKey(EvmPrivateKey.FromHex(holderKeyHex).PublicKey);
        await fixture.FundAsync(holder, 1_000_000_000);
        var mint = Write("tron-deposit-mint-" + deployment.TokenAddress, ChainWriteKind.Mint, deployment, (holder.ToBase58(), Tokens(10m)));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync((await fixture.Signer.SubmitAsync(mint)).WriteId)).State);

        // The mint itself (from the zero address, to the holder) is no deposit.
        var before = await fixture.Signer.ScanDepositsAsync(deployment.TokenAddress, 18, null, 100);
        Assert.Empty(before.Deposits);

        var sent = await fixture.TronWebAsync("transfer", "--token", deployment.TokenAddress, "--key", holderKeyHex,
            "--to", fixture.Issuer.ToBase58(), "--amount", (25 * Raw / 10).ToString());
        var txId = sent.GetProperty("txid").GetString()!;
        var deposits = new List<TokenDeposit>();
        var cursor = before.NextCursor;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (deposits.Count == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the deposit was not found in 30 s");
            var page = await fixture.Signer.ScanDepositsAsync(deployment.TokenAddress, 18, cursor, 100);
            deposits.AddRange(page.Deposits);
            cursor = page.NextCursor;
            await Task.Delay(100);
        }
        var deposit = Assert.Single(deposits);
        Assert.Equal($"{txId}:0", deposit.DepositId);
        Assert.Equal(txId, deposit.TransactionId);
        Assert.Equal(holder.ToBase58(), deposit.FromAddress);
        Assert.Equal(Tokens(2.5m), deposit.Amount);
        Assert.Equal(sent.GetProperty("block").GetInt64(), deposit.Height);

        // Scanning on from the cursor never reports it again; a scan from the start reports it with the same id.
        var again = await fixture.Signer.ScanDepositsAsync(deployment.TokenAddress, 18, cursor, 100);
        Assert.DoesNotContain(again.Deposits, d => d.DepositId == deposit.DepositId);
        var rescan = await fixture.Signer.ScanDepositsAsync(deployment.TokenAddress, 18, null, 100);
        Assert.Equal(deposit.DepositId, Assert.Single(rescan.Deposits).DepositId);

        var burn = Write("tron-burn-" + deposit.DepositId, ChainWriteKind.BurnFromRedemption, deployment, ("", Tokens(2.5m)));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync((await fixture.Signer.SubmitAsync(burn)).WriteId)).State);
        Assert.Equal(75 * Raw / 10, (await Token(deployment).TotalSupplyAsync()).Value);
        Assert.Equal(BigInteger.Zero, (await Token(deployment).BalanceOfAsync(fixture.Issuer)).Value);
    }

    [Fact]
    public async Task An_issuer_without_TRX_for_energy_makes_writes_wait_and_they_land_once_topped_up()
    {
        var deployment = await DeployAsync();
        var holder = NewAddress();
        // Move nearly all the issuer's TRX away (the node charges no bandwidth for a transfer).
        var genesis = TronAddress.FromPublicKey(Sharemint.Chains.Tests.Tron.TronDevnet.GenesisKey.PublicKey);
        var balance = (await fixture.Tron.Client.GetAccountAsync(fixture.Issuer))!.Balance;
        var drain = await fixture.Tron.Client.BuildAsync(new TronTransfer(fixture.Issuer, genesis, balance - 1_000), 0);
        Assert.Equal(TronTxState.Succeeded, (await fixture.Tron.Client.SendAndWaitAsync(drain.Sign(fixture.IssuerKey))).State);
        try
        {
            var write = Write("tron-starved-" + deployment.TokenAddress, ChainWriteKind.Mint, deployment, (holder, Tokens(1m)));
            var waiting = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer.SubmitAsync(write));
            Assert.Equal(LedgerError.ChainUnavailable, waiting.Error);
            Assert.True(FeeMoneyAlerts.IsStarved("tron"));
            Assert.Equal(LedgerError.ChainUnavailable, (await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer.CheckAsync(write.WriteId))).Error);
            // Recorded and waiting, nothing signed (no transaction that could burn TRX and fail).
            Assert.Equal(1, await fixture.ScalarAsync("SELECT count(*) FROM chain_signer_writes WHERE chain = 'tron' AND write_id = $1 AND state = 'pending'", write.WriteId));
            Assert.Equal(0, await AttemptsAsync(write.WriteId));

            await fixture.FundAsync(fixture.Issuer, balance);
            var final = await fixture.UntilDoneAsync(write.WriteId);
            Assert.Equal(ChainWriteState.Final, final.State);
            Assert.False(FeeMoneyAlerts.IsStarved("tron"));
            Assert.Equal(Raw, (await Token(deployment).TotalSupplyAsync()).Value);
        }
        finally
        {
            if ((await fixture.Tron.Client.GetAccountAsync(fixture.Issuer))!.Balance < balance / 2)
            {
                await fixture.FundAsync(fixture.Issuer, balance);
            }
        }
    }

    [Fact]
    public async Task Block_and_pause_take_effect_on_chain_and_refused_writes_sign_nothing()
    {
        var deployment = await DeployAsync();
        var token = Token(deployment);
        var holder = NewAddress();
        var mint = Write("tron-ops-mint-" + deployment.TokenAddress, ChainWriteKind.Mint, deployment, (holder, Tokens(6m)));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync((await fixture.Signer.SubmitAsync(mint)).WriteId)).State);

        var block = Write("tron-ops-block-" + deployment.TokenAddress, ChainWriteKind.SetBlocked, deployment, (holder, CanonicalAmount.FromUnits(1)));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync((await fixture.Signer.SubmitAsync(block)).WriteId)).State);
        Assert.True(await token.IsBlockedAsync(TronAddress.Parse(holder)));

        // burnFrom spends the holder's allowance, which this holder never gave: refused at simulation with the token's
        // reason, nothing signed, the balance untouched.
        var burn = Write("tron-ops-burn-" + deployment.TokenAddress, ChainWriteKind.BurnFromHolder, deployment, (holder, Tokens(2m)));
        var burned = await fixture.Signer.SubmitAsync(burn);
        Assert.Equal(ChainWriteState.Failed, burned.State);
        Assert.Equal("insufficient_allowance", burned.FailureCode);
        Assert.Equal(0, await AttemptsAsync(burn.WriteId));
        Assert.Equal(6 * Raw, (await token.BalanceOfAsync(TronAddress.Parse(holder))).Value);

        var pause = Write("tron-ops-pause-" + deployment.TokenAddress, ChainWriteKind.SetPaused, deployment, ("", CanonicalAmount.FromUnits(1)));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync((await fixture.Signer.SubmitAsync(pause)).WriteId)).State);
        Assert.True(await token.PausedAsync());
        // Pausing a paused token signs nothing.
        var again = Write("tron-ops-pause-again-" + deployment.TokenAddress, ChainWriteKind.SetPaused, deployment, ("", CanonicalAmount.FromUnits(1)));
        Assert.Equal(ChainWriteState.Final, (await fixture.Signer.SubmitAsync(again)).State);
        Assert.Equal(0, await AttemptsAsync(again.WriteId));

        // A mint into a paused token is refused at simulation: failed with the token's reason, nothing signed.
        var refused = Write("tron-ops-mint-paused-" + deployment.TokenAddress, ChainWriteKind.Mint, deployment, (holder, Tokens(1m)));
        var status = await fixture.Signer.SubmitAsync(refused);
        Assert.Equal(ChainWriteState.Failed, status.State);
        Assert.Equal("token_paused", status.FailureCode);
        Assert.Equal(0, await AttemptsAsync(refused.WriteId));
    }

    [Fact]
    public async Task A_bad_checksum_address_is_refused_and_nothing_is_recorded()
    {
        var deployment = await DeployAsync();
        var good = NewAddress();
        // One character changed: still base58, still 25 bytes, but the checksum no longer matches.
        var bad = good[..^1] + (good[^1] == 'a' ? 'b' : 'a');
        var writes = await fixture.ScalarAsync("SELECT count(*) FROM chain_signer_writes WHERE chain = 'tron'");
        var mint = Write("tron-bad-" + deployment.TokenAddress, ChainWriteKind.Mint, deployment, (bad, Tokens(1m)));
        Assert.Equal(LedgerError.AddressInvalid, (await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer.SubmitAsync(mint))).Error);
        Assert.Equal(LedgerError.AddressInvalid,
            (await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer.GetBalanceAsync(deployment.TokenAddress, 18, bad))).Error);
        // An EVM address is not a Tron one either.
        Assert.Equal(LedgerError.AddressInvalid, (await Assert.ThrowsAsync<LedgerException>(() =>
            fixture.Signer.GetBalanceAsync(deployment.TokenAddress, 18, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"))).Error);
        Assert.Equal(writes, await fixture.ScalarAsync("SELECT count(*) FROM chain_signer_writes WHERE chain = 'tron'"));
        Assert.Equal(BigInteger.Zero, (await Token(deployment).TotalSupplyAsync()).Value);
    }
}
