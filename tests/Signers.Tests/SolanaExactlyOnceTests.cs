using Npgsql;
using Sharemint.Chains.Solana;
using Sharemint.Orders;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// Issue 11 behaviours 3, 4 and 11 on the Solana devnet: one writer per operation (compare-and-set write-ahead record and
/// an on-chain replay guard), one deposit per transfer, a page that stops at a transaction the node cannot return, and an
/// issuer without fee money that waits instead of failing.
/// </summary>
[Collection(SignerCollection.Name)]
public sealed class SolanaExactlyOnceTests(SignerFixture fixture)
{
    private static readonly TransactionSenderOptions Fast = new() { PollInterval = TimeSpan.FromMilliseconds(50), Timeout = TimeSpan.FromSeconds(30) };

    private IChainSignerGrain Signer => fixture.Signer("solana");

    private async Task<TokenDeployment> DeployAsync() =>
        await Signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Units.Multiplier.One));

    private async Task<ulong> BalanceAsync(TokenDeployment token, string wallet)
    {
        var account = await fixture.Solana.Rpc.GetAccountInfoAsync(AssociatedTokenProgram.FindAddress(PublicKey.Parse(wallet), PublicKey.Parse(token.TokenAddress)));
        return account is null ? 0 : TokenAccountState.Decode(account.Data, account.Owner).Amount;
    }

    private async Task MintFinalAsync(TokenDeployment token, string wallet, decimal tokens)
    {
        var write = Write($"mint-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(tokens)));
        await Signer.SubmitAsync(write);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", write.WriteId)).State);
    }

    private async Task<DepositScan> ScanUntilAsync(TokenDeployment token, int count, string? cursor = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var page = await Signer.ScanDepositsAsync(token.TokenAddress, 8, cursor, 100);
            if (page.Deposits.Count >= count)
            {
                return page;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{count} deposits not final within 30 s (saw {page.Deposits.Count})");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_mint_carries_a_replay_guard_so_a_second_transaction_for_the_same_write_fails_on_chain()
    {
        var token = await DeployAsync();
        var wallet = Keypair.Generate().PublicKey.ToString();
        var write = Write($"guarded-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(2m)));
        await Signer.SubmitAsync(write);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", write.WriteId)).State);

        var issuer = fixture.SolanaIssuer;
        var guard = PublicKey.CreateWithSeed(issuer.PublicKey, SolanaFamilySigner.GuardSeed(write.WriteId), ProgramIds.System);
        var guardAccount = await fixture.Solana.Rpc.GetAccountInfoAsync(guard);
        Assert.NotNull(guardAccount);
        Assert.Equal(ProgramIds.System, guardAccount.Owner);

        // Another activation (or anyone with the issuer key) signing the same operation anew: the chain refuses it.
        var mint = PublicKey.Parse(token.TokenAddress);
        var rent = await fixture.Solana.Rpc.GetMinimumBalanceForRentExemptionAsync(0);
        var blockhash = await fixture.Solana.Rpc.GetLatestBlockhashAsync();
        var duplicate = new TransactionBuilder().SetFeePayer(issuer.PublicKey).SetRecentBlockhash(blockhash.Blockhash)
            .Add(SystemProgram.CreateAccountWithSeed(issuer.PublicKey, issuer.PublicKey, SolanaFamilySigner.GuardSeed(write.WriteId), rent, 0, ProgramIds.System))
            .Add(Token2022Program.MintToChecked(mint, AssociatedTokenProgram.FindAddress(PublicKey.Parse(wallet), mint), issuer.PublicKey, 200_000_000, 8))
            .Build(issuer);
        await Assert.ThrowsAsync<SolanaRpcException>(() => fixture.Solana.Rpc.SendTransactionAsync(duplicate.Serialize()));
        Assert.Equal(200_000_000UL, await BalanceAsync(token, wallet));
    }

    [Fact]
    public async Task A_full_mint_batch_with_its_replay_guard_fits_one_transaction()
    {
        var token = await DeployAsync();
        var max = (await Signer.GetInfoAsync()).MaxMintBatch;
        var wallets = Enumerable.Range(0, max).Select(_ => Keypair.Generate().PublicKey.ToString()).ToList();
        var write = Write($"full-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, wallets.Select(w => (w, Tokens(1m))).ToArray());
        await Signer.SubmitAsync(write);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", write.WriteId)).State);
        Assert.Equal(Tokens(max), (await Signer.GetSupplyAsync(token.TokenAddress, 8)).Canonical);
    }

    [Fact]
    public async Task A_second_writer_that_read_before_the_first_saved_never_broadcasts()
    {
        await using var data = NpgsqlDataSource.Create(fixture.ConnectionString);
        var store = new ChainWriteLog(data, "solana-cas-" + Guid.NewGuid().ToString("N")[..8]).SolanaStore();
        var payer = await fixture.Solana.FundedKeypairAsync();
        var recipient = Keypair.Generate().PublicKey;
        var rent = await fixture.Solana.Rpc.GetMinimumBalanceForRentExemptionAsync(0);
        Transaction Sign(LatestBlockhash bh) => new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(bh.Blockhash)
            .Add(SystemProgram.Transfer(payer.PublicKey, recipient, rent)).Build(payer);

        var first = new TransactionSender(fixture.Solana.Rpc, store, Fast);
        var firstRecord = await first.SubmitAsync("op", Sign);
        // The second activation read "nothing recorded" before the first saved, and signs once the blockhash moved on.
        var seenBlockhash = firstRecord.Blockhash;
        while ((await fixture.Solana.Rpc.GetLatestBlockhashAsync()).Blockhash == seenBlockhash)
        {
            await Task.Delay(20);
        }
        var second = new TransactionSender(fixture.Solana.Rpc, new StaleFirstRead(store), Fast);
        var refused = await Assert.ThrowsAsync<SolanaException>(() => second.SubmitAsync("op", Sign));
        Assert.Equal(SolanaErrorKind.ConcurrentWriter, refused.Kind);

        await first.SendAsync("op", Sign);
        await fixture.Solana.AdvanceBlocksAsync(5);
        Assert.Equal(firstRecord.Signature, (await store.GetAsync("op", CancellationToken.None))!.Signature);
        Assert.Equal(rent, await fixture.Solana.Rpc.GetBalanceAsync(recipient));
    }

    [Fact]
    public async Task Two_activations_of_the_signer_submitting_one_write_at_once_mint_once()
    {
        var token = await DeployAsync();
        var wallet = Keypair.Generate().PublicKey.ToString();
        var write = Write($"twice-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(2m)));
        var second = await fixture.StartSecondClusterAsync();
        try
        {
            var other = second.Client.GetGrain<IChainSignerGrain>("solana");
            await other.GetInfoAsync();
            var both = new[] { Signer.SubmitAsync(write), other.SubmitAsync(write) };
            // The loser of the record race may answer "chain unavailable, ask again"; it must never sign and send its own copy.
            foreach (var attempt in both)
            {
                try
                {
                    await attempt;
                }
                catch (Errors.LedgerException e) when (e.Error == Errors.LedgerError.ChainUnavailable)
                {
                    Assert.Contains("another writer", e.Message, StringComparison.Ordinal);
                }
            }
            var final = await fixture.UntilDoneAsync("solana", write.WriteId);
            Assert.Equal(ChainWriteState.Final, final.State);
            Assert.Equal(final, await other.CheckAsync(write.WriteId));
        }
        finally
        {
            await second.StopAllSilosAsync();
            await second.DisposeAsync();
        }
        Assert.Equal(200_000_000UL, await BalanceAsync(token, wallet));
        Assert.Equal(Tokens(2m), (await Signer.GetSupplyAsync(token.TokenAddress, 8)).Canonical);
    }

    [Fact]
    public async Task An_expiry_is_proven_only_by_statuses_read_at_or_after_the_finalized_slot()
    {
        var payer = await fixture.Solana.FundedKeypairAsync();
        var recipient = Keypair.Generate().PublicKey;
        var rent = await fixture.Solana.Rpc.GetMinimumBalanceForRentExemptionAsync(0);
        Transaction Sign(LatestBlockhash bh) => new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(bh.Blockhash)
            .Add(SystemProgram.Transfer(payer.PublicKey, recipient, rent)).Build(payer);
        var store = new InMemorySignedTransactionStore();
        var sender = new TransactionSender(new SolanaRpcClient(fixture.GateSolana.Url), store, Fast);

        // The first copy never lands (the node drops it), and its blockhash expires.
        await fixture.Solana.DropTransactionsAsync(1);
        await sender.SubmitAsync("lagging", Sign);
        await fixture.Solana.AdvanceBlocksAsync(200);

        // A node answering statuses from a state older than the finalized slot proves nothing: no new signature.
        fixture.GateSolana.Inner.StaleContextFor("getSignatureStatuses", 0);
        try
        {
            await sender.PollAsync("lagging", Sign);
            await sender.PollAsync("lagging", Sign);
            Assert.Equal(1, (await store.GetAsync("lagging", CancellationToken.None))!.Attempt);
        }
        finally
        {
            fixture.GateSolana.Inner.Forward("getSignatureStatuses");
        }

        // Read at a consistent slot, the expiry is proven: one new attempt, and it lands once.
        await sender.SendAsync("lagging", Sign);
        Assert.Equal(2, (await store.GetAsync("lagging", CancellationToken.None))!.Attempt);
        Assert.Equal(rent, await fixture.Solana.Rpc.GetBalanceAsync(recipient));
    }

    [Fact]
    public async Task One_transaction_with_three_transfers_of_two_assets_yields_three_deposits_and_three_orders()
    {
        var tokenA = await DeployAsync();
        var tokenB = await DeployAsync();
        var holder = await fixture.Solana.FundedKeypairAsync();
        await MintFinalAsync(tokenA, holder.PublicKey.ToString(), 10m);
        await MintFinalAsync(tokenB, holder.PublicKey.ToString(), 10m);
        var issuer = fixture.SolanaIssuer.PublicKey;
        var mintA = PublicKey.Parse(tokenA.TokenAddress);
        var mintB = PublicKey.Parse(tokenB.TokenAddress);
        TransactionInstruction Send(PublicKey mint, ulong amount) => Token2022Program.TransferChecked(
            AssociatedTokenProgram.FindAddress(holder.PublicKey, mint), mint, AssociatedTokenProgram.FindAddress(issuer, mint), holder.PublicKey, amount, 8);
        var sender = new TransactionSender(fixture.Solana.Rpc, new InMemorySignedTransactionStore(), Fast);
        await sender.SendAsync("three-transfers", bh => new TransactionBuilder().SetFeePayer(holder.PublicKey).SetRecentBlockhash(bh.Blockhash)
            .Add(AssociatedTokenProgram.CreateIdempotent(holder.PublicKey, issuer, mintA))
            .Add(AssociatedTokenProgram.CreateIdempotent(holder.PublicKey, issuer, mintB))
            .Add(Send(mintA, 100_000_000))
            .Add(Send(mintB, 200_000_000))
            .Add(Send(mintA, 300_000_000))
            .Build(holder));

        var depositsA = (await ScanUntilAsync(tokenA, 2)).Deposits;
        var depositsB = (await ScanUntilAsync(tokenB, 1)).Deposits;
        Assert.Equal(new[] { Tokens(1m), Tokens(3m) }, depositsA.Select(d => d.Amount!.Value).ToArray());
        Assert.Equal(Tokens(2m), Assert.Single(depositsB).Amount);
        var all = depositsA.Concat(depositsB).ToList();
        Assert.All(all, d => Assert.Equal(holder.PublicKey.ToString(), d.FromAddress));
        Assert.Single(all.Select(d => d.TransactionId).Distinct());
        Assert.Equal(3, all.Select(d => d.DepositId).Distinct().Count());
        Assert.Equal(3, all.Select(d => OrderIds.ForDeposit("solana", d.DepositId)).Distinct().Count());
    }

    [Fact]
    public async Task A_transaction_the_node_cannot_return_stops_the_page_instead_of_being_skipped()
    {
        var token = await DeployAsync();
        var holder = await fixture.SolanaHolderAsync();
        await MintFinalAsync(token, holder.Address, 5m);
        await holder.Client.TransferAsync("dep-1", PublicKey.Parse(token.TokenAddress), holder.Key, fixture.SolanaIssuer.PublicKey, 100_000_000);
        var seen = await ScanUntilAsync(token, 1);

        await holder.Client.TransferAsync("dep-2", PublicKey.Parse(token.TokenAddress), holder.Key, fixture.SolanaIssuer.PublicKey, 200_000_000);
        await ScanUntilAsync(token, 1, seen.NextCursor);
        fixture.GateSolana.Inner.NullResultFor("getTransaction");
        DepositScan blocked;
        try
        {
            blocked = await Signer.ScanDepositsAsync(token.TokenAddress, 8, seen.NextCursor, 100);
        }
        finally
        {
            fixture.GateSolana.Inner.Forward("getTransaction");
        }
        Assert.Empty(blocked.Deposits);
        Assert.Equal(seen.NextCursor, blocked.NextCursor);

        var resumed = await Signer.ScanDepositsAsync(token.TokenAddress, 8, blocked.NextCursor, 100);
        Assert.Equal(Tokens(2m), Assert.Single(resumed.Deposits).Amount);
    }

    [Fact]
    public async Task An_issuer_without_fee_money_makes_writes_wait_and_they_land_once_it_is_topped_up()
    {
        var token = await DeployAsync();
        var issuer = fixture.SolanaIssuer;
        var rpc = fixture.Solana.Rpc;
        // Empty the issuer's account completely (the fee of one signature is 5000 lamports on the devnet).
        var balance = await rpc.GetBalanceAsync(issuer.PublicKey);
        var drain = new TransactionSender(rpc, new InMemorySignedTransactionStore(), Fast);
        await drain.SendAsync($"drain-{Guid.NewGuid():N}", bh => new TransactionBuilder().SetFeePayer(issuer.PublicKey).SetRecentBlockhash(bh.Blockhash)
            .Add(SystemProgram.Transfer(issuer.PublicKey, Keypair.Generate().PublicKey, balance - 5000)).Build(issuer));
        Assert.Equal(0UL, await rpc.GetBalanceAsync(issuer.PublicKey));

        var wallet = Keypair.Generate().PublicKey.ToString();
        var write = Write($"starved-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(1m)));
        try
        {
            var waiting = await Assert.ThrowsAsync<Errors.LedgerException>(() => Signer.SubmitAsync(write));
            Assert.Equal(Errors.LedgerError.ChainUnavailable, waiting.Error);
            var again = await Assert.ThrowsAsync<Errors.LedgerException>(() => Signer.CheckAsync(write.WriteId));
            Assert.Equal(Errors.LedgerError.ChainUnavailable, again.Error);
            Assert.True(FeeMoneyAlerts.IsStarved("solana"));
        }
        finally
        {
            // Whatever happened, the other tests share this issuer: give its fee money back.
            await rpc.RequestAirdropAsync(issuer.PublicKey, 500_000_000_000);
        }
        var final = await fixture.UntilDoneAsync("solana", write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        Assert.Equal(100_000_000UL, await BalanceAsync(token, wallet));
        Assert.False(FeeMoneyAlerts.IsStarved("solana"));
    }

    [Fact]
    public async Task A_mint_whose_broadcast_reply_was_lost_lands_exactly_once()
    {
        var token = await DeployAsync();
        var wallet = Keypair.Generate().PublicKey.ToString();
        var write = Write($"lost-reply-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(3m)));
        fixture.GateSolana.Inner.DropNextSendReplies(1);
        var dropped = fixture.GateSolana.Inner.RepliesDropped;
        await Assert.ThrowsAnyAsync<Exception>(() => Signer.SubmitAsync(write));
        Assert.Equal(dropped + 1, fixture.GateSolana.Inner.RepliesDropped);

        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", write.WriteId)).State);
        Assert.Equal(300_000_000UL, await BalanceAsync(token, wallet));
        Assert.Equal(Tokens(3m), (await Signer.GetSupplyAsync(token.TokenAddress, 8)).Canonical);
    }

    /// <summary>A store whose first read answers "nothing recorded", as one read by a second activation before the first saved.</summary>
    private sealed class StaleFirstRead(ISignedTransactionStore inner) : ISignedTransactionStore
    {
        private bool _stale = true;

        public Task<SignedTransactionRecord?> GetAsync(string operationId, CancellationToken cancellationToken)
        {
            if (_stale)
            {
                _stale = false;
                return Task.FromResult<SignedTransactionRecord?>(null);
            }
            return inner.GetAsync(operationId, cancellationToken);
        }

        public Task SaveAsync(SignedTransactionRecord record, CancellationToken cancellationToken) => inner.SaveAsync(record, cancellationToken);
    }
}
