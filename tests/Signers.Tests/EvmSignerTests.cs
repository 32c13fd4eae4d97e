using System.Numerics;
using Sharemint.Chains.Evm;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

[Collection(SignerCollection.Name)]
public sealed class EvmSignerTests(SignerFixture fixture)
{
    private static readonly BigInteger Wei = BigInteger.Pow(10, 18);

    private async Task<TokenDeployment> DeployAsync(string chain = "evm-b") =>
        await fixture.Signer(chain).DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Multiplier.One));

    [Fact]
    public async Task Info_names_the_issuer_as_redemption_address()
    {
        var info = await fixture.Signer("evm-b").GetInfoAsync();
        Assert.Equal("evm", info.Family);
        Assert.Equal(EvmPrivateKey.FromHex(SignerFixture.AnvilIssuerKey).Address.ToString().ToLowerInvariant(), info.IssuerAddress);
        Assert.Equal(info.IssuerAddress, info.RedemptionAddress);
        Assert.Equal(200, info.MaxMintBatch);
    }

    [Fact]
    public async Task Deploy_twice_returns_one_contract_with_every_role_for_the_issuer()
    {
        var signer = fixture.Signer("evm-b");
        var issuer = EvmPrivateKey.FromHex(SignerFixture.AnvilIssuerKey).Address;
        using var client = new EvmClient(new EvmChainConfig("b", SignerFixture.ChainIdB, fixture.AnvilB.RpcUrl, 1, EvmFeeModel.Eip1559));
        var request = new TokenDeploymentRequest(NewSymbol(), "Tesla xStock", Multiplier.From(1.25m));
        var nonceBefore = await client.GetTransactionCountAsync(issuer);
        var first = await signer.DeployTokenAsync(request);
        await fixture.RestartClusterAsync();
        var second = await fixture.Signer("evm-b").DeployTokenAsync(request);
        Assert.Equal(first, second);
        Assert.Equal(18, first.Decimals);
        Assert.Equal(nonceBefore + 1, await client.GetTransactionCountAsync(issuer));
        var token = new SharemintToken(client, fixture.Artifact, EvmAddress.Parse(first.TokenAddress));
        Assert.Equal(request.Symbol, await token.SymbolAsync());
        Assert.Equal(new UInt256(Multiplier.From(1.25m).Raw), await token.MultiplierAsync());
        foreach (var role in new[] { SharemintToken.MinterRole, SharemintToken.BurnerRole, SharemintToken.PauserRole, SharemintToken.BlocklistAdminRole, SharemintToken.DefaultAdminRole })
        {
            Assert.True(await token.HasRoleAsync(role, issuer));
        }
    }

    [Fact]
    public async Task Mint_batch_lands_once_across_resubmit_and_reactivation()
    {
        var token = await DeployAsync();
        var a = await fixture.EvmHolderAsync(fixture.AnvilB, SignerFixture.ChainIdB, token.TokenAddress);
        var b = await fixture.EvmHolderAsync(fixture.AnvilB, SignerFixture.ChainIdB, token.TokenAddress);
        var write = Write("evm-mint-1-" + token.TokenAddress, ChainWriteKind.Mint, token, (a.Address, Tokens(1.5m)), (b.Address, Tokens(2m)), (a.Address, Tokens(0.25m)));
        var submitted = await fixture.Signer("evm-b").SubmitAsync(write);
        Assert.NotNull(submitted.TransactionId);
        var final = await fixture.UntilDoneAsync("evm-b", write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);

        Assert.Equal(final, await fixture.Signer("evm-b").SubmitAsync(write));
        await fixture.RestartClusterAsync();
        Assert.Equal(final, await fixture.Signer("evm-b").SubmitAsync(write));
        Assert.Equal(final, await fixture.Signer("evm-b").CheckAsync(write.WriteId));

        Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = 'evm-b' AND operation_key = $1", "write:" + write.WriteId));
        Assert.Equal(175 * Wei / 100, (await a.Token.BalanceOfAsync(a.Key.Address)).Value);
        Assert.Equal(2 * Wei, (await b.Token.BalanceOfAsync(b.Key.Address)).Value);
        await fixture.MineAsync(fixture.AnvilB);
        var supply = await fixture.Signer("evm-b").GetSupplyAsync(token.TokenAddress, 18);
        Assert.Equal(Tokens(3.75m), supply.Canonical);
        Assert.False(supply.HasDust);
        Assert.Equal((375 * Wei / 100).ToString(), supply.RawUnits);
        Assert.Equal(Tokens(1.75m), (await fixture.Signer("evm-b").GetBalanceAsync(token.TokenAddress, 18, a.Address)).Canonical);
    }

    [Fact]
    public async Task Deposits_are_scanned_final_only_with_a_cursor_and_burned_from_the_redemption_address()
    {
        var token = await DeployAsync();
        var signer = fixture.Signer("evm-b");
        var redemption = (await signer.GetInfoAsync()).RedemptionAddress;
        var holder = await fixture.EvmHolderAsync(fixture.AnvilB, SignerFixture.ChainIdB, token.TokenAddress);
        await signer.SubmitAsync(Write("evm-dep-mint-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(10m))));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-b", "evm-dep-mint-" + token.TokenAddress)).State);

        await holder.Token.TransferAsync(holder.Sender, EvmAddress.Parse(redemption), new UInt256(3 * Wei), "t1");
        // Two confirmations: the block holding the transfer is not final until another block is on top.
        var early = await signer.ScanDepositsAsync(token.TokenAddress, 18, null, 100);
        Assert.Empty(early.Deposits);
        await fixture.MineAsync(fixture.AnvilB);
        var first = await signer.ScanDepositsAsync(token.TokenAddress, 18, early.NextCursor, 100);
        var deposit = Assert.Single(first.Deposits);
        Assert.Equal(holder.Address, deposit.FromAddress);
        Assert.Equal(Tokens(3m), deposit.Amount);
        Assert.Empty((await signer.ScanDepositsAsync(token.TokenAddress, 18, first.NextCursor, 100)).Deposits);

        // A dust deposit is reported with no canonical amount.
        await holder.Token.TransferAsync(holder.Sender, EvmAddress.Parse(redemption), new UInt256(Wei + 1), "t2");
        await holder.Token.TransferAsync(holder.Sender, EvmAddress.Parse(redemption), new UInt256(Wei), "t3");
        await fixture.MineAsync(fixture.AnvilB);
        var second = await signer.ScanDepositsAsync(token.TokenAddress, 18, first.NextCursor, 100);
        Assert.Equal(2, second.Deposits.Count);
        Assert.Null(second.Deposits[0].Amount);
        Assert.Equal(Tokens(1m), second.Deposits[1].Amount);
        Assert.Equal(3, first.Deposits.Concat(second.Deposits).Select(d => d.DepositId).Distinct().Count());

        var burn = Write("evm-burn-red-" + token.TokenAddress, ChainWriteKind.BurnFromRedemption, token, (redemption, Tokens(3m)));
        await signer.SubmitAsync(burn);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-b", burn.WriteId)).State);
        Assert.Equal(Wei * 2 + 1, (await holder.Token.BalanceOfAsync(EvmAddress.Parse(redemption))).Value);
        Assert.Equal(Wei * 7, (await holder.Token.TotalSupplyAsync()).Value);
        await fixture.MineAsync(fixture.AnvilB);
        Assert.Equal(Tokens(7m), (await signer.GetSupplyAsync(token.TokenAddress, 18)).Canonical);
        var redeemable = await signer.GetBalanceAsync(token.TokenAddress, 18, redemption);
        Assert.True(redeemable.HasDust);
        Assert.Equal(Tokens(2m), redeemable.Canonical);
    }

    [Fact]
    public async Task Burn_from_a_holder_needs_the_holders_allowance()
    {
        var token = await DeployAsync();
        var signer = fixture.Signer("evm-b");
        var issuer = EvmAddress.Parse((await signer.GetInfoAsync()).IssuerAddress);
        var holder = await fixture.EvmHolderAsync(fixture.AnvilB, SignerFixture.ChainIdB, token.TokenAddress);
        await signer.SubmitAsync(Write("evm-bh-mint-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(5m))));
        await fixture.UntilDoneAsync("evm-b", "evm-bh-mint-" + token.TokenAddress);

        var refused = await signer.SubmitAsync(Write("evm-bh-noallow-" + token.TokenAddress, ChainWriteKind.BurnFromHolder, token, (holder.Address, Tokens(2m))));
        Assert.Equal(ChainWriteState.Failed, refused.State);
        Assert.Equal("insufficient_allowance", refused.FailureCode);

        await holder.Token.ApproveAsync(holder.Sender, issuer, new UInt256(2 * Wei), "approve");
        var burn = Write("evm-bh-" + token.TokenAddress, ChainWriteKind.BurnFromHolder, token, (holder.Address, Tokens(2m)));
        await signer.SubmitAsync(burn);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-b", burn.WriteId)).State);
        Assert.Equal(3 * Wei, (await holder.Token.BalanceOfAsync(holder.Key.Address)).Value);
        Assert.Equal(3 * Wei, (await holder.Token.TotalSupplyAsync()).Value);
    }

    [Fact]
    public async Task Rpc_down_at_broadcast_then_back_rebroadcasts_the_same_bytes_once()
    {
        var token = await DeployAsync("evm-a");
        var holder = await fixture.EvmHolderAsync(fixture.AnvilA, SignerFixture.ChainIdA, token.TokenAddress);
        var write = Write("evm-gate-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(4m)));
        fixture.GateA.Mode = GateMode.RefuseSends;
        try
        {
            var down = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer("evm-a").SubmitAsync(write));
            Assert.Equal(LedgerError.ChainUnavailable, down.Error);
            Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM chain_signer_writes WHERE chain = 'evm-a' AND write_id = $1 AND state = 'pending'", write.WriteId));
            Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = 'evm-a' AND operation_key = $1", "write:" + write.WriteId));
            Assert.Equal(UInt256.Zero, await holder.Token.TotalSupplyAsync());
        }
        finally
        {
            fixture.GateA.Mode = GateMode.Open;
        }
        await fixture.RestartClusterAsync();
        var final = await fixture.UntilDoneAsync("evm-a", write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = 'evm-a' AND operation_key = $1", "write:" + write.WriteId));
        Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = 'evm-a' AND operation_key = $1 AND tx_hash = $2", "write:" + write.WriteId, final.TransactionId!));
        Assert.Equal(4 * Wei, (await holder.Token.TotalSupplyAsync()).Value);
        Assert.Equal(final, await fixture.Signer("evm-a").SubmitAsync(write));
        Assert.Equal(4 * Wei, (await holder.Token.TotalSupplyAsync()).Value);
    }

    [Fact]
    public async Task A_mined_write_is_never_broadcast_again_even_when_its_first_reply_was_lost()
    {
        var token = await DeployAsync("evm-a");
        var holder = await fixture.EvmHolderAsync(fixture.AnvilA, SignerFixture.ChainIdA, token.TokenAddress);
        var gate = fixture.GateA.Inner;

        // Delivered and answered: the submit's own check finds it mined and sends nothing more.
        var answered = Write("evm-once-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(1m)));
        var sendsBefore = gate.SendsForwarded;
        await fixture.Signer("evm-a").SubmitAsync(answered);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-a", answered.WriteId)).State);
        Assert.Equal(1, gate.SendsForwarded - sendsBefore);

        // Delivered, reply lost: the caller sees the chain unavailable; the next check finds the transaction mined.
        var lost = Write("evm-lost-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(2m)));
        sendsBefore = gate.SendsForwarded;
        gate.DropNextSendReplies(1);
        var unanswered = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer("evm-a").SubmitAsync(lost));
        Assert.Equal(LedgerError.ChainUnavailable, unanswered.Error);
        var final = await fixture.UntilDoneAsync("evm-a", lost.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        Assert.Equal(final, await fixture.Signer("evm-a").SubmitAsync(lost));
        Assert.Equal(1, gate.SendsForwarded - sendsBefore);
        Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = 'evm-a' AND operation_key = $1", "write:" + lost.WriteId));
        Assert.Equal(3 * Wei, (await holder.Token.TotalSupplyAsync()).Value);
    }

    [Fact]
    public async Task Rpc_down_at_submit_records_the_write_and_a_later_check_completes_it()
    {
        var token = await DeployAsync("evm-a");
        var holder = await fixture.EvmHolderAsync(fixture.AnvilA, SignerFixture.ChainIdA, token.TokenAddress);
        var write = Write("evm-down-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(6m)));
        fixture.GateA.Mode = GateMode.Down;
        try
        {
            var down = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer("evm-a").SubmitAsync(write));
            Assert.Equal(LedgerError.ChainUnavailable, down.Error);
            Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM chain_signer_writes WHERE chain = 'evm-a' AND write_id = $1 AND state = 'pending'", write.WriteId));
            var stillDown = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer("evm-a").CheckAsync(write.WriteId));
            Assert.Equal(LedgerError.ChainUnavailable, stillDown.Error);
        }
        finally
        {
            fixture.GateA.Mode = GateMode.Open;
        }
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-a", write.WriteId)).State);
        Assert.Equal(6 * Wei, (await holder.Token.TotalSupplyAsync()).Value);
    }

    [Fact]
    public async Task Blocked_and_paused_tokens_refuse_and_resume()
    {
        var token = await DeployAsync();
        var signer = fixture.Signer("evm-b");
        var holder = await fixture.EvmHolderAsync(fixture.AnvilB, SignerFixture.ChainIdB, token.TokenAddress);
        await signer.SubmitAsync(Write("evm-bp-mint-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(5m))));
        await fixture.UntilDoneAsync("evm-b", "evm-bp-mint-" + token.TokenAddress);

        await signer.SubmitAsync(Write("evm-block-" + token.TokenAddress, ChainWriteKind.SetBlocked, token, (holder.Address, CanonicalAmount.FromUnits(1))));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-b", "evm-block-" + token.TokenAddress)).State);
        Assert.True(await holder.Token.IsBlockedAsync(holder.Key.Address));
        var issuer = EvmAddress.Parse((await signer.GetInfoAsync()).IssuerAddress);
        await Assert.ThrowsAsync<AddressBlockedException>(() => holder.Token.TransferAsync(holder.Sender, issuer, new UInt256(Wei), "blocked-transfer"));
        await signer.SubmitAsync(Write("evm-unblock-" + token.TokenAddress, ChainWriteKind.SetBlocked, token, (holder.Address, CanonicalAmount.Zero)));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-b", "evm-unblock-" + token.TokenAddress)).State);
        Assert.False(await holder.Token.IsBlockedAsync(holder.Key.Address));

        await signer.SubmitAsync(Write("evm-pause-" + token.TokenAddress, ChainWriteKind.SetPaused, token, ("", CanonicalAmount.FromUnits(1))));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-b", "evm-pause-" + token.TokenAddress)).State);
        Assert.True(await holder.Token.PausedAsync());
        var refused = await signer.SubmitAsync(Write("evm-paused-mint-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(1m))));
        Assert.Equal(ChainWriteState.Failed, refused.State);
        Assert.Equal("token_paused", refused.FailureCode);
        await signer.SubmitAsync(Write("evm-resume-" + token.TokenAddress, ChainWriteKind.SetPaused, token, ("", CanonicalAmount.Zero)));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-b", "evm-resume-" + token.TokenAddress)).State);
        Assert.False(await holder.Token.PausedAsync());
        Assert.Equal(5 * Wei, (await holder.Token.TotalSupplyAsync()).Value);
    }
}
