using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Sharemint.Chains.Solana;
using Xunit;

namespace Sharemint.Chains.Tests.Solana;

[Collection(SolanaDevnetCollection.Name)]
public sealed class IndependentReaderTests(SolanaDevnetFixture fixture)
{
    private SolanaDevnet Devnet => fixture.Devnet;

    private static async Task<JsonElement> ReadWithWeb3Async(Uri endpoint, PublicKey mint, params PublicKey[] wallets)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = SolanaDevnet.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(SolanaDevnet.RepoRoot, "devnet", "solana-check", "read.js"));
        psi.ArgumentList.Add(endpoint.ToString());
        psi.ArgumentList.Add(mint.ToString());
        foreach (var w in wallets)
        {
            psi.ArgumentList.Add(w.ToString());
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"read.js failed: {await stderr}");
        using var doc = JsonDocument.Parse(await stdout);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Web3js_and_spl_token_read_the_same_supply_balances_and_multiplier()
    {
        var issuer = await Issuer.CreateAsync(Devnet);
        var mint = await issuer.CreateMintAsync("GLDx");
        var a = Keypair.Generate().PublicKey;
        var b = Keypair.Generate().PublicKey;
        await issuer.Client.MintBatchAsync("m", mint, issuer.Authority, [new(a, 12_34567890), new(b, 1)]);
        await issuer.Client.BurnAsync("burn", mint, a, issuer.Authority, 34567890);
        await issuer.Client.FreezeAsync("freeze", mint, b, issuer.Authority);
        await issuer.Client.UpdateMultiplierAsync("mult", mint, issuer.Authority, BigInteger.Parse("1234500000000000000", CultureInfo.InvariantCulture), 0);

        var ours = await issuer.Client.GetMintAsync(mint);
        var theirs = await ReadWithWeb3Async(Devnet.Endpoint, mint, a, b);

        Assert.Equal(ours.Supply.ToString(CultureInfo.InvariantCulture), theirs.GetProperty("supply").GetString());
        Assert.Equal("1200000001", theirs.GetProperty("supply").GetString());
        Assert.Equal(ours.Decimals, theirs.GetProperty("decimals").GetInt32());
        Assert.Equal(ours.ScaledUiAmount!.NewMultiplier, theirs.GetProperty("newMultiplier").GetDouble());
        Assert.Equal(1.2345, theirs.GetProperty("newMultiplier").GetDouble());
        Assert.Equal(ours.ScaledUiAmount.Multiplier, theirs.GetProperty("multiplier").GetDouble());
        Assert.Equal(ours.ScaledUiAmount.NewMultiplierEffectiveTimestamp.ToString(CultureInfo.InvariantCulture), theirs.GetProperty("newMultiplierEffectiveTimestamp").GetString());
        Assert.Equal(ours.IsPaused, theirs.GetProperty("paused").GetBoolean());
        Assert.Equal(ours.MintAuthority.ToString(), theirs.GetProperty("mintAuthority").GetString());
        Assert.Equal(ours.FreezeAuthority.ToString(), theirs.GetProperty("freezeAuthority").GetString());
        Assert.Equal(ours.PermanentDelegate.ToString(), theirs.GetProperty("permanentDelegate").GetString());
        Assert.Equal(ours.MetadataPointer!.MetadataAddress.ToString(), theirs.GetProperty("metadataAddress").GetString());
        Assert.Equal(ours.Metadata!.Name, theirs.GetProperty("name").GetString());
        Assert.Equal(ours.Metadata.Symbol, theirs.GetProperty("symbol").GetString());
        var rpcSupply = await Devnet.Rpc.GetTokenSupplyAsync(mint);
        Assert.Equal(rpcSupply.UiAmountString, theirs.GetProperty("rpcSupplyUi").GetString());

        var balances = theirs.GetProperty("balances");
        foreach (var (wallet, expected, frozen) in new[] { (a, 12_00000000UL, false), (b, 1UL, true) })
        {
            var entry = balances.GetProperty(wallet.ToString());
            Assert.Equal(AssociatedTokenProgram.FindAddress(wallet, mint).ToString(), entry.GetProperty("ata").GetString());
            Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), entry.GetProperty("amount").GetString());
            Assert.Equal(await issuer.Client.GetBalanceAsync(mint, wallet), ulong.Parse(entry.GetProperty("amount").GetString()!, CultureInfo.InvariantCulture));
            Assert.Equal(frozen, entry.GetProperty("frozen").GetBoolean());
        }
    }
}

public sealed class SnapshotTests
{
    [Fact]
    public async Task State_survives_a_restart_when_a_snapshot_path_is_given()
    {
        var dir = Directory.CreateTempSubdirectory("solana-snapshot-");
        var snapshot = Path.Combine(dir.FullName, "state.json");
        try
        {
            PublicKey mint;
            PublicKey holder = Keypair.Generate().PublicKey;
            string mintSignature;
            ulong slotBefore;
            Keypair authority;
            await using (var devnet = await SolanaDevnet.StartAsync(snapshot))
            {
                var issuer = await Issuer.CreateAsync(devnet);
                authority = issuer.Authority;
                mint = await issuer.CreateMintAsync("MSTRx");
                mintSignature = (await issuer.Client.MintAsync("m", mint, issuer.Authority, holder, 77)).Signature;
                await issuer.Client.PauseAsync("p", mint, issuer.Authority);
                slotBefore = await devnet.Rpc.GetSlotAsync(Commitment.Processed);
                await devnet.ShutdownAsync();
            }
            Assert.True(File.Exists(snapshot));

            await using (var devnet = await SolanaDevnet.StartAsync(snapshot))
            {
                Assert.Contains(devnet.Output, l => l.Contains("restored=true", StringComparison.Ordinal));
                Assert.True(await devnet.Rpc.GetSlotAsync(Commitment.Processed) >= slotBefore);
                var store = new InMemorySignedTransactionStore();
                var client = new XStockTokenClient(devnet.Rpc, new TransactionSender(devnet.Rpc, store, Issuer.FastSender), authority);
                var state = await client.GetMintAsync(mint);
                Assert.Equal(77UL, state.Supply);
                Assert.True(state.IsPaused);
                Assert.Equal("MSTRx", state.Metadata!.Symbol);
                Assert.Equal(77UL, await client.GetBalanceAsync(mint, holder));
                var status = (await devnet.Rpc.GetSignatureStatusesAsync([mintSignature]))[0];
                Assert.NotNull(status);
                Assert.Null(status.Error);
                Assert.NotNull(await devnet.Rpc.GetTransactionAsync(mintSignature));
                // The restored chain keeps working: resume and mint more.
                await client.ResumeAsync("r", mint, authority);
                await client.MintAsync("m2", mint, authority, holder, 3);
                Assert.Equal(80UL, await client.GetSupplyAsync(mint));
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
