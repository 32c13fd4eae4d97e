using System.Diagnostics;
using System.Globalization;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Chains.Tron;
using Xunit;

namespace Sharemint.Chains.Tests.Tron;

/// <summary>
/// Starts devnet/tron/server.js (which starts its own anvil) on a free loopback port, waits for it to answer, and
/// stops it with SIGTERM on dispose (so a --state file is written). Fails with the missing install step if node or
/// devnet/node_modules/tronweb is absent.
/// </summary>
public sealed class TronDevnet : IAsyncDisposable
{
    /// <summary>The node's genesis account (anvil's first key): holds the TRX that tests fund accounts from.</summary>
    public static readonly EvmPrivateKey GenesisKey = EvmPrivateKey.FromHex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");

    private readonly Process _process;
    private readonly List<string> _output = [];

    private TronDevnet(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
        Http = new TronHttpClient(endpoint, TimeSpan.FromSeconds(20));
        Client = new TronClient(Http);
    }

    public Uri Endpoint { get; }
    public TronHttpClient Http { get; }
    public TronClient Client { get; }

    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output) return [.. _output];
        }
    }

    public static async Task<TronDevnet> StartAsync(string? statePath = null, int blockMs = 100)
    {
        var devnet = Path.Combine(SolanaDevnet.RepoRoot, "devnet");
        if (!Directory.Exists(Path.Combine(devnet, "node_modules", "tronweb")))
            throw new InvalidOperationException($"devnet/node_modules is missing tronweb: run `npm ci` in {devnet}");
        var port = SolanaDevnet.FreePort();
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = SolanaDevnet.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(devnet, "tron", "server.js"));
        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--block-ms");
        psi.ArgumentList.Add(blockMs.ToString(CultureInfo.InvariantCulture));
        if (statePath is not null)
        {
            psi.ArgumentList.Add("--state");
            psi.ArgumentList.Add(statePath);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var node = new TronDevnet(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => node.Log(e.Data);
        process.ErrorDataReceived += (_, e) => node.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"tron devnet exited with {process.ExitCode}: {string.Join('\n', node.Output)}");
            try
            {
                await node.Client.GetNowBlockAsync();
                return node;
            }
            catch (TronException e) when (e.Code == TronErrorCode.ConnectionFailed && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private void Log(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
    }

    /// <summary>A fresh key whose account holds <paramref name="sun"/> TRX-sun, sent from genesis in a TransferContract.</summary>
    public async Task<EvmPrivateKey> FundedKeyAsync(long sun = 10_000_000_000)
    {
        var key = EvmPrivateKey.Generate();
        var genesis = TronAddress.FromPublicKey(GenesisKey.PublicKey);
        var raw = await Client.BuildAsync(new TronTransfer(genesis, TronAddress.FromPublicKey(key.PublicKey), sun), 0);
        var status = await Client.SendAndWaitAsync(raw.Sign(GenesisKey));
        Assert.Equal(TronTxState.Succeeded, status.State);
        return key;
    }

    /// <summary>Sets the node's misbehaviour switches (see devnet/tron/server.js).</summary>
    public Task SetFaultsAsync(object faults) => Http.PostAsync("admin/faults", faults);

    /// <summary>Stops the node with SIGTERM (it writes its --state file) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            await StopAsync();
        }
        finally
        {
            // A node that did not stop in time goes with its anvil, so no test leaves processes behind.
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }
}

/// <summary>One node shared by the Tron tests of a collection.</summary>
public sealed class TronDevnetFixture : IAsyncLifetime
{
    private TronDevnet? _devnet;

    public TronDevnet Devnet => _devnet ?? throw new InvalidOperationException("tron devnet not started");

    public async Task InitializeAsync() => _devnet = await TronDevnet.StartAsync();

    public async Task DisposeAsync()
    {
        if (_devnet is not null) await _devnet.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TronDevnetCollection : ICollectionFixture<TronDevnetFixture>
{
    public const string Name = "tron devnet";
}
