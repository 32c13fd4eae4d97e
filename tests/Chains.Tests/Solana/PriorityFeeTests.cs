using System.Diagnostics;
using System.Text.Json;
using Sharemint.Chains.Solana;
using Xunit;

namespace Sharemint.Chains.Tests.Solana;

/// <summary>
/// Priority fees on Solana writes: compute-budget instructions are no part of a write's intent (a re-sign after expiry may
/// offer a new price), the price follows the node's recent prioritization fees within a cap, and what lands is read back
/// with @solana/web3.js.
/// </summary>
[Collection(SolanaDevnetCollection.Name)]
public sealed class PriorityFeeTests(SolanaDevnetFixture fixture)
{
    private SolanaDevnet Devnet => fixture.Devnet;

    private static readonly string Blockhash = Base58.Encode(Enumerable.Repeat((byte)7, 32).ToArray());

    private static Message Transfer(Keypair payer, PublicKey to, ulong lamports, uint? limit, ulong? price)
    {
        var builder = new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(Blockhash)
            .Add(SystemProgram.Transfer(payer.PublicKey, to, lamports), SystemProgram.Transfer(payer.PublicKey, payer.PublicKey, 0));
        if (limit is { } l)
        {
            builder.SetComputeUnitLimit(l);
        }
        if (price is { } p)
        {
            builder.SetComputeUnitPrice(p);
        }
        return builder.CompileMessage();
    }

    [Fact]
    public void The_intent_of_a_write_excludes_its_compute_budget_instructions_but_not_what_it_does()
    {
        var payer = Keypair.Generate();
        var to = Keypair.Generate().PublicKey;
        var plain = TransactionSender.IntentHash(Transfer(payer, to, 5, null, null));
        // A new price, a new limit, or none at all: the same intent (a record written before priority fees matches too).
        Assert.Equal(plain, TransactionSender.IntentHash(Transfer(payer, to, 5, 60_000, 1)));
        Assert.Equal(plain, TransactionSender.IntentHash(Transfer(payer, to, 5, 60_000, 90_000)));
        Assert.Equal(plain, TransactionSender.IntentHash(Transfer(payer, to, 5, null, 7)));
        Assert.Equal(plain, TransactionSender.IntentHash(Transfer(payer, to, 5, 200_000, null)));
        // What the write does still counts: another amount or recipient is another intent, whatever the fee.
        Assert.NotEqual(plain, TransactionSender.IntentHash(Transfer(payer, to, 6, 60_000, 1)));
        Assert.NotEqual(plain, TransactionSender.IntentHash(Transfer(payer, Keypair.Generate().PublicKey, 5, null, null)));
    }

    [Fact]
    public void The_price_is_a_percentile_of_recent_paid_fees_within_the_floor_and_the_cap()
    {
        var recent = new ulong[] { 0, 0, 100, 200, 300, 400 }.Select((f, i) => new PrioritizationFee((ulong)i, f)).ToList();
        Assert.Equal(300UL, new PriorityFeePolicy().Choose(recent));
        Assert.Equal(400UL, new PriorityFeePolicy { Percentile = 100 }.Choose(recent));
        Assert.Equal(250UL, new PriorityFeePolicy { MaxMicroLamports = 250 }.Choose(recent));
        Assert.Equal(0UL, new PriorityFeePolicy().Choose([new PrioritizationFee(1, 0)]));
        Assert.Equal(50UL, new PriorityFeePolicy { MinMicroLamports = 50 }.Choose([]));
        // A configured price is used as is, and capped like any other.
        Assert.Equal(20UL, new PriorityFeePolicy { FixedMicroLamports = 20 }.Choose(recent));
        Assert.Equal(1_000UL, new PriorityFeePolicy { FixedMicroLamports = 5_000, MaxMicroLamports = 1_000 }.Choose(recent));
    }

    [Fact]
    public async Task A_write_resigned_after_expiry_at_a_higher_price_is_the_same_write_and_web3js_reads_its_fee()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var to = Keypair.Generate().PublicKey;
        var price = 1_000UL;
        const uint Limit = 50_000;
        Transaction Sign(LatestBlockhash b) => new TransactionBuilder().SetFeePayer(issuer.Authority.PublicKey).SetRecentBlockhash(b.Blockhash)
            .SetComputeUnitLimit(Limit).SetComputeUnitPrice(price)
            .Add(SystemProgram.Transfer(issuer.Authority.PublicKey, to, 1_000_000)).Build(issuer.Authority);

        // The first copy is lost until its blockhash expires; then the market moved and the re-sign offers more.
        await Devnet.DropTransactionsAsync(1_000_000);
        var first = await issuer.Sender.SubmitAsync("priority-1", Sign);
        await Devnet.AdvanceBlocksAsync(200);
        await Devnet.DropTransactionsAsync(0);
        price = 25_000;
        var outcome = await issuer.Sender.SendAsync("priority-1", Sign);

        Assert.Equal(2, outcome.Attempt);
        Assert.NotEqual(first.Signature, outcome.Signature);
        Assert.Equal(1_000_000UL, await Devnet.Rpc.GetBalanceAsync(to));
        var record = await issuer.Store.GetAsync("priority-1", default);
        Assert.Equal(first.IntentHash, record!.IntentHash);
        Assert.Equal([first.Signature], record.AbandonedSignatures);

        // Our client reads the price back from the node's recent fees for the recipient.
        var recent = await Devnet.Rpc.GetRecentPrioritizationFeesAsync([to]);
        Assert.Equal(25_000UL, recent.Max(f => f.MicroLamportsPerUnit));
        Assert.Equal(25_000UL, new PriorityFeePolicy().Choose(recent));
        Assert.Equal(2_000UL, new PriorityFeePolicy { MaxMicroLamports = 2_000 }.Choose(recent));

        // web3.js decodes the landed transaction's compute budget and sees the fee the priority added.
        var read = await ReadWithWeb3Async(outcome.Signature, to);
        Assert.Equal((int)Limit, read.GetProperty("unitLimit").GetInt32());
        Assert.Equal("25000", read.GetProperty("unitPrice").GetString());
        Assert.Equal(2, read.GetProperty("budgetInstructions").GetInt32());
        Assert.Equal(5_000L + (25_000L * Limit + 999_999) / 1_000_000, read.GetProperty("fee").GetInt64());
        Assert.Equal(25_000, read.GetProperty("recentMax").GetInt32());
    }

    [Fact]
    public async Task A_retry_that_changes_what_the_write_does_is_still_a_conflict_whatever_its_fee()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var to = Keypair.Generate().PublicKey;
        Transaction Pay(LatestBlockhash b, ulong lamports, ulong price) => new TransactionBuilder().SetFeePayer(issuer.Authority.PublicKey)
            .SetRecentBlockhash(b.Blockhash).SetComputeUnitPrice(price)
            .Add(SystemProgram.Transfer(issuer.Authority.PublicKey, to, lamports)).Build(issuer.Authority);
        await issuer.Sender.SendAsync("priority-2", b => Pay(b, 1_000_010, 5));
        // Same transfer, new price: the same write, nothing sent again.
        var again = await issuer.Sender.SendAsync("priority-2", b => Pay(b, 1_000_010, 500));
        Assert.Equal(1, again.Attempt);
        var conflict = await Assert.ThrowsAsync<SolanaException>(() => issuer.Sender.SendAsync("priority-2", b => Pay(b, 1_000_011, 5)));
        Assert.Equal(SolanaErrorKind.OperationConflict, conflict.Kind);
        Assert.Equal(1_000_010UL, await Devnet.Rpc.GetBalanceAsync(to));
    }

    [Fact]
    public async Task Recent_fees_refuse_a_bad_account_with_a_node_error()
    {
        var error = await Assert.ThrowsAsync<SolanaRpcException>(() => Devnet.Rpc.CallAsync("getRecentPrioritizationFees", [new System.Text.Json.Nodes.JsonArray("not-base58!")]));
        Assert.Equal(-32602, error.Code);
    }

    private async Task<JsonElement> ReadWithWeb3Async(string signature, PublicKey account)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = SolanaDevnet.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(SolanaDevnet.RepoRoot, "devnet", "solana-check", "priority.js"));
        psi.ArgumentList.Add(Devnet.Endpoint.ToString());
        psi.ArgumentList.Add(signature);
        psi.ArgumentList.Add(account.ToString());
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"priority.js failed: {await stderr}");
        using var doc = JsonDocument.Parse(await stdout);
        return doc.RootElement.Clone();
    }
}
