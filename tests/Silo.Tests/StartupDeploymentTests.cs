using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharemint.Chains.Evm;
using Sharemint.Client;
using Sharemint.Client.Orders;
using Sharemint.Client.Quotes;
using Sharemint.Fixtures;

namespace Sharemint.Silo.Tests;

/// <summary>
/// Issue 12: the start-up deployment must not make the first command wait for the whole catalogue. The assets of
/// <c>Sharemint:DeployFirst</c> are on chain when the silo reports ready; the rest follow in the background.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class StartupDeploymentTests(PostgresFixture postgres)
{
    private const string IssuerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private const string Wallet = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    private const string PartnerKeyId = "pk_startup_demo";
    private const string Chain = "ink-sepolia";

    /// <summary>Deployed in the background, in this order (the catalogue's); NVDAx is the last one.</summary>
    private static readonly string[] Later = ["AAPLx", "AMZNx", "GOOGLx", "MSFTx", "NVDAx"];

    [GeneratedRegex(@"^sharemint_catalog_deploy_pending\{[^}]*\} (\d+)", RegexOptions.Multiline)]
    private static partial Regex PendingGauge();

    private static async Task<int> PendingAsync(HttpClient management)
    {
        var match = PendingGauge().Match(await management.GetStringAsync("metrics"));
        Assert.True(match.Success, "sharemint_catalog_deploy_pending is not exported");
        return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<List<string>> ChainsOfAsync(HttpClient http, string symbol)
    {
        using var deployments = JsonDocument.Parse(await http.GetStringAsync($"v1/assets/{symbol}/deployments"));
        return deployments.RootElement.EnumerateArray().Select(d => d.GetProperty("chain").GetString()!).ToList();
    }

    [Fact]
    public async Task The_silo_serves_once_the_first_assets_are_on_chain_and_deploys_the_rest_in_the_background()
    {
        // Two-second blocks: every deployment waits for one, so the background part is still under way when the test looks.
        var partnerSecret = "sk_startup_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await using var anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(), 57073, extraArguments: ["--block-time", "2"]);
        var db = await postgres.Server.CreateMigratedDatabaseAsync("startup_deploy");
        await using var silo = await SiloProcess.StartAsync(db, extraEnvironment: new Dictionary<string, string>
        {
            ["Sharemint__Chains__ink-sepolia__Family"] = "evm",
            ["Sharemint__Chains__ink-sepolia__RpcUrl"] = anvil.RpcUrl.ToString(),
            ["Sharemint__Chains__ink-sepolia__ChainId"] = "57073",
            ["Sharemint__Chains__ink-sepolia__Confirmations"] = "1",
            ["Sharemint__Chains__ink-sepolia__PrivateKey"] = IssuerKey,
            ["Sharemint__DeployTokens"] = "true",
            ["Sharemint__DeploySymbols"] = "TSLAx," + string.Join(',', Later),
            ["Sharemint__DeployFirst"] = "TSLAx",
            ["Sharemint__Demo__Wallets__ink-sepolia"] = Wallet,
            ["Sharemint__Market__Hours"] = "always",
            ["Sharemint__Api__SecretEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Sharemint__Api__DemoPartnerKeyId"] = PartnerKeyId,
            ["Sharemint__Api__DemoPartnerSecret"] = partnerSecret,
        });
        await silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));
        using var http = silo.CreateHttpClient();
        using var management = silo.CreateManagementHttpClient();

        // Ready means the first asset is on chain; the three others are still to come (three blocks at least).
        Assert.Equal(["ink-sepolia"], await ChainsOfAsync(http, "TSLAx"));
        Assert.InRange(await PendingAsync(management), 1, Later.Length);
        Assert.Contains($"1 assets deployed on ink-sepolia in", silo.Output, StringComparison.Ordinal);
        Assert.Contains($"the silo serves now, and {Later.Length} more deploy in the background", silo.Output, StringComparison.Ordinal);

        // A mint of the last one, still on its way: refused with the retryable code and Retry-After (the SDK would retry;
        // here it may not), and nothing placed.
        var partner = new SharemintClient(silo.CreateHttpClient(), new SharemintClientOptions { KeyId = PartnerKeyId, Secret = partnerSecret, MaxRetries = 0 });
        Quote early = await partner.Quotes.CreateAsync("NVDAx", QuoteSide.Mint, 1m);
        var refused = await Assert.ThrowsAsync<SharemintApiException>(() => partner.Orders.MintAsync(early.QuoteId, Chain, Wallet));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal("deployment_in_progress", refused.Code);
        Assert.Equal(5, refused.RetryAfterSeconds);
        Assert.Contains("NVDAx is still being deployed on ink-sepolia", refused.Message, StringComparison.Ordinal);

        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (await PendingAsync(management) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the background deployment did not finish in 2 minutes:\n{silo.Output}");
            await Task.Delay(250);
        }
        foreach (var symbol in Later)
        {
            Assert.Equal([Chain], await ChainsOfAsync(http, symbol));
        }
        // Once it is on chain, the same mint is placed.
        Quote later = await partner.Quotes.CreateAsync("NVDAx", QuoteSide.Mint, 1m);
        Order placed = await partner.Orders.MintAsync(later.QuoteId, Chain, Wallet);
        Assert.Equal("NVDAx", placed.Symbol);
        // The whole catalogue's figure is recorded once the background part is done.
        while (!silo.Output.Contains($"{1 + Later.Length} assets deployed on ink-sepolia in", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no final deployment line:\n{silo.Output}");
            await Task.Delay(250);
        }
        var metrics = await management.GetStringAsync("metrics");
        Assert.Matches(@"sharemint_catalog_deploy_duration_seconds\{[^}]*\} \d", metrics);
    }
}
