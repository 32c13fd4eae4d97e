using System.Numerics;
using Sharemint.Chains.Solana;
using Xunit;

namespace Sharemint.Chains.Tests.Solana;

[Collection(SolanaDevnetCollection.Name)]
public sealed class MintLifecycleTests(SolanaDevnetFixture fixture)
{
    private SolanaDevnet Devnet => fixture.Devnet;

    [Fact]
    public async Task Rpc_basics_answer_with_real_shapes()
    {
        var rpc = Devnet.Rpc;
        Assert.Equal("ok", await rpc.GetHealthAsync());
        Assert.False(string.IsNullOrEmpty(await rpc.GetVersionAsync()));
        var slot = await rpc.GetSlotAsync();
        var height = await rpc.GetBlockHeightAsync();
        var bh = await rpc.GetLatestBlockhashAsync();
        Assert.True(bh.LastValidBlockHeight > height);
        Assert.True(await rpc.IsBlockhashValidAsync(bh.Blockhash));
        Assert.True(await rpc.GetMinimumBalanceForRentExemptionAsync(165) > 0);
        var kp = Keypair.Generate();
        Assert.Equal(0UL, await rpc.GetBalanceAsync(kp.PublicKey));
        Assert.Null(await rpc.GetAccountInfoAsync(kp.PublicKey));
        var sig = await rpc.RequestAirdropAsync(kp.PublicKey, 1_000_000_000);
        Assert.Equal(1_000_000_000UL, await rpc.GetBalanceAsync(kp.PublicKey));
        var status = Assert.Single(await rpc.GetSignatureStatusesAsync([sig]));
        Assert.NotNull(status);
        Assert.True(status.Slot >= slot);
        var accounts = await rpc.GetMultipleAccountsAsync([kp.PublicKey, Keypair.Generate().PublicKey]);
        Assert.Equal(1_000_000_000UL, accounts[0]!.Lamports);
        Assert.Equal(ProgramIds.System, accounts[0]!.Owner);
        Assert.Null(accounts[1]);
        // Slots advance on their own (timer) and with every transaction.
        Assert.True(await rpc.GetSlotAsync() > slot);
    }

    [Fact]
    public async Task Full_xstock_lifecycle_with_all_extensions()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var client = issuer.Client;
        var authority = issuer.Authority;
        var mintKp = Keypair.Generate();
        var spec = issuer.Spec("NVDAx", permanentDelegate: authority.PublicKey);
        await client.CreateMintAsync("create-nvdax", spec, mintKp, authority);
        var mint = mintKp.PublicKey;

        var state = await client.GetMintAsync(mint);
        Assert.Equal(ProgramIds.Token2022, state.Program);
        Assert.Equal((byte)8, state.Decimals);
        Assert.Equal(0UL, state.Supply);
        Assert.Equal(authority.PublicKey, state.MintAuthority);
        Assert.Equal(authority.PublicKey, state.FreezeAuthority);
        Assert.Equal(1.0, state.ScaledUiAmount!.Multiplier);
        Assert.Equal(authority.PublicKey, state.ScaledUiAmount.Authority);
        Assert.False(state.Pausable!.Paused);
        Assert.Equal(mint, state.MetadataPointer!.MetadataAddress);
        Assert.Equal(authority.PublicKey, state.PermanentDelegate);
        Assert.Equal("NVDAx xStock", state.Metadata!.Name);
        Assert.Equal("NVDAx", state.Metadata.Symbol);
        Assert.Equal(mint, state.Metadata.Mint);
        Assert.Contains(ExtensionType.TokenMetadata, state.Extensions);

        // Mint to two holders, one of them in a batch.
        var alice = Keypair.Generate();
        var bob = Keypair.Generate().PublicKey;
        await client.MintAsync("mint-1", mint, authority, alice.PublicKey, 150_00000000);
        await client.MintBatchAsync("mint-2", mint, authority, [new MintRecipient(bob, 50_00000000), new MintRecipient(alice.PublicKey, 1)]);
        Assert.Equal(200_00000001UL, await client.GetSupplyAsync(mint));
        Assert.Equal(150_00000001UL, await client.GetBalanceAsync(mint, alice.PublicKey));
        var aliceAta = AssociatedTokenProgram.FindAddress(alice.PublicKey, mint);
        var aliceAccount = await client.GetTokenAccountAsync(aliceAta);
        Assert.Contains(ExtensionType.ImmutableOwner, aliceAccount!.Extensions);
        Assert.Contains(ExtensionType.PausableAccount, aliceAccount.Extensions);
        Assert.Equal(alice.PublicKey, aliceAccount.Owner);

        // The holder moves tokens (fees paid by the issuer).
        await Devnet.Rpc.RequestAirdropAsync(alice.PublicKey, 1_000_000_000);
        await client.TransferAsync("transfer-1", mint, alice, bob, 10_00000000);
        Assert.Equal(60_00000000UL, await client.GetBalanceAsync(mint, bob));

        // Dividend reinvested: multiplier 1.05 now; the RPC's UI amount follows it, raw balances do not change.
        await client.UpdateMultiplierAsync("mult-1", mint, authority, BigInteger.Parse("1050000000000000000", System.Globalization.CultureInfo.InvariantCulture), 0);
        state = await client.GetMintAsync(mint);
        Assert.Equal(1.05, state.MultiplierAt(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        var supply = await Devnet.Rpc.GetTokenSupplyAsync(mint);
        Assert.Equal(200_00000001UL, supply.Amount);
        Assert.StartsWith("210.00000001", supply.UiAmountString, StringComparison.Ordinal);
        var bobBalance = await Devnet.Rpc.GetTokenAccountBalanceAsync(AssociatedTokenProgram.FindAddress(bob, mint));
        Assert.Equal(60_00000000UL, bobBalance.Amount);
        Assert.Equal("63", bobBalance.UiAmountString);

        // A scheduled split takes effect later: the current multiplier stays until then.
        var future = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        await client.UpdateMultiplierAsync("mult-2", mint, authority, BigInteger.Parse("2100000000000000000", System.Globalization.CultureInfo.InvariantCulture), future);
        state = await client.GetMintAsync(mint);
        Assert.Equal(1.05, state.ScaledUiAmount!.MultiplierAt(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        Assert.Equal(2.1, state.ScaledUiAmount.MultiplierAt(future));

        // Burn by the holder and by the permanent delegate (redemption of seized tokens).
        await client.BurnAsync("burn-1", mint, alice.PublicKey, alice, 40_00000000);
        await client.BurnAsync("burn-2", mint, bob, authority, 10_00000000);
        Assert.Equal(150_00000001UL, await client.GetSupplyAsync(mint));
        Assert.Equal(50_00000000UL, await client.GetBalanceAsync(mint, bob));

        // Freeze and thaw.
        await client.FreezeAsync("freeze-1", mint, bob, authority);
        Assert.True((await client.GetTokenAccountAsync(AssociatedTokenProgram.FindAddress(bob, mint)))!.IsFrozen);
        await client.ThawAsync("thaw-1", mint, bob, authority);
        Assert.False((await client.GetTokenAccountAsync(AssociatedTokenProgram.FindAddress(bob, mint)))!.IsFrozen);

        // Pause and resume.
        await client.PauseAsync("pause-1", mint, authority);
        Assert.True((await client.GetMintAsync(mint)).IsPaused);
        await client.ResumeAsync("resume-1", mint, authority);
        Assert.False((await client.GetMintAsync(mint)).IsPaused);
        await client.MintAsync("mint-3", mint, authority, bob, 5);
        Assert.Equal(150_00000006UL, await client.GetSupplyAsync(mint));

        // Token accounts by owner.
        var owned = await Devnet.Rpc.GetTokenAccountsByOwnerAsync(bob, mint);
        var only = Assert.Single(owned);
        Assert.Equal(AssociatedTokenProgram.FindAddress(bob, mint), only.Address);
        Assert.Equal(50_00000005UL, TokenAccountState.Decode(only.Account.Data, only.Account.Owner).Amount);
    }

    [Fact]
    public async Task V0_transaction_with_compute_budget_executes_and_reads_back()
    {
        var payer = await Devnet.FundedKeypairAsync();
        var to = Keypair.Generate().PublicKey;
        var bh = await Devnet.Rpc.GetLatestBlockhashAsync();
        var tx = new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(bh.Blockhash).UseVersion0()
            .SetComputeUnitLimit(10_000).SetComputeUnitPrice(1_000_000)
            .Add(SystemProgram.Transfer(payer.PublicKey, to, 2_000_000)).Build(payer);
        var simulation = await Devnet.Rpc.SimulateTransactionAsync(tx);
        Assert.Null(simulation.Error);
        Assert.True(simulation.UnitsConsumed > 0);
        Assert.Equal(tx.Signature, await Devnet.Rpc.SendTransactionAsync(tx));
        var details = await Devnet.Rpc.GetTransactionAsync(tx.Signature);
        Assert.NotNull(details);
        Assert.Equal(0, details.Transaction.Message.Version);
        Assert.Equal(tx.Serialize(), details.Transaction.Serialize());
        // Base fee plus the priority fee: 10,000 CU x 1 lamport.
        Assert.Equal(5000UL + 10_000UL, details.Fee);
        Assert.Equal(2_000_000UL, await Devnet.Rpc.GetBalanceAsync(to));
        Assert.Equal(10_000_000_000UL - 2_000_000UL - details.Fee, await Devnet.Rpc.GetBalanceAsync(payer.PublicKey));
    }

    [Fact]
    public async Task Mint_without_permanent_delegate_has_no_such_extension()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync("AAPLx", permanentDelegate: false);
        var state = await issuer.Client.GetMintAsync(mint);
        Assert.Null(state.PermanentDelegate);
        Assert.DoesNotContain(ExtensionType.PermanentDelegate, state.Extensions);
        Assert.NotNull(state.ScaledUiAmount);
        Assert.NotNull(state.Pausable);
    }

    [Fact]
    public async Task Batched_mints_pack_many_recipients_per_transaction()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync("SPYx");
        var recipients = Enumerable.Range(1, 25).Select(i => new MintRecipient(Keypair.Generate().PublicKey, (ulong)i * 1000)).ToList();
        var batches = issuer.Client.PlanBatches(mint, issuer.Authority.PublicKey, 8, recipients);
        Assert.True(batches.Count is >= 2 and <= 5, $"{batches.Count} batches");
        Assert.Equal(recipients, batches.SelectMany(b => b));
        var signatures = new HashSet<string>();
        for (var i = 0; i < batches.Count; i++)
        {
            var outcome = await issuer.Client.MintBatchAsync($"batch-{i}", mint, issuer.Authority, batches[i]);
            signatures.Add(outcome.Signature);
        }
        Assert.Equal(batches.Count, signatures.Count);
        Assert.Equal(recipients.Sum(r => (long)r.Amount), (long)await issuer.Client.GetSupplyAsync(mint));
        foreach (var r in recipients.Take(3))
        {
            Assert.Equal(r.Amount, await issuer.Client.GetBalanceAsync(mint, r.Wallet));
        }
        // The largest batch really fits: its serialized size is within the limit and it landed.
        var tx = await Devnet.Rpc.GetTransactionAsync(signatures.First());
        Assert.NotNull(tx);
        Assert.True(tx.Transaction.Size <= Transaction.MaxSize);
        Assert.Null(tx.Error);
    }
}
