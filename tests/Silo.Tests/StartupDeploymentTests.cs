using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharemint.Chains.Evm;
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
    private static readonly string[] Later = ["AAPLx", "NVDAx", "MSFTx"];

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
        });
        await silo.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));
        using var http = silo.CreateHttpClient();
        using var management = silo.CreateManagementHttpClient();

        // Ready means the first asset is on chain; the three others are still to come (three blocks at least).
        Assert.Equal(["ink-sepolia"], await ChainsOfAsync(http, "TSLAx"));
        Assert.InRange(await PendingAsync(management), 1, Later.Length);
        Assert.Contains($"1 assets deployed on ink-sepolia in", silo.Output, StringComparison.Ordinal);
        Assert.Contains($"the silo serves now, and {Later.Length} more deploy in the background", silo.Output, StringComparison.Ordinal);

        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (await PendingAsync(management) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the background deployment did not finish in 2 minutes:\n{silo.Output}");
            await Task.Delay(250);
        }
        foreach (var symbol in Later)
        {
            Assert.Equal(["ink-sepolia"], await ChainsOfAsync(http, symbol));
        }
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
