using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sharemint.Chains.Solana;
using Xunit;

namespace Sharemint.Chains.Tests.Solana;

/// <summary>
/// The devnet against clients we did not write: @solana/web3.js's sendAndConfirmTransaction and spl-token's
/// transferChecked confirm through the PubSub websocket (RPC port + 1), jsonParsed and getProgramAccounts filters
/// answer as a cluster does; and the misbehaviour switches and the --state flag do what they promise.
/// </summary>
[Collection(SolanaDevnetCollection.Name)]
public sealed class FidelityTests(SolanaDevnetFixture fixture)
{
    private SolanaDevnet Devnet => fixture.Devnet;

    [Fact]
    public async Task Web3js_send_and_confirm_and_spl_token_transferChecked_confirm_and_parsed_reads_match_a_cluster()
    {
        var psi = new ProcessStartInfo("node") { WorkingDirectory = SolanaDevnet.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine("devnet", "solana-check", "confirm.js"));
        psi.ArgumentList.Add(Devnet.Endpoint.ToString());
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90))) await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"confirm.js failed: {await stderr}");
        using var doc = JsonDocument.Parse(await stdout);
        var r = doc.RootElement;

        Assert.Equal(5_000_000, r.GetProperty("otherLamports").GetInt64());
        var status = (await Devnet.Rpc.GetSignatureStatusesAsync([r.GetProperty("checkedSig").GetString()!]))[0];
        Assert.NotNull(status);
        Assert.Null(status.Error);

        // getParsedTokenAccountsByOwner: the shape a cluster returns for an SPL Token account.
        var account = Assert.Single(r.GetProperty("parsed").EnumerateArray());
        Assert.Equal(r.GetProperty("dest").GetString(), account.GetProperty("pubkey").GetString());
        Assert.Equal("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", account.GetProperty("owner").GetString());
        var data = account.GetProperty("data");
        Assert.Equal("spl-token", data.GetProperty("program").GetString());
        Assert.Equal(165, data.GetProperty("space").GetInt32());
        Assert.Equal("account", data.GetProperty("parsed").GetProperty("type").GetString());
        var info = data.GetProperty("parsed").GetProperty("info");
        Assert.False(info.GetProperty("isNative").GetBoolean());
        Assert.Equal(r.GetProperty("mint").GetString(), info.GetProperty("mint").GetString());
        Assert.Equal(r.GetProperty("owner").GetString(), info.GetProperty("owner").GetString());
        Assert.Equal("initialized", info.GetProperty("state").GetString());
        var amount = info.GetProperty("tokenAmount");
        Assert.Equal("1250000", amount.GetProperty("amount").GetString());
        Assert.Equal(6, amount.GetProperty("decimals").GetInt32());
        Assert.Equal(1.25, amount.GetProperty("uiAmount").GetDouble());
        Assert.Equal("1.25", amount.GetProperty("uiAmountString").GetString());

        var mint = r.GetProperty("parsedMint");
        Assert.Equal("mint", mint.GetProperty("parsed").GetProperty("type").GetString());
        Assert.Equal("5000000", mint.GetProperty("parsed").GetProperty("info").GetProperty("supply").GetString());
        Assert.Equal(JsonValueKind.Null, mint.GetProperty("parsed").GetProperty("info").GetProperty("freezeAuthority").ValueKind);
        Assert.Equal(82, mint.GetProperty("space").GetInt32());

        // getProgramAccounts with dataSize + memcmp: the owner's one account; by mint: both accounts, amounts adding to the supply.
        Assert.Equal(r.GetProperty("dest").GetString()!, Assert.Single(r.GetProperty("programAccountsByOwner").EnumerateArray()).GetString());
        Assert.Equal(5_000_000, r.GetProperty("programAccountsByMint").EnumerateArray().Sum(e => long.Parse(e.GetProperty("amount").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));

        // The subscriptions web3.js opened were served.
        var seen = r.GetProperty("seen");
        Assert.True(seen.GetProperty("slots").GetInt32() > 0);
        Assert.True(seen.GetProperty("accountChanges").GetInt32() > 0);
        Assert.Contains(r.GetProperty("checkedSig").GetString(), seen.GetProperty("logs").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Misbehaviour_switches_lag_commitments_hide_fresh_transactions_and_throttle()
    {
        await using var devnet = await SolanaDevnet.StartAsync(slotMs: 0);
        using var http = new HttpClient();
        async Task<HttpResponseMessage> Post(string method, JsonArray parameters) =>
            await http.PostAsync(devnet.Endpoint, new StringContent(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = parameters }.ToJsonString(),
                Encoding.UTF8, "application/json"));

        await devnet.Rpc.CallAsync("devnet_setFaults", [new JsonObject { ["confirmDepth"] = 3, ["finalizeDepth"] = 6, ["txNullSlots"] = 8, ["http429"] = 1, ["http503"] = 1 }]);
        using (var throttled = await Post("getHealth", []))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), throttled.Headers.RetryAfter!.Delta);
        }
        using (var unavailable = await Post("getHealth", [])) Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        using (var fine = await Post("getHealth", [])) Assert.Equal(HttpStatusCode.OK, fine.StatusCode);

        var payer = await devnet.FundedKeypairAsync(1_000_000_000);
        await devnet.AdvanceBlocksAsync(6);
        var blockhash = await devnet.Rpc.GetLatestBlockhashAsync(Commitment.Processed);
        var transfer = new TransactionBuilder().SetFeePayer(payer.PublicKey).SetRecentBlockhash(blockhash.Blockhash)
            .Add(SystemProgram.Transfer(payer.PublicKey, Keypair.Generate().PublicKey, 1_000_000)).Build(payer);
        var signature = await devnet.Rpc.SendTransactionAsync(transfer);
        // The transaction's own block is followed by one more (depth 1); confirmed needs depth 3 now, finalized 6.
        await devnet.AdvanceBlocksAsync(1);
        Assert.Equal(Commitment.Processed, (await devnet.Rpc.GetSignatureStatusesAsync([signature]))[0]!.ConfirmationStatus);
        await devnet.AdvanceBlocksAsync(1);
        Assert.Equal(Commitment.Confirmed, (await devnet.Rpc.GetSignatureStatusesAsync([signature]))[0]!.ConfirmationStatus);
        await devnet.AdvanceBlocksAsync(3);
        Assert.Equal(Commitment.Finalized, (await devnet.Rpc.GetSignatureStatusesAsync([signature]))[0]!.ConfirmationStatus);

        // Listed as finalized, yet getTransaction answers null until the history store catches up.
        using (var hidden = await Post("getTransaction", [signature, new JsonObject { ["commitment"] = "finalized" }]))
            Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(await hidden.Content.ReadAsStringAsync()).RootElement.GetProperty("result").ValueKind);
        await devnet.AdvanceBlocksAsync(2);
        using (var shown = await Post("getTransaction", [signature, new JsonObject { ["commitment"] = "finalized" }]))
            Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(await shown.Content.ReadAsStringAsync()).RootElement.GetProperty("result").ValueKind);

        using var bad = await Post("devnet_setFaults", [new JsonObject { ["finalizeDepth"] = 1 }]);
        Assert.Contains("finalizeDepth must be at least confirmDepth", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_state_flag_restores_balances_and_history_after_a_restart()
    {
        var dir = Directory.CreateTempSubdirectory("solana-state-");
        var file = Path.Combine(dir.FullName, "state.json");
        try
        {
            var holder = Keypair.Generate().PublicKey;
            string signature;
            await using (var devnet = await SolanaDevnet.StartAsync(file, snapshotFlag: "--state"))
            {
                signature = await devnet.Rpc.RequestAirdropAsync(holder, 4_242_000);
                await devnet.ShutdownAsync();
            }
            await using (var devnet = await SolanaDevnet.StartAsync(file, snapshotFlag: "--state"))
            {
                Assert.Contains(devnet.Output, l => l.Contains("restored=true", StringComparison.Ordinal));
                Assert.Equal(4_242_000UL, await devnet.Rpc.GetBalanceAsync(holder));
                Assert.NotNull((await devnet.Rpc.GetSignatureStatusesAsync([signature]))[0]);
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
