using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sharemint.Chains.Evm;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>The developer script devnet/evm/start-anvil.js starts a chain with the requested port and chain id.</summary>
public sealed class DevnetScriptTests
{
    [Fact]
    public async Task Start_anvil_script_serves_the_requested_chain_on_the_requested_port()
    {
        var root = new AnvilFixture().RepositoryRoot;
        var script = Path.Combine(root, "devnet", "evm", "start-anvil.js");
        Assert.True(File.Exists(script), $"missing {script}");
        AnvilNode.LocateBinary(root); // fails with the install step when devnet/ was not installed

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { script, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--chain-id", "777001" })
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            using var client = new EvmClient(new EvmChainConfig("script", 777001, new Uri($"http://127.0.0.1:{port}/"), 1, EvmFeeModel.Eip1559)
            {
                Rpc = new JsonRpcClientOptions { RequestTimeout = TimeSpan.FromSeconds(2), ReadRetries = 0 },
            });
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                Assert.False(process.HasExited, "the script exited before anvil was ready");
                try
                {
                    await client.VerifyChainIdAsync();
                    break;
                }
                catch (EvmRpcTransportException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(50);
                }
            }
            Assert.Equal(777001UL, await client.GetChainIdAsync());
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task Start_anvil_script_refuses_bad_arguments()
    {
        var script = Path.Combine(new AnvilFixture().RepositoryRoot, "devnet", "evm", "start-anvil.js");
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { script, "--port", "70000" }) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("--port", await error, StringComparison.Ordinal);
    }
}
