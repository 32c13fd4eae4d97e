using System.Globalization;
using System.Text.Json;
using Sharemint.Chains.Evm;

namespace Sharemint.Cli.Tests;

/// <summary>
/// Held deposits for operators through the real binary and a real silo: a deposit to the redemption address from a wallet
/// no partner allow-lists is held, and <c>sharemint deposits held</c> (admin API <c>/admin/v1/deposits/held</c>) shows it.
/// </summary>
public sealed class DepositCommandTests(CliPlatform platform) : IClassFixture<CliPlatform>
{
    // anvil's second well-known development account: the demo partner's allow-listed wallet (CliPlatform.Wallet).
    private const string DemoWalletKey = "59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    private const ulong TokenUnit = 10_000_000_000_000_000UL; // 0.01 token at 18 decimals

    [Fact]
    public async Task A_deposit_from_an_unknown_sender_is_listed_as_held_and_the_watchers_are_listed()
    {
        var mint = await platform.RunAsync("pk_demo", platform.DemoSecret, "mint", "TSLAx", "1", "--chain", "ethereum", "--wallet", CliPlatform.Wallet, "--wait", "--json");
        Assert.True(mint.ExitCode == 0, mint.StandardOutput + mint.StandardError);

        // The demo wallet hands 0.5 to a stranger, who sends it to the redemption address.
        using var http = new HttpClient { BaseAddress = platform.Silo.BaseAddress };
        using var deployments = JsonDocument.Parse(await http.GetStringAsync("v1/assets/TSLAx/deployments"));
        var ethereum = deployments.RootElement.EnumerateArray().Single(d => d.GetProperty("chain").GetString() == "ethereum");
        var token = EvmAddress.Parse(ethereum.GetProperty("tokenAddress").GetString()!);
        var redemption = EvmAddress.Parse(ethereum.GetProperty("redemptionAddress").GetString()!);
        var client = new EvmClient(new EvmChainConfig("ethereum", 31337, platform.AnvilUrl, 1, EvmFeeModel.Eip1559));
        var artifact = SharemintTokenArtifact.Locate();
        var stranger = EvmPrivateKey.Generate();
        await client.Rpc.CallAsync("anvil_setBalance", [stranger.Address.ToString(), "0x56BC75E2D63100000"]);
        var demo = new EvmTransactionSender(client, EvmPrivateKey.FromHex(DemoWalletKey), new InMemorySignedTransactionStore());
        await new SharemintToken(client, artifact, token).TransferAsync(demo, stranger.Address, new UInt256(50 * TokenUnit), "to-stranger");
        var strangerSender = new EvmTransactionSender(client, stranger, new InMemorySignedTransactionStore());
        await new SharemintToken(client, artifact, token).TransferAsync(strangerSender, redemption, new UInt256(50 * TokenUnit), "deposit");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonElement held;
        while (true)
        {
            var list = await platform.RunAsync("ok_admin", platform.AdminSecret, "deposits", "held", "--chain", "ethereum", "--json");
            Assert.True(list.ExitCode == 0, list.StandardOutput + list.StandardError);
            using var doc = JsonDocument.Parse(list.StandardOutput);
            var orders = doc.RootElement.GetProperty("orders").EnumerateArray().ToList();
            if (orders.Count == 1)
            {
                held = orders[0].Clone();
                Assert.Empty(doc.RootElement.GetProperty("parked").EnumerateArray());
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, "the stranger's deposit was never listed as held: " + list.StandardOutput);
            await Task.Delay(500);
        }
        Assert.Equal("held", held.GetProperty("status").GetString());
        Assert.Equal("TSLAx", held.GetProperty("symbol").GetString());
        Assert.Equal("50000000", held.GetProperty("amountUnits").GetString());
        var orderId = held.GetProperty("orderId").GetString()!;
        var why = await platform.RunAsync("ok_admin", platform.AdminSecret, "orders", "show", orderId, "--json");
        Assert.Contains("unknown_sender", why.StandardOutput, StringComparison.Ordinal);

        // The table form names the order; a filter for a chain with no deployment is a clear refusal.
        var table = await platform.RunAsync("ok_admin", platform.AdminSecret, "deposits", "held");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains(orderId, table.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("0 parked, 1 held orders", table.StandardOutput, StringComparison.Ordinal);
        var unknown = await platform.RunAsync("ok_admin", platform.AdminSecret, "deposits", "held", "--chain", "nochain");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("chain_invalid", unknown.StandardOutput + unknown.StandardError, StringComparison.Ordinal);
        var partner = await platform.RunAsync("pk_demo", platform.DemoSecret, "deposits", "held");
        Assert.NotEqual(0, partner.ExitCode);

        var watchers = await platform.RunAsync("ok_admin", platform.AdminSecret, "deposits", "watchers", "--json");
        Assert.True(watchers.ExitCode == 0, watchers.StandardOutput + watchers.StandardError);
        using var watching = JsonDocument.Parse(watchers.StandardOutput);
        var tsla = watching.RootElement.EnumerateArray().Single(w => w.GetProperty("symbol").GetString() == "TSLAx" && w.GetProperty("chain").GetString() == "ethereum");
        Assert.True(tsla.GetProperty("watching").GetBoolean());
        Assert.False(string.IsNullOrEmpty(tsla.GetProperty("cursor").GetString()));
        Assert.True(long.Parse(tsla.GetProperty("depositsSeen").GetString()!, CultureInfo.InvariantCulture) >= 1);
    }
}
