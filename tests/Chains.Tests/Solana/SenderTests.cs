using Sharemint.Chains.Solana;
using Xunit;

namespace Sharemint.Chains.Tests.Solana;

/// <summary>A store that persists, then simulates a process crash at a chosen save.</summary>
internal sealed class CrashingStore(ISignedTransactionStore inner, int crashOnSave) : ISignedTransactionStore
{
    private int _saves;

    public Task<SignedTransactionRecord?> GetAsync(string operationId, CancellationToken cancellationToken) => inner.GetAsync(operationId, cancellationToken);

    public async Task SaveAsync(SignedTransactionRecord record, CancellationToken cancellationToken)
    {
        await inner.SaveAsync(record, cancellationToken);
        if (Interlocked.Increment(ref _saves) == crashOnSave)
        {
            throw new SimulatedCrashException();
        }
    }
}

internal sealed class SimulatedCrashException : Exception;

[Collection(SolanaDevnetCollection.Name)]
public sealed class SenderTests(SolanaDevnetFixture fixture)
{
    private SolanaDevnet Devnet => fixture.Devnet;

    [Fact]
    public async Task Duplicate_send_of_the_same_transaction_is_harmless()
    {
        var payer = await Devnet.FundedKeypairAsync();
        var to = Keypair.Generate().PublicKey;
        var bh = await Devnet.Rpc.GetLatestBlockhashAsync();
        var tx = new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(bh.Blockhash)
            .Add(SystemProgram.Transfer(payer.PublicKey, to, 1_000_000)).Build(payer);
        Assert.Equal(tx.Signature, await Devnet.Rpc.SendTransactionAsync(tx));
        Assert.Equal(tx.Signature, await Devnet.Rpc.SendTransactionAsync(tx, new SendOptions(SkipPreflight: true)));
        var e = await Assert.ThrowsAsync<SolanaRpcException>(() => Devnet.Rpc.SendTransactionAsync(tx));
        Assert.Equal(SolanaErrorKind.AlreadyProcessed, e.Kind);
        Assert.Equal(1_000_000UL, await Devnet.Rpc.GetBalanceAsync(to));
        Assert.Single(await Devnet.Rpc.GetSignaturesForAddressAsync(to));

        // Through the sender: the same operation id signs once and returns the same signature.
        var issuer = await Issuer.CreateAsync(Devnet);
        var signs = 0;
        Transaction Sign(LatestBlockhash b)
        {
            signs++;
            return new TransactionBuilder().SetFeePayer(issuer.Authority.PublicKey).SetRecentBlockhash(b.Blockhash)
                .Add(SystemProgram.Transfer(issuer.Authority.PublicKey, to, 5)).Build(issuer.Authority);
        }
        var first = await issuer.Sender.SendAsync("pay-5", Sign);
        var second = await issuer.Sender.SendAsync("pay-5", Sign);
        Assert.Equal(first.Signature, second.Signature);
        Assert.Equal(first.Signature, second.Signature);
        Assert.Equal(1_000_005UL, await Devnet.Rpc.GetBalanceAsync(to));
        // Only the first call's signature was ever broadcast: the retry compared intents locally.
        Assert.Equal(2, signs);
        Assert.Equal(2, (await Devnet.Rpc.GetSignaturesForAddressAsync(to)).Count);
        // Reusing the id for a different transfer is a conflict, not a silent success.
        var e2 = await Assert.ThrowsAsync<SolanaException>(() => issuer.Sender.SendAsync("pay-5", b =>
            new TransactionBuilder().SetFeePayer(issuer.Authority.PublicKey).SetRecentBlockhash(b.Blockhash)
                .Add(SystemProgram.Transfer(issuer.Authority.PublicKey, to, 6)).Build(issuer.Authority)));
        Assert.Equal(SolanaErrorKind.OperationConflict, e2.Kind);
        Assert.Equal(1_000_005UL, await Devnet.Rpc.GetBalanceAsync(to));
    }

    [Fact]
    public async Task Dropped_transactions_are_rebroadcast_with_the_same_bytes()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var holder = Keypair.Generate().PublicKey;
        await Devnet.DropTransactionsAsync(3);
        var outcome = await issuer.Client.MintAsync("m1", mint, issuer.Authority, holder, 42);
        Assert.Equal(1, outcome.Attempt);
        Assert.Equal(42UL, await issuer.Client.GetSupplyAsync(mint));
    }

    [Fact]
    public async Task Blockhash_expiry_then_safe_resign_mints_exactly_once()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var holder = Keypair.Generate().PublicKey;
        // The network loses every copy until the blockhash has expired.
        await Devnet.DropTransactionsAsync(1_000_000);
        var send = issuer.Client.MintAsync("mint-once", mint, issuer.Authority, holder, 7_00000000);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        SignedTransactionRecord? first = null;
        while (first is null && DateTime.UtcNow < deadline)
        {
            first = await issuer.Store.GetAsync("mint-once", default);
            await Task.Delay(50);
        }
        Assert.NotNull(first);
        await Task.Delay(300); // several rebroadcasts of the same bytes, all lost
        Assert.Null((await Devnet.Rpc.GetSignatureStatusesAsync([first.Signature]))[0]);
        await Devnet.AdvanceBlocksAsync(200);
        await Devnet.DropTransactionsAsync(0);
        var outcome = await send;

        Assert.Equal(2, outcome.Attempt);
        Assert.NotEqual(first.Signature, outcome.Signature);
        var record = await issuer.Store.GetAsync("mint-once", default);
        Assert.Equal(SignedTransactionState.Succeeded, record!.State);
        Assert.Equal([first.Signature], record.AbandonedSignatures);
        Assert.Null((await Devnet.Rpc.GetSignatureStatusesAsync([first.Signature]))[0]);
        Assert.Equal(7_00000000UL, await issuer.Client.GetSupplyAsync(mint));
        // Replaying the old bytes now cannot land either.
        await Devnet.Rpc.SendTransactionAsync(first.WireTransaction, new SendOptions(SkipPreflight: true));
        Assert.Equal(7_00000000UL, await issuer.Client.GetSupplyAsync(mint));
    }

    [Fact]
    public async Task Crash_after_write_ahead_before_broadcast_resigns_after_expiry_and_mints_once()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var holder = Keypair.Generate().PublicKey;
        var durable = new InMemorySignedTransactionStore();
        var crashing = new TransactionSender(Devnet.Rpc, new CrashingStore(durable, crashOnSave: 1), Issuer.FastSender);
        var client = new XStockTokenClient(Devnet.Rpc, crashing, issuer.Authority);
        await Assert.ThrowsAsync<SimulatedCrashException>(() => client.MintAsync("op", mint, issuer.Authority, holder, 9));
        var written = await durable.GetAsync("op", default);
        Assert.NotNull(written);
        Assert.Null((await Devnet.Rpc.GetSignatureStatusesAsync([written.Signature]))[0]);
        await Devnet.AdvanceBlocksAsync(200);

        var recovered = new XStockTokenClient(Devnet.Rpc, new TransactionSender(Devnet.Rpc, durable, Issuer.FastSender), issuer.Authority);
        var outcome = await recovered.MintAsync("op", mint, issuer.Authority, holder, 9);
        Assert.Equal(2, outcome.Attempt);
        Assert.Equal(9UL, await recovered.GetSupplyAsync(mint));
    }

    [Fact]
    public async Task Crash_after_landing_is_recovered_from_the_status_without_resigning()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var holder = Keypair.Generate().PublicKey;
        var durable = new InMemorySignedTransactionStore();
        // Save 1 = write-ahead, save 2 = "succeeded": crash there, after the transaction landed.
        var crashing = new TransactionSender(Devnet.Rpc, new CrashingStore(durable, crashOnSave: 2), Issuer.FastSender);
        await Assert.ThrowsAsync<SimulatedCrashException>(() =>
            new XStockTokenClient(Devnet.Rpc, crashing, issuer.Authority).MintAsync("op", mint, issuer.Authority, holder, 11));
        Assert.Equal(11UL, await issuer.Client.GetSupplyAsync(mint));
        await Devnet.AdvanceBlocksAsync(200); // the blockhash has expired too: only the status may decide

        var recovered = new XStockTokenClient(Devnet.Rpc, new TransactionSender(Devnet.Rpc, durable, Issuer.FastSender), issuer.Authority);
        var outcome = await recovered.MintAsync("op", mint, issuer.Authority, holder, 11);
        Assert.Equal(1, outcome.Attempt);
        Assert.Equal(11UL, await recovered.GetSupplyAsync(mint));
    }

    [Fact]
    public async Task Retrying_with_different_instructions_is_an_operation_conflict()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var durable = new InMemorySignedTransactionStore();
        var crashing = new TransactionSender(Devnet.Rpc, new CrashingStore(durable, crashOnSave: 1), Issuer.FastSender);
        var holder = Keypair.Generate().PublicKey;
        await Assert.ThrowsAsync<SimulatedCrashException>(() =>
            new XStockTokenClient(Devnet.Rpc, crashing, issuer.Authority).MintAsync("op", mint, issuer.Authority, holder, 5));
        await Devnet.AdvanceBlocksAsync(200);
        var recovered = new XStockTokenClient(Devnet.Rpc, new TransactionSender(Devnet.Rpc, durable, Issuer.FastSender), issuer.Authority);
        var e = await Assert.ThrowsAsync<SolanaException>(() => recovered.MintAsync("op", mint, issuer.Authority, holder, 6));
        Assert.Equal(SolanaErrorKind.OperationConflict, e.Kind);
        Assert.Equal(0UL, await recovered.GetSupplyAsync(mint));
    }

    [Fact]
    public async Task Transaction_failing_on_chain_is_recorded_as_failed_and_not_retried()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var holder = await Devnet.FundedKeypairAsync(1_000_000_000);
        await issuer.Client.MintAsync("m", mint, issuer.Authority, holder.PublicKey, 10);
        // Build a burn of more than the balance and push it past preflight, so it lands with an error.
        var bh = await Devnet.Rpc.GetLatestBlockhashAsync();
        var ata = AssociatedTokenProgram.FindAddress(holder.PublicKey, mint);
        var tx = new TransactionBuilder().SetFeePayer(holder.PublicKey).SetRecentBlockhash(bh.Blockhash)
            .Add(Token2022Program.BurnChecked(ata, mint, holder.PublicKey, 11, 8)).Build(holder);
        var store = new InMemorySignedTransactionStore();
        await store.SaveAsync(new SignedTransactionRecord("burn", 1, tx.Signature, tx.Serialize(), bh.Blockhash, bh.LastValidBlockHeight,
            TransactionSender.IntentHash(tx.Message), [], SignedTransactionState.Pending, null, null), default);
        await Devnet.Rpc.SendTransactionAsync(tx, new SendOptions(SkipPreflight: true));
        var sender = new TransactionSender(Devnet.Rpc, store, Issuer.FastSender);
        Transaction Same(LatestBlockhash b) => new TransactionBuilder().SetFeePayer(holder.PublicKey).SetRecentBlockhash(b.Blockhash)
            .Add(Token2022Program.BurnChecked(ata, mint, holder.PublicKey, 11, 8)).Build(holder);
        var e = await Assert.ThrowsAsync<SolanaException>(() => sender.SendAsync("burn", Same));
        Assert.Equal(SolanaErrorKind.InsufficientFunds, e.Kind);
        var failed = await store.GetAsync("burn", default);
        Assert.Equal(SignedTransactionState.Failed, failed!.State);
        Assert.Equal(1, failed.Attempt);
        Assert.Equal(tx.Signature, failed.Signature);
        // Final: asking again reports the same failure without sending anything new.
        await Devnet.AdvanceBlocksAsync(200);
        Assert.Equal(SolanaErrorKind.InsufficientFunds, (await Assert.ThrowsAsync<SolanaException>(() => sender.SendAsync("burn", Same))).Kind);
        Assert.Equal(1, (await store.GetAsync("burn", default))!.Attempt);
        var details = await Devnet.Rpc.GetTransactionAsync(tx.Signature);
        Assert.Equal(SolanaErrorKind.InsufficientFunds, details!.Error!.Kind);
        Assert.Equal(5000UL, details.Fee);
        Assert.Equal(10UL, await issuer.Client.GetSupplyAsync(mint));
    }

    [Fact]
    public async Task Deposits_to_a_redemption_account_are_listed_with_a_cursor()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var holderA = await Devnet.FundedKeypairAsync(1_000_000_000);
        var holderB = await Devnet.FundedKeypairAsync(1_000_000_000);
        await issuer.Client.MintBatchAsync("m", mint, issuer.Authority, [new(holderA.PublicKey, 1000), new(holderB.PublicKey, 1000)]);
        var redemption = issuer.Authority.PublicKey;
        await issuer.Client.MintAsync("open", mint, issuer.Authority, redemption, 1); // opens the redemption account
        var redemptionAta = AssociatedTokenProgram.FindAddress(redemption, mint);
        await issuer.Client.TransferAsync("t1", mint, holderA, redemption, 100);
        await issuer.Client.TransferAsync("t2", mint, holderB, redemption, 200);
        await Devnet.AdvanceBlocksAsync(3); // finalized

        // A page holds at most `limit` transactions; the mint that opened the account is no transfer, so no deposit.
        var page = await issuer.Client.ListDepositsAsync(redemptionAta, cursor: null, limit: 2);
        Assert.True(page.HasMore);
        Assert.Equal([100UL], page.Deposits.Select(d => d.Amount));
        Assert.Equal(holderA.PublicKey, page.Deposits[0].SourceOwner);
        page = await issuer.Client.ListDepositsAsync(redemptionAta, page.Cursor, limit: 2);
        Assert.False(page.HasMore);
        var deposit = Assert.Single(page.Deposits);
        Assert.Equal(200UL, deposit.Amount);
        Assert.Equal(holderB.PublicKey, deposit.SourceOwner);
        await issuer.Client.TransferAsync("t3", mint, holderA, redemption, 300);
        await Devnet.AdvanceBlocksAsync(3);
        page = await issuer.Client.ListDepositsAsync(redemptionAta, page.Cursor);
        Assert.Equal([300UL], page.Deposits.Select(d => d.Amount));
        page = await issuer.Client.ListDepositsAsync(redemptionAta, page.Cursor);
        Assert.Empty(page.Deposits);
    }

    [Fact]
    public async Task Submit_returns_at_once_and_polling_lands_the_same_bytes_once()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        var holder = Keypair.Generate().PublicKey;
        Transaction Sign(LatestBlockhash b) => new TransactionBuilder().SetFeePayer(issuer.Authority.PublicKey).SetRecentBlockhash(b.Blockhash)
            .Add(AssociatedTokenProgram.CreateIdempotent(issuer.Authority.PublicKey, holder, mint))
            .Add(Token2022Program.MintToChecked(mint, AssociatedTokenProgram.FindAddress(holder, mint), issuer.Authority.PublicKey, 5, 8))
            .Build(issuer.Authority);

        // The network loses the first copy: Submit still returns at once with the persisted, pending record.
        await Devnet.DropTransactionsAsync(1);
        var submitted = await issuer.Sender.SubmitAsync("poll-mint", Sign);
        Assert.Equal(SignedTransactionState.Pending, submitted.State);
        Assert.Equal(submitted, await issuer.Store.GetAsync("poll-mint", default));

        var polled = await PollUntilDoneAsync(issuer, "poll-mint", Sign);
        Assert.Equal(SignedTransactionState.Succeeded, polled.State);
        Assert.Equal(submitted.Signature, polled.Signature);
        Assert.Equal(1, polled.Attempt);
        Assert.Equal(5UL, await issuer.Client.GetSupplyAsync(mint));

        // Submitting the same operation again reports the record and sends nothing new.
        var again = await issuer.Sender.SubmitAsync("poll-mint", Sign);
        Assert.Equal(SignedTransactionState.Succeeded, again.State);
        Assert.Equal(5UL, await issuer.Client.GetSupplyAsync(mint));

        var unknown = await Assert.ThrowsAsync<SolanaException>(() => issuer.Sender.PollAsync("never-submitted", Sign));
        Assert.Equal(SolanaErrorKind.UnknownOperation, unknown.Kind);
    }

    [Fact]
    public async Task Submit_refused_at_preflight_throws_and_a_poll_records_the_on_chain_failure()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync();
        await issuer.Client.PauseAsync("pause-for-poll", mint, issuer.Authority);
        var holder = Keypair.Generate().PublicKey;
        Transaction Sign(LatestBlockhash b) => new TransactionBuilder().SetFeePayer(issuer.Authority.PublicKey).SetRecentBlockhash(b.Blockhash)
            .Add(AssociatedTokenProgram.CreateIdempotent(issuer.Authority.PublicKey, holder, mint))
            .Add(Token2022Program.MintToChecked(mint, AssociatedTokenProgram.FindAddress(holder, mint), issuer.Authority.PublicKey, 5, 8))
            .Build(issuer.Authority);

        var refused = await Assert.ThrowsAsync<SolanaRpcException>(() => issuer.Sender.SubmitAsync("paused-mint", Sign));
        Assert.Equal(SolanaErrorKind.MintPaused, refused.Kind);
        Assert.Equal(SignedTransactionState.Pending, (await issuer.Store.GetAsync("paused-mint", default))!.State);

        var polled = await PollUntilDoneAsync(issuer, "paused-mint", Sign);
        Assert.Equal(SignedTransactionState.Failed, polled.State);
        Assert.Equal(SolanaErrorKind.MintPaused, TransactionSender.FailureKind(polled));
        Assert.Equal(0UL, await issuer.Client.GetSupplyAsync(mint));
    }

    private static async Task<SignedTransactionRecord> PollUntilDoneAsync(Issuer issuer, string operationId, Func<LatestBlockhash, Transaction> sign)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var record = await issuer.Sender.PollAsync(operationId, sign);
            if (record.State != SignedTransactionState.Pending || DateTime.UtcNow > deadline)
            {
                return record;
            }
            await Task.Delay(50);
        }
    }
}
