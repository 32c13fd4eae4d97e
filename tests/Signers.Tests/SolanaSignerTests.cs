using Sharemint.Chains.Solana;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

[Collection(SignerCollection.Name)]
public sealed class SolanaSignerTests(SignerFixture fixture)
{
    private IChainSignerGrain Signer => fixture.Signer("solana");

    private async Task<TokenDeployment> DeployAsync() =>
        await Signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Multiplier.One));

    private async Task<MintState> MintAsync(TokenDeployment token) =>
        MintState.Decode((await fixture.Solana.Rpc.GetAccountInfoAsync(PublicKey.Parse(token.TokenAddress)))!.Data, ProgramIds.Token2022);

    private async Task<ulong> BalanceAsync(TokenDeployment token, string wallet)
    {
        var account = await fixture.Solana.Rpc.GetAccountInfoAsync(AssociatedTokenProgram.FindAddress(PublicKey.Parse(wallet), PublicKey.Parse(token.TokenAddress)));
        return account is null ? 0 : TokenAccountState.Decode(account.Data, account.Owner).Amount;
    }

    [Fact]
    public async Task Info_names_the_issuer_wallet_and_a_batch_that_fits_one_transaction()
    {
        var info = await Signer.GetInfoAsync();
        Assert.Equal("solana", info.Family);
        Assert.Equal(fixture.SolanaIssuer.PublicKey.ToString(), info.IssuerAddress);
        Assert.Equal(info.IssuerAddress, info.RedemptionAddress);
        Assert.InRange(info.MaxMintBatch, 2, 20);
    }

    [Fact]
    public async Task Deploy_twice_returns_one_mint_with_the_xstock_extensions()
    {
        var request = new TokenDeploymentRequest(NewSymbol(), "Apple xStock", Multiplier.From(1.5m));
        var first = await Signer.DeployTokenAsync(request);
        await fixture.RestartClusterAsync();
        var second = await Signer.DeployTokenAsync(request);
        Assert.Equal(first, second);
        Assert.Equal(8, first.Decimals);
        var mint = await MintAsync(first);
        var issuer = fixture.SolanaIssuer.PublicKey;
        Assert.Equal(8, mint.Decimals);
        Assert.Equal(issuer, mint.MintAuthority);
        Assert.Equal(issuer, mint.FreezeAuthority);
        Assert.Equal(issuer, mint.PermanentDelegate);
        Assert.Equal(1.5, mint.MultiplierAt(0));
        Assert.False(mint.IsPaused);
        Assert.Equal(request.Symbol, mint.Metadata!.Symbol);
    }

    [Fact]
    public async Task Deploys_and_mints_offer_the_configured_priority_fee_held_down_by_the_cap()
    {
        var token = await DeployAsync();
        var wallet = Keypair.Generate().PublicKey.ToString();
        var write = Write("sol-priority-" + token.TokenAddress, ChainWriteKind.Mint, token, (wallet, Tokens(1m)));
        await Signer.SubmitAsync(write);
        var final = await fixture.UntilDoneAsync("solana", write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        Assert.Equal(100_000_000UL, await BalanceAsync(token, wallet));

        var landed = (await fixture.Solana.Rpc.GetTransactionAsync(final.TransactionId!, Commitment.Confirmed))!;
        var message = landed.Transaction.Message;
        var budget = message.Instructions.Where(ix => message.AccountKeys[ix.ProgramIdIndex] == ProgramIds.ComputeBudget).ToList();
        var price = budget.Single(ix => ix.Data[0] == 3);
        Assert.Equal(SignerFixture.SolanaPriceCap, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(price.Data.AsSpan(1)));
        var limit = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(budget.Single(ix => ix.Data[0] == 2).Data.AsSpan(1));
        // The fee the chain charged is the signature fee plus the priority on the requested units, nothing more.
        Assert.Equal(5_000UL + ((SignerFixture.SolanaPriceCap * limit) + 999_999) / 1_000_000, landed.Fee);

        // The mint account's creation carried the same price.
        var history = await fixture.Solana.Rpc.GetSignaturesForAddressAsync(PublicKey.Parse(token.TokenAddress));
        var deploy = history[^1];
        var created = (await fixture.Solana.Rpc.GetTransactionAsync(deploy.Signature, Commitment.Confirmed))!.Transaction.Message;
        Assert.Contains(created.Instructions, ix => created.AccountKeys[ix.ProgramIdIndex] == ProgramIds.ComputeBudget && ix.Data[0] == 3
            && System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(ix.Data.AsSpan(1)) == SignerFixture.SolanaPriceCap);
    }

    [Fact]
    public async Task Mint_batch_lands_once_across_resubmit_and_reactivation()
    {
        var token = await DeployAsync();
        var a = Keypair.Generate().PublicKey.ToString();
        var b = Keypair.Generate().PublicKey.ToString();
        var write = Write("sol-mint-" + token.TokenAddress, ChainWriteKind.Mint, token, (a, Tokens(1.5m)), (b, Tokens(2m)), (a, Tokens(0.25m)));
        var submitted = await Signer.SubmitAsync(write);
        Assert.Equal(ChainWriteState.Pending, submitted.State);
        Assert.NotNull(submitted.TransactionId);
        Assert.Equal(submitted, await Signer.SubmitAsync(write) with { State = ChainWriteState.Pending });

        await fixture.RestartClusterAsync();
        var final = await fixture.UntilDoneAsync("solana", write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        Assert.Equal(submitted.TransactionId, final.TransactionId);
        Assert.Equal(final, await Signer.SubmitAsync(write));

        Assert.Equal(175_000_000UL, await BalanceAsync(token, a));
        Assert.Equal(200_000_000UL, await BalanceAsync(token, b));
        var supply = await Signer.GetSupplyAsync(token.TokenAddress, 8);
        Assert.Equal(Tokens(3.75m), supply.Canonical);
        Assert.Equal("375000000", supply.RawUnits);
        Assert.Equal(Tokens(1.75m), (await Signer.GetBalanceAsync(token.TokenAddress, 8, a)).Canonical);
    }

    [Fact]
    public async Task Rpc_down_at_broadcast_then_back_rebroadcasts_the_same_bytes_once()
    {
        var token = await DeployAsync();
        var holder = Keypair.Generate().PublicKey.ToString();
        var write = Write("sol-gate-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder, Tokens(4m)));
        fixture.GateSolana.Mode = GateMode.RefuseSends;
        try
        {
            var down = await Assert.ThrowsAsync<LedgerException>(() => Signer.SubmitAsync(write));
            Assert.Equal(LedgerError.ChainUnavailable, down.Error);
            Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM chain_signer_writes WHERE chain = 'solana' AND write_id = $1 AND state = 'pending'", write.WriteId));
            Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM chain_signer_solana_records WHERE chain = 'solana' AND operation_id = $1", "write:" + write.WriteId));
        }
        finally
        {
            fixture.GateSolana.Mode = GateMode.Open;
        }
        var signed = await fixture.CountAsync("SELECT count(*) FROM chain_signer_solana_records WHERE chain = 'solana' AND operation_id = $1 AND (body->>'attempt')::int = 1", "write:" + write.WriteId);
        Assert.Equal(1, signed);
        var final = await fixture.UntilDoneAsync("solana", write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        Assert.Equal(1, await fixture.CountAsync(
            "SELECT count(*) FROM chain_signer_solana_records WHERE chain = 'solana' AND operation_id = $1 AND (body->>'attempt')::int = 1 AND body->>'signature' = $2",
            "write:" + write.WriteId, final.TransactionId!));
        Assert.Equal(400_000_000UL, (await MintAsync(token)).Supply);
    }

    [Fact]
    public async Task Deposits_are_scanned_with_a_cursor_and_burned_from_the_redemption_account()
    {
        var token = await DeployAsync();
        var holder = await fixture.SolanaHolderAsync();
        var issuer = fixture.SolanaIssuer.PublicKey;
        await Signer.SubmitAsync(Write("sol-dep-mint-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(10m))));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", "sol-dep-mint-" + token.TokenAddress)).State);
        var mint = PublicKey.Parse(token.TokenAddress);

        await holder.Client.TransferAsync("d1", mint, holder.Key, issuer, 300_000_000);
        var first = await ScanUntilAsync(token, null, 1);
        var deposit = Assert.Single(first.Deposits);
        Assert.Equal(holder.Address, deposit.FromAddress);
        Assert.Equal(Tokens(3m), deposit.Amount);
        Assert.Empty((await Signer.ScanDepositsAsync(token.TokenAddress, 8, first.NextCursor, 100)).Deposits);

        await holder.Client.TransferAsync("d2", mint, holder.Key, issuer, 100_000_000);
        var second = await ScanUntilAsync(token, first.NextCursor, 1);
        Assert.Equal(Tokens(1m), Assert.Single(second.Deposits).Amount);
        Assert.NotEqual(deposit.DepositId, second.Deposits[0].DepositId);

        var burn = Write("sol-burn-red-" + token.TokenAddress, ChainWriteKind.BurnFromRedemption, token, (issuer.ToString(), Tokens(3m)));
        await Signer.SubmitAsync(burn);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", burn.WriteId)).State);
        Assert.Equal(100_000_000UL, await BalanceAsync(token, issuer.ToString()));
        Assert.Equal(700_000_000UL, (await MintAsync(token)).Supply);
    }

    private async Task<DepositScan> ScanUntilAsync(TokenDeployment token, string? cursor, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            // Only finalized transactions are listed, so a fresh transfer shows up a few blocks later.
            var scan = await Signer.ScanDepositsAsync(token.TokenAddress, 8, cursor, 100);
            if (scan.Deposits.Count >= count)
            {
                return scan;
            }
            Assert.True(DateTime.UtcNow < deadline, "deposit not final within 30 s");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Burn_from_a_holder_uses_the_permanent_delegate()
    {
        var token = await DeployAsync();
        var holder = Keypair.Generate().PublicKey.ToString();
        await Signer.SubmitAsync(Write("sol-bh-mint-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder, Tokens(5m))));
        await fixture.UntilDoneAsync("solana", "sol-bh-mint-" + token.TokenAddress);
        var burn = Write("sol-bh-" + token.TokenAddress, ChainWriteKind.BurnFromHolder, token, (holder, Tokens(2m)));
        await Signer.SubmitAsync(burn);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", burn.WriteId)).State);
        Assert.Equal(300_000_000UL, await BalanceAsync(token, holder));

        var tooMuch = await Signer.SubmitAsync(Write("sol-bh-over-" + token.TokenAddress, ChainWriteKind.BurnFromHolder, token, (holder, Tokens(4m))));
        Assert.Equal(ChainWriteState.Failed, tooMuch.State);
        Assert.Equal("insufficient_balance", tooMuch.FailureCode);
        Assert.Equal(300_000_000UL, (await MintAsync(token)).Supply);
    }

    [Fact]
    public async Task Blocked_and_paused_tokens_refuse_and_resume()
    {
        var token = await DeployAsync();
        var holder = await fixture.SolanaHolderAsync();
        var mint = PublicKey.Parse(token.TokenAddress);
        await Signer.SubmitAsync(Write("sol-bp-mint-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(5m))));
        await fixture.UntilDoneAsync("solana", "sol-bp-mint-" + token.TokenAddress);

        await Signer.SubmitAsync(Write("sol-block-" + token.TokenAddress, ChainWriteKind.SetBlocked, token, (holder.Address, CanonicalAmount.FromUnits(1))));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", "sol-block-" + token.TokenAddress)).State);
        var frozen = await Assert.ThrowsAsync<SolanaRpcException>(() => holder.Client.TransferAsync("frozen", mint, holder.Key, fixture.SolanaIssuer.PublicKey, 1));
        Assert.Equal(SolanaErrorKind.AccountFrozen, frozen.Kind);
        await Signer.SubmitAsync(Write("sol-unblock-" + token.TokenAddress, ChainWriteKind.SetBlocked, token, (holder.Address, CanonicalAmount.Zero)));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", "sol-unblock-" + token.TokenAddress)).State);
        Assert.False((await holder.Client.GetTokenAccountAsync(AssociatedTokenProgram.FindAddress(holder.Key.PublicKey, mint)))!.IsFrozen);

        await Signer.SubmitAsync(Write("sol-pause-" + token.TokenAddress, ChainWriteKind.SetPaused, token, ("", CanonicalAmount.FromUnits(1))));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", "sol-pause-" + token.TokenAddress)).State);
        Assert.True((await MintAsync(token)).IsPaused);
        var refused = await Signer.SubmitAsync(Write("sol-paused-mint-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder.Address, Tokens(1m))));
        Assert.Equal(ChainWriteState.Failed, refused.State);
        Assert.Equal("token_paused", refused.FailureCode);
        await Signer.SubmitAsync(Write("sol-resume-" + token.TokenAddress, ChainWriteKind.SetPaused, token, ("", CanonicalAmount.Zero)));
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", "sol-resume-" + token.TokenAddress)).State);
        Assert.False((await MintAsync(token)).IsPaused);
        Assert.Equal(500_000_000UL, (await MintAsync(token)).Supply);
    }
}
