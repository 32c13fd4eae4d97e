using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using Sharemint.Client;
using Sharemint.Client.Admin;
using Sharemint.Client.Orders;
using Sharemint.Client.Quotes;
using Sharemint.Fixtures;

namespace Sharemint.LocalPlatform.Tests;

[CollectionDefinition(Name)]
public sealed class LocalPlatformCollection : ICollectionFixture<LocalPlatform>
{
    public const string Name = "local platform";
}

/// <summary>
/// The platform as a user starts it: <c>scripts/run-local.sh</c> (PostgreSQL, anvil x2, the Solana devnet, the Tron node, the silo) on
/// free loopback ports with its state in a temporary directory, stopped with SIGTERM as Ctrl-C would and started again
/// on the same state. Built beforehand, so it runs with <c>--no-build</c>.
/// </summary>
public sealed class LocalPlatform : IAsyncLifetime
{
    public const string PartnerKeyId = "pk_dev_demo";
    public const string PartnerSecret = "sk_dev_demo_0123456789abcdef";
    public const string AdminKeyId = "ok_dev_admin";
    public const string AdminSecret = "sk_dev_admin_0123456789abcdef";
    public const string EvmWallet = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    public static readonly string[] Symbols = ["TSLAx", "NVDAx"];
    /// <summary>The demo partner's Tron wallet: the EVM wallet's key on Tron (run-local.sh funds it at the node's genesis).</summary>
    public const string TronWallet = "TLEaY8XoqpBmndLsjcfThgdKLN1ssNuUcF";
    public static readonly string[] Chains = ["bnb", "ethereum", "solana", "tron"];

    /// <summary>Explorer URL templates handed to the silo through the environment run-local.sh passes on.</summary>
    public static readonly IReadOnlyDictionary<string, string> Explorers = new Dictionary<string, string>
    {
        ["ethereum"] = "https://etherscan.io/token/{address}",
        ["bnb"] = "https://bscscan.com/token/{address}",
        ["tron"] = "https://tronscan.org/#/token20/{address}",
        ["solana"] = "https://explorer.solana.com/address/{address}?cluster=custom",
    };

    private readonly StringBuilder _output = new();
    private Process? _script;
    private readonly Dictionary<string, string> _environment = new();

    /// <summary>Receives the silo's traces over OTLP/HTTP (the silo is configured with its endpoint).</summary>
    public OtlpCollector Traces { get; } = new();

    public string DevDir { get; } = Path.Combine(Path.GetTempPath(), $"sharemint-local-{Guid.NewGuid():N}");
    public Uri BaseAddress { get; private set; } = null!;
    public Uri EthereumRpc { get; private set; } = null!;
    public Uri BnbRpc { get; private set; } = null!;
    public Uri TronApi { get; private set; } = null!;
    public Uri SolanaRpc { get; private set; } = null!;

    /// <summary>The demo partner's Solana wallet, made by run-local.sh and kept in its state.</summary>
    public string SolanaWallet => File.ReadAllText(Path.Combine(DevDir, "solana.keys")).Split(' ', StringSplitOptions.TrimEntries)[1];

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public async Task InitializeAsync()
    {
        int Port() => FreePort.Next();
        var http = Port();
        var ethereum = Port();
        var bnb = Port();
        var tron = Port();
        // The Solana devnet's PubSub websocket listens on its RPC port + 1.
        var solana = Port();
        BaseAddress = new Uri($"http://127.0.0.1:{http}/");
        EthereumRpc = new Uri($"http://127.0.0.1:{ethereum}");
        BnbRpc = new Uri($"http://127.0.0.1:{bnb}");
        TronApi = new Uri($"http://127.0.0.1:{tron}");
        SolanaRpc = new Uri($"http://127.0.0.1:{solana}");
        _environment["SHAREMINT_DEV_DIR"] = DevDir;
        _environment["SHAREMINT_HTTP_PORT"] = Invariant(http);
        _environment["SHAREMINT_PG_PORT"] = Invariant(Port());
        _environment["SHAREMINT_SILO_PORT"] = Invariant(Port());
        _environment["SHAREMINT_GATEWAY_PORT"] = Invariant(Port());
        _environment["SHAREMINT_ETHEREUM_PORT"] = Invariant(ethereum);
        _environment["SHAREMINT_BNB_PORT"] = Invariant(bnb);
        _environment["SHAREMINT_TRON_PORT"] = Invariant(tron);
        _environment["SHAREMINT_SOLANA_PORT"] = Invariant(solana);
        _environment["SHAREMINT_DEPLOY_SYMBOLS"] = string.Join(',', Symbols);
        _environment["Sharemint__Telemetry__Otlp__Endpoint"] = Traces.Endpoint.ToString();
        _environment["Sharemint__Telemetry__Otlp__Protocol"] = "http/protobuf";
        foreach (var (chain, template) in Explorers)
        {
            _environment[$"Sharemint__Chains__{chain}__Explorer"] = template;
        }
        await StartAsync(reset: true);
    }

    /// <summary>Runs run-local.sh and waits until it says the platform is running.</summary>
    public async Task StartAsync(bool reset)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryPaths.Root,
        };
        start.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "scripts", "run-local.sh"));
        start.ArgumentList.Add("--no-build");
        if (reset)
        {
            start.ArgumentList.Add("--reset");
        }
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = Process.Start(start) ?? throw new InvalidOperationException("Could not start run-local.sh.");
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (_output)
            {
                _output.AppendLine(line);
            }
            if (line.Contains("Press Ctrl-C to stop.", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }
        script.OutputDataReceived += (_, e) => OnLine(e.Data);
        script.ErrorDataReceived += (_, e) => OnLine(e.Data);
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        _script = script;
        var exited = script.WaitForExitAsync();
        var done = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromMinutes(5)));
        if (done != ready.Task)
        {
            throw new InvalidOperationException(
                $"run-local.sh {(done == exited ? $"exited with {script.ExitCode}" : "did not report the platform running in 5 minutes")}:\n{Output}");
        }
    }

    /// <summary>Runs run-local.sh to completion with the platform's environment (for the ways it refuses to start).</summary>
    public Task<ProcessRunner.Result> RunScriptAsync(params string[] args) =>
        ProcessRunner.RunAsync("bash", [Path.Combine(RepositoryPaths.Root, "scripts", "run-local.sh"), .. args], TimeSpan.FromMinutes(3),
            environment: _environment, workingDirectory: RepositoryPaths.Root, throwOnFailure: false);

    /// <summary>Stops run-local.sh with SIGTERM (its cleanup is the same as Ctrl-C's) and waits for it to finish.</summary>
    public async Task StopAsync()
    {
        if (_script is null || _script.HasExited)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-TERM", Invariant(_script.Id)]))
        {
            await kill!.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await _script.WaitForExitAsync(timeout.Token);
    }

    public bool IsRunning => _script is { HasExited: false };

    private readonly SemaphoreSlim _mintOnce = new(1, 1);
    private bool _minted;

    /// <summary>Mints once per run: TSLAx on all four chains and NVDAx on one, so the page and the restart have supply to show.</summary>
    public async Task EnsureMintedAsync()
    {
        await _mintOnce.WaitAsync();
        try
        {
            if (_minted)
            {
                return;
            }
            await MintAsync("TSLAx", "ethereum", 1.5m);
            await MintAsync("TSLAx", "bnb", 2m);
            await MintAsync("TSLAx", "tron", 0.75m);
            await MintAsync("TSLAx", "solana", 0.25m);
            await MintAsync("NVDAx", "ethereum", 3m);
            _minted = true;
        }
        finally
        {
            _mintOnce.Release();
        }
    }

    public SharemintClient Partner() => new(Http(), new SharemintClientOptions { KeyId = PartnerKeyId, Secret = PartnerSecret });

    public SharemintAdminClient Admin() => new(Http(), new SharemintClientOptions { KeyId = AdminKeyId, Secret = AdminSecret });

    public HttpClient Http() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    public string WalletOn(string chain) => chain switch
    {
        "solana" => SolanaWallet,
        "tron" => TronWallet,
        _ => EvmWallet,
    };

    /// <summary>Quotes and mints <paramref name="amount"/> tokens to the demo partner's wallet on a chain, and waits for it to settle.</summary>
    public async Task<Sharemint.Client.Orders.Order> MintAsync(string symbol, string chain, decimal amount)
    {
        var partner = Partner();
        Quote quote = await partner.Quotes.CreateAsync(symbol, QuoteSide.Mint, amount);
        Order order = await partner.Orders.MintAsync(quote.QuoteId, chain, WalletOn(chain));
        Order done = await partner.Orders.WaitUntilCompletedAsync(order.OrderId, new OrderWaitOptions { Timeout = TimeSpan.FromMinutes(2) });
        Assert.True(done.Status == OrderStatus.Settled, $"{symbol} on {chain}: {done.Status} {done.FailureCode} {done.FailureMessage}");
        return done;
    }

    /// <summary>A token's total supply in tokens, read by a client we did not write: cast (EVM), @solana/web3.js (Solana) or TronWeb (Tron).</summary>
    public async Task<decimal> SupplyFromChainAsync(string chain, string token, int decimals)
    {
        BigInteger raw;
        if (chain == "solana")
        {
            var result = await ProcessRunner.RunAsync("node",
                [Path.Combine(RepositoryPaths.Root, "devnet", "solana-check", "read.js"), SolanaRpc.ToString(), token], TimeSpan.FromMinutes(1));
            using var json = JsonDocument.Parse(result.StandardOutput);
            raw = BigInteger.Parse(json.RootElement.GetProperty("supply").GetString()!, CultureInfo.InvariantCulture);
        }
        else if (chain == "tron")
        {
            var result = await ProcessRunner.RunAsync("node",
                [Path.Combine(RepositoryPaths.Root, "devnet", "tron", "check", "tronweb-holder.js"), "read", "--node", TronApi.ToString().TrimEnd('/'),
                 "--artifact", Path.Combine(RepositoryPaths.Root, "contracts", "out", "SharemintToken.json"), "--token", token], TimeSpan.FromMinutes(1));
            using var json = JsonDocument.Parse(result.StandardOutput);
            raw = BigInteger.Parse(json.RootElement.GetProperty("totalSupply").GetString()!, CultureInfo.InvariantCulture);
        }
        else
        {
            var cast = Path.Combine(RepositoryPaths.Root, "devnet", "node_modules", "@foundry-rs", "cast-linux-amd64", "bin", "cast");
            var rpc = chain == "ethereum" ? EthereumRpc : BnbRpc;
            var result = await ProcessRunner.RunAsync(cast, ["call", token, "totalSupply()(uint256)", "--rpc-url", rpc.ToString()], TimeSpan.FromMinutes(1));
            raw = BigInteger.Parse(result.StandardOutput.Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        // Exact: the platform mints whole canonical units (8 decimals), so the quotient by 10^(decimals-8) has no remainder.
        var scale = BigInteger.Pow(10, decimals - 8);
        Assert.Equal(BigInteger.Zero, raw % scale);
        return (decimal)(raw / scale) / 100_000_000m;
    }

    /// <summary>The public deployments of an asset: chain, token address, decimals.</summary>
    public async Task<IReadOnlyList<(string Chain, string Token, int Decimals)>> DeploymentsAsync(string symbol)
    {
        using var http = Http();
        using var json = JsonDocument.Parse(await http.GetStringAsync($"v1/assets/{symbol}/deployments"));
        return json.RootElement.EnumerateArray()
            .Select(d => (d.GetProperty("chain").GetString()!, d.GetProperty("tokenAddress").GetString()!, d.GetProperty("decimals").GetInt32()))
            .OrderBy(d => d.Item1, StringComparer.Ordinal)
            .ToList();
    }

    public async Task DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            await Traces.DisposeAsync();
            _script?.Dispose();
            if (Directory.Exists(DevDir))
            {
                // PostgreSQL's files belong to the postgres user when the tests run as root; rm copes with both.
                using var rm = Process.Start("rm", ["-rf", DevDir]);
                await rm!.WaitForExitAsync();
            }
        }
    }

    public static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
