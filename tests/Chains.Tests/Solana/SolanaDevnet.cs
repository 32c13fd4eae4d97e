using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Sharemint.Chains.Solana;
using Xunit;

namespace Sharemint.Chains.Tests.Solana;

/// <summary>
/// Starts devnet/solana/server.js (LiteSVM) on a free loopback port, waits for it to answer
/// getHealth, and kills it on dispose. Fails with the missing install step if node or
/// devnet/node_modules is absent.
/// </summary>
public sealed class SolanaDevnet : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];

    private SolanaDevnet(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
        Rpc = new SolanaRpcClient(endpoint, TimeSpan.FromSeconds(20));
    }

    /// <summary>The server's URL.</summary>
    public Uri Endpoint { get; }

    /// <summary>A client for the server.</summary>
    public SolanaRpcClient Rpc { get; }

    /// <summary>Lines the server printed (for diagnostics).</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "devnet", "package.json")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException($"cannot find the repository root (devnet/package.json) above {AppContext.BaseDirectory}");
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static readonly HashSet<int> HandedForPubSub = [];

    /// <summary>
    /// A free port whose next port is free too: the devnet serves its websocket (PubSub) on the RPC port + 1, as real
    /// clusters do, and a taken neighbour left web3.js's confirmations with nothing to connect to. Never handed out twice.
    /// </summary>
    private static int FreePortWithPubSub()
    {
        while (true)
        {
            var port = FreePort();
            if (port >= IPEndPoint.MaxPort)
            {
                continue;
            }
            try
            {
                var next = new TcpListener(IPAddress.Loopback, port + 1);
                next.Start();
                next.Stop();
            }
            catch (SocketException)
            {
                continue;
            }
            lock (HandedForPubSub)
            {
                if (HandedForPubSub.Add(port) && HandedForPubSub.Add(port + 1))
                {
                    return port;
                }
            }
        }
    }

    public static async Task<SolanaDevnet> StartAsync(string? snapshotPath = null, int blockhashTtl = 150, int slotMs = 100, string snapshotFlag = "--snapshot")
    {
        var devnet = Path.Combine(RepoRoot, "devnet");
        if (!Directory.Exists(Path.Combine(devnet, "node_modules", "litesvm")) || !Directory.Exists(Path.Combine(devnet, "node_modules", "@solana", "web3.js")))
        {
            throw new InvalidOperationException($"devnet/node_modules is missing litesvm or @solana/web3.js: run `npm ci` in {devnet}");
        }
        var port = FreePortWithPubSub();
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(devnet, "solana", "server.js"));
        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--blockhash-ttl");
        psi.ArgumentList.Add(blockhashTtl.ToString(System.Globalization.CultureInfo.InvariantCulture));
        psi.ArgumentList.Add("--slot-ms");
        psi.ArgumentList.Add(slotMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (snapshotPath is not null)
        {
            psi.ArgumentList.Add(snapshotFlag);
            psi.ArgumentList.Add(snapshotPath);
        }
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("`node` (Node.js 20+) is not on PATH; install Node.js to run the Solana devnet", e);
        }
        var devnetServer = new SolanaDevnet(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => devnetServer.Log(e.Data);
        process.ErrorDataReceived += (_, e) => devnetServer.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"solana devnet exited with {process.ExitCode}: {string.Join('\n', devnetServer.Output)}");
            }
            try
            {
                if (await devnetServer.Rpc.GetHealthAsync() == "ok")
                {
                    return devnetServer;
                }
            }
            catch (SolanaException e) when (e.Kind == SolanaErrorKind.RpcUnavailable)
            {
                if (DateTime.UtcNow > deadline)
                {
                    await devnetServer.DisposeAsync();
                    throw new InvalidOperationException($"solana devnet not ready in 60s: {string.Join('\n', devnetServer.Output)}", e);
                }
            }
            await Task.Delay(100);
        }
    }

    private void Log(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Add(line);
        }
    }

    /// <summary>Adds empty blocks (non-standard devnet method), e.g. to expire blockhashes.</summary>
    public async Task AdvanceBlocksAsync(int n) => await Rpc.CallAsync("devnet_advanceBlocks", [n]);

    /// <summary>Makes the server accept but silently drop the next n sendTransaction calls.</summary>
    public async Task DropTransactionsAsync(int n) => await Rpc.CallAsync("devnet_dropTransactions", [n]);

    /// <summary>Asks the server to write its snapshot and exit, and waits for the exit.</summary>
    public async Task ShutdownAsync()
    {
        await Rpc.CallAsync("devnet_shutdown", []);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>A funded keypair.</summary>
    public async Task<Keypair> FundedKeypairAsync(ulong lamports = 10_000_000_000)
    {
        var kp = Keypair.Generate();
        await Rpc.RequestAirdropAsync(kp.PublicKey, lamports);
        return kp;
    }

    public async ValueTask DisposeAsync()
    {
        Rpc.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(cts.Token);
        }
        _process.Dispose();
    }
}

/// <summary>One devnet server shared by the Solana tests of a collection.</summary>
public sealed class SolanaDevnetFixture : IAsyncLifetime
{
    private SolanaDevnet? _devnet;

    public SolanaDevnet Devnet => _devnet ?? throw new InvalidOperationException("devnet not started");

    public async Task InitializeAsync() => _devnet = await SolanaDevnet.StartAsync();

    public async Task DisposeAsync()
    {
        if (_devnet is not null)
        {
            await _devnet.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SolanaDevnetCollection : ICollectionFixture<SolanaDevnetFixture>
{
    public const string Name = "solana-devnet";
}

/// <summary>Helpers to set up an issuer with an xStock mint on the devnet.</summary>
public sealed class Issuer
{
    private Issuer(SolanaDevnet devnet, Keypair authority, InMemorySignedTransactionStore store, TransactionSender sender, XStockTokenClient client)
    {
        Devnet = devnet;
        Authority = authority;
        Store = store;
        Sender = sender;
        Client = client;
    }

    public SolanaDevnet Devnet { get; }

    /// <summary>Fee payer and every authority of mints it creates.</summary>
    public Keypair Authority { get; }

    public InMemorySignedTransactionStore Store { get; }

    public TransactionSender Sender { get; }

    public XStockTokenClient Client { get; }

    public static readonly TransactionSenderOptions FastSender = new()
    {
        Commitment = Commitment.Confirmed,
        PollInterval = TimeSpan.FromMilliseconds(50),
        Timeout = TimeSpan.FromSeconds(60),
    };

    public static async Task<Issuer> CreateAsync(SolanaDevnet devnet)
    {
        var authority = await devnet.FundedKeypairAsync(100_000_000_000);
        var store = new InMemorySignedTransactionStore();
        var sender = new TransactionSender(devnet.Rpc, store, FastSender);
        return new Issuer(devnet, authority, store, sender, new XStockTokenClient(devnet.Rpc, sender, authority));
    }

    public XStockMintSpec Spec(string symbol = "TSLAx", PublicKey? permanentDelegate = null) =>
        new($"{symbol} xStock", symbol, $"https://example.invalid/{symbol}.json", 8, Authority.PublicKey, Authority.PublicKey)
        {
            PermanentDelegate = permanentDelegate,
        };

    public async Task<PublicKey> CreateMintAsync(string symbol = "TSLAx", bool permanentDelegate = true)
    {
        var mint = Keypair.Generate();
        await Client.CreateMintAsync($"create-{mint.PublicKey}", Spec(symbol, permanentDelegate ? Authority.PublicKey : null), mint, Authority);
        return mint.PublicKey;
    }
}
