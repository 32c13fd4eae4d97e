using System.Diagnostics;
using System.Text.Json;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tests.Solana;

namespace Sharemint.EndToEnd.Tests;

/// <summary>Runs devnet/tron/check/tronweb-holder.js (TronWeb, a client we did not write) against the fixture's Tron node.</summary>
public static class TronWebHolder
{
    /// <summary>Runs one mode of the script and returns the JSON object it prints.</summary>
    public static async Task<JsonElement> RunAsync(PlatformFixture platform, string mode, params string[] arguments)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = SolanaDevnet.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(SolanaDevnet.RepoRoot, "devnet", "tron", "check", "tronweb-holder.js"));
        psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add("--node");
        psi.ArgumentList.Add(platform.Tron.Endpoint.ToString().TrimEnd('/'));
        psi.ArgumentList.Add("--artifact");
        psi.ArgumentList.Add(Path.Combine(SolanaDevnet.RepoRoot, "contracts", "out", SharemintTokenArtifact.FileName));
        foreach (var argument in arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"tronweb-holder.js {mode} failed: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }
}
