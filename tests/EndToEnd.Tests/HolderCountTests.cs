using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tests.Solana;
using static Sharemint.EndToEnd.Tests.FlowTestSupport;

namespace Sharemint.EndToEnd.Tests;

/// <summary>
/// <c>sharemint_holders{asset,chain}</c> on the silo's metrics equals the holders counted with clients we did not write:
/// cast (Transfer logs, then balanceOf) on ethereum and bnb, TronWeb (event API, then balanceOf) on tron, web3.js +
/// spl-token (the mint's token accounts) on solana.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class HolderCountTests(PlatformFixture platform)
{
    private const string Symbol = "TSLAx";
    private readonly Holders _holders = new(platform);

    [Fact]
    public async Task Holders_per_chain_match_the_balances_other_clients_read()
    {
        await platform.EnsureRunningAsync();
        foreach (var chain in PlatformFixture.Chains)
        {
            await platform.MintAsync(_holders, Symbol, chain, Tokens(1m));
        }
        // Two new holders on ethereum, one of whom then sends everything on: a holder who left is no longer counted.
        var stays = EvmPrivateKey.Generate();
        var leaves = EvmPrivateKey.Generate();
        await _holders.SendAsync(Symbol, "ethereum", stays.Address.ToString(), Tokens(0.1m));
        await _holders.SendAsync(Symbol, "ethereum", leaves.Address.ToString(), Tokens(0.2m));
        await _holders.FundGasAsync("ethereum", leaves.Address.ToString());
        await _holders.SendAsync(Symbol, "ethereum", stays.Address.ToString(), Tokens(0.2m), from: leaves);

        var expected = new Dictionary<string, int>();
        foreach (var chain in PlatformFixture.Chains)
        {
            expected[chain] = await CountWithOtherClientsAsync(chain);
        }
        Assert.True(expected["ethereum"] >= 2, $"ethereum: {expected["ethereum"]} holders (the partner and the one who stayed at least)");
        Assert.All(expected, e => Assert.True(e.Value >= 1, $"{e.Key}: no holder after a mint"));

        using var http = platform.Silo.CreateManagementHttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var exported = ParseHolders(await http.GetStringAsync("metrics"));
            if (expected.All(e => exported.TryGetValue(e.Key, out var n) && n == e.Value))
            {
                break;
            }
            Assert.True(DateTime.UtcNow < deadline,
                $"sharemint_holders for {Symbol}: {string.Join(", ", exported.Select(e => $"{e.Key}={e.Value}"))}; other clients: {string.Join(", ", expected.Select(e => $"{e.Key}={e.Value}"))}");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task The_start_up_deployment_time_is_a_metric()
    {
        await platform.EnsureRunningAsync();
        using var http = platform.Silo.CreateManagementHttpClient();
        // A silo restarted by an earlier test reports it once its start-up deployment pass has ended.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? line;
        string metrics;
        while ((line = (metrics = await http.GetStringAsync("metrics")).Split('\n')
                   .FirstOrDefault(l => l.StartsWith("sharemint_catalog_deploy_duration", StringComparison.Ordinal))) is null)
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"no sharemint_catalog_deploy_duration in the metrics: {string.Join('\n', metrics.Split('\n').Where(l => l.Contains("deploy", StringComparison.Ordinal)))}\n"
                + string.Join('\n', platform.Silo.Output.Split('\n').Where(l => l.Contains("deployed on", StringComparison.Ordinal) || l.Contains("TokenDeployer", StringComparison.Ordinal))));
            await Task.Delay(500);
        }
        var seconds = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        // The fixture waited for the deployments before any test ran: the figure is there, positive and below its 3-minute wait.
        Assert.InRange(seconds, 0.001, 180);
    }

    private static Dictionary<string, int> ParseHolders(string metrics)
    {
        var result = new Dictionary<string, int>();
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith("sharemint_holders{", StringComparison.Ordinal) || !line.Contains($"asset=\"{Symbol}\"", StringComparison.Ordinal))
            {
                continue;
            }
            var chainAt = line.IndexOf("chain=\"", StringComparison.Ordinal) + 7;
            var chain = line[chainAt..line.IndexOf('"', chainAt)];
            result[chain] = int.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return result;
    }

    private async Task<int> CountWithOtherClientsAsync(string chain)
    {
        var token = (await _holders.TokenAsync(Symbol, chain)).TokenAddress;
        switch (chain)
        {
            case "solana":
                return (await NodeAsync(Path.Combine("devnet", "solana-check", "holders.js"), platform.Solana.Endpoint.ToString(), token)).GetProperty("holders").GetInt32();
            case "tron":
                return (await TronWebHolder.RunAsync(platform, "holders", "--token", token)).GetProperty("holders").GetInt32();
            default:
                var url = chain == "ethereum" ? platform.Ethereum.RpcUrl.ToString() : platform.Bnb.RpcUrl.ToString();
                using (var logs = JsonDocument.Parse(await CastAsync("logs", "--json", "--from-block", "0", "--to-block", "latest", "--address", token,
                           "Transfer(address,address,uint256)", "--rpc-url", url)))
                {
                    var addresses = logs.RootElement.EnumerateArray()
                        .SelectMany(l => new[] { l.GetProperty("topics")[1].GetString()!, l.GetProperty("topics")[2].GetString()! })
                        .Select(t => "0x" + t[^40..])
                        .Where(a => a != "0x0000000000000000000000000000000000000000")
                        .Distinct(StringComparer.OrdinalIgnoreCase)
                        .ToList();
                    var holders = 0;
                    foreach (var address in addresses)
                    {
                        var balance = (await CastAsync("call", token, "balanceOf(address)(uint256)", address, "--rpc-url", url)).Split(' ', 2)[0];
                        holders += balance == "0" ? 0 : 1;
                    }
                    return holders;
                }
        }
    }

    private static async Task<string> CastAsync(params string[] args)
    {
        var cast = Path.Combine(SolanaDevnet.RepoRoot, "devnet", "node_modules", "@foundry-rs", "cast-linux-amd64", "bin", "cast");
        var (code, stdout, stderr) = await RunAsync(cast, args);
        Assert.True(code == 0, $"cast {string.Join(' ', args)} failed: {stderr}");
        return stdout.Trim();
    }

    private static async Task<JsonElement> NodeAsync(string script, params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync("node", [Path.Combine(SolanaDevnet.RepoRoot, script), .. args]);
        Assert.True(code == 0, $"{script} failed: {stderr}");
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.Clone();
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { WorkingDirectory = SolanaDevnet.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
