using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Sharemint.Catalog;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Client;
using Sharemint.Client.Admin;
using Sharemint.Fixtures;

namespace Sharemint.OrderThroughput;

/// <summary>
/// The whole platform on loopback, started the way the end-to-end fixture starts it: a private PostgreSQL, two anvil
/// chains (<c>ethereum</c> 31337, <c>base</c> 8453), the Solana devnet, and the real silo process deploying every
/// benchmarked asset on every chain, with an Orleans client on the silo's gateway. Everything is stopped on dispose.
/// </summary>
public sealed class BenchPlatform : IAsyncDisposable
{
    /// <summary>anvil's first funded account: the issuer on both EVM chains.</summary>
    private const string IssuerEvmKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private const string ServiceId = "sharemint";

    /// <summary>The operator key the first silo creates at start-up; the benchmark issues partner keys with it.</summary>
    private const string AdminKeyId = "ok_bench_admin";

    private readonly string _clusterId = $"bench-{Guid.NewGuid():N}";
    private readonly string _adminSecret = "sk_bench_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private readonly List<SiloProcess> _extraSilos = [];
    private Dictionary<string, string> _siloEnvironment = [];
    private PostgresServer? _postgres;
    private IHost? _clientHost;

    private BenchPlatform(IReadOnlyList<string> symbols, IReadOnlyList<string> chains)
    {
        Symbols = symbols;
        Chains = chains;
    }

    public IReadOnlyList<string> Symbols { get; }
    public IReadOnlyList<string> Chains { get; }

    /// <summary>Whether PostgreSQL runs with pg_stat_statements (<c>--statements</c>).</summary>
    public bool CountsStatements { get; private init; }
    public string ConnectionString { get; private set; } = "";
    public AnvilNode? Ethereum { get; private set; }
    public AnvilNode? Base { get; private set; }
    public SolanaDevnet? Solana { get; private set; }
    public SiloProcess? Silo { get; private set; }

    /// <summary>The PostgreSQL server's postmaster process id (for CPU accounting).</summary>
    public int? PostmasterId => _postgres?.PostmasterId;

    /// <summary>Every silo process of the cluster, the first one (which deployed the tokens) first.</summary>
    public IReadOnlyList<SiloProcess> Silos => Silo is null ? [] : [Silo, .. _extraSilos];
    public IClusterClient Grains { get; private set; } = null!;
    public SharemintTokenArtifact Artifact { get; } = SharemintTokenArtifact.Locate();

    /// <summary>Starts every part and waits until each asset is deployed on each chain.</summary>
    public static async Task<BenchPlatform> StartAsync(IReadOnlyList<string> symbols, IReadOnlyList<string> chains, IReadOnlyDictionary<string, string> prices,
        bool statements = false)
    {
        var platform = new BenchPlatform(symbols, chains) { CountsStatements = statements };
        try
        {
            await platform.StartPartsAsync(prices);
            return platform;
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }
    }

    private async Task StartPartsAsync(IReadOnlyDictionary<string, string> prices)
    {
        // Room for three silos' pools (cluster mode) beside the benchmark's own writers.
        var settings = new Dictionary<string, string> { ["max_connections"] = "1000" };
        if (CountsStatements)
        {
            foreach (var (name, value) in Statements.ServerSettings)
            {
                settings[name] = value;
            }
        }
        _postgres = await PostgresServer.CreateAsync(settings);
        ConnectionString = await _postgres.CreateMigratedDatabaseAsync("orders");
        if (CountsStatements)
        {
            await Statements.EnableAsync(ConnectionString);
        }
        var anvil = AnvilNode.LocateBinary();
        if (Chains.Contains("ethereum")) Ethereum = await AnvilNode.StartAsync(anvil, 31337);
        if (Chains.Contains("base")) Base = await AnvilNode.StartAsync(anvil, 8453);
        if (Chains.Contains("solana")) Solana = await SolanaDevnet.StartAsync(slotMs: 100);

        var seed = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var env = new Dictionary<string, string>
        {
            ["Sharemint__ServiceId"] = ServiceId,
            ["Sharemint__DeployTokens"] = "true",
            ["Sharemint__DeploySymbols"] = string.Join(',', Symbols),
            ["Sharemint__Market__Hours"] = "always",
            ["Sharemint__Signing__AttestationKey"] = seed,
            ["Sharemint__Signing__QuoteKey"] = seed,
            // Information logs per order step would cost the shared cores more than the work measured.
            ["Logging__LogLevel__Default"] = "Warning",
            ["Sharemint__Api__SecretEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            // Every benchmark partner calls from 127.0.0.1: the per-address and per-key throttles would measure
            // themselves, not the order path, so they are set far above the load (they are still evaluated per request).
            ["Sharemint__Api__AddressRateLimitBurst"] = "1000000",
            ["Sharemint__Api__AddressRateLimitPerSecond"] = "1000000",
            ["Sharemint__Api__RateLimitBurst"] = "100000",
            ["Sharemint__Api__RateLimitPerSecond"] = "100000",
        };
        foreach (var (ticker, price) in prices)
        {
            env[$"Sharemint__Market__Prices__{ticker}"] = price;
        }
        if (Ethereum is not null) AddEvm(env, "ethereum", Ethereum);
        if (Base is not null) AddEvm(env, "base", Base);
        if (Solana is not null)
        {
            env["Sharemint__Chains__solana__Family"] = "solana";
            env["Sharemint__Chains__solana__RpcUrl"] = Solana.Endpoint.ToString();
            env["Sharemint__Chains__solana__Keypair"] = Base58.Encode(Keypair.Generate().SecretKey());
            env["Sharemint__Chains__solana__AirdropLamports"] = "100000000000";
        }
        _siloEnvironment = new Dictionary<string, string>(env) { ["Sharemint__DeployTokens"] = "false" };
        env["Sharemint__Api__BootstrapAdminKeyId"] = AdminKeyId;
        env["Sharemint__Api__BootstrapAdminSecret"] = _adminSecret;
        Silo = await SiloProcess.StartAsync(ConnectionString, seedDemo: true, clusterId: _clusterId, extraEnvironment: env);
        await ConnectClientAsync(Silo.GatewayPort);
        await WaitForDeploymentsAsync(TimeSpan.FromMinutes(4));
    }

    private static void AddEvm(Dictionary<string, string> env, string chain, AnvilNode node)
    {
        env[$"Sharemint__Chains__{chain}__Family"] = "evm";
        env[$"Sharemint__Chains__{chain}__RpcUrl"] = node.RpcUrl.ToString();
        env[$"Sharemint__Chains__{chain}__ChainId"] = node.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env[$"Sharemint__Chains__{chain}__PrivateKey"] = IssuerEvmKey;
        // anvil mines only when a transaction arrives: one block is final on these local chains.
        env[$"Sharemint__Chains__{chain}__Confirmations"] = "1";
    }

    private async Task ConnectClientAsync(int gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort));
            client.Configure<ClusterOptions>(o =>
            {
                o.ServiceId = ServiceId;
                o.ClusterId = _clusterId;
            });
        });
        _clientHost = builder.Build();
        await _clientHost.StartAsync();
        Grains = _clientHost.Services.GetRequiredService<IClusterClient>();
    }

    private async Task WaitForDeploymentsAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var expected = Symbols.Count * Chains.Count;
        while (true)
        {
            var deployments = await Grains.GetGrain<ICatalogGrain>(0).ListDeploymentsAsync();
            // The deployer reconciles every asset last: the final asset's first attestation means it is done.
            var reserves = await Grains.GetGrain<Reserves.IReservesGrain>(Symbols[^1]).GetLatestAsync();
            if (deployments.Count(d => Symbols.Contains(d.Symbol) && Chains.Contains(d.Chain)) >= expected && reserves is not null)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Only {deployments.Count} of {expected} deployments appeared.\n{Silo?.Output}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>An operator (admin) API client on the first silo, signed with the bootstrap key.</summary>
    public SharemintAdminClient AdminClient() =>
        new(Silo!.CreateHttpClient(), new SharemintClientOptions { KeyId = AdminKeyId, Secret = _adminSecret });

    /// <summary>
    /// Starts more silo processes in the same cluster on the same PostgreSQL (no token deployment, no demo seeding: the
    /// first silo did both) and waits until each one's API is ready and the cluster lists every silo as active.
    /// <paramref name="siloDll"/>: another build's silo to run them from (a rolling-upgrade rehearsal); null runs this one.
    /// </summary>
    public async Task AddSilosAsync(int count, TimeSpan timeout, string? siloDll = null)
    {
        for (var i = 0; i < count; i++)
        {
            var silo = await SiloProcess.StartAsync(ConnectionString, seedDemo: false, clusterId: _clusterId, extraEnvironment: _siloEnvironment,
                siloDll: siloDll);
            _extraSilos.Add(silo);
        }
        var expected = 1 + _extraSilos.Count;
        var deadline = DateTime.UtcNow + timeout;
        var management = Grains.GetGrain<IManagementGrain>(0);
        while ((await management.GetHosts(onlyActive: true)).Count < expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The cluster did not reach {expected} active silos.\n{_extraSilos[^1].Output}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The EVM node serving <paramref name="chain"/>.</summary>
    public AnvilNode EvmNode(string chain) => (chain == "ethereum" ? Ethereum : chain == "base" ? Base : null)
        ?? throw new ArgumentException($"No EVM node for chain '{chain}'.", nameof(chain));

    public async ValueTask DisposeAsync()
    {
        if (_clientHost is not null)
        {
            await _clientHost.StopAsync(TimeSpan.FromSeconds(5));
            _clientHost.Dispose();
        }
        foreach (var extra in _extraSilos)
        {
            await extra.DisposeAsync();
        }
        if (Silo is not null) await Silo.DisposeAsync();
        if (Solana is not null) await Solana.DisposeAsync();
        if (Ethereum is not null) await Ethereum.DisposeAsync();
        if (Base is not null) await Base.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
