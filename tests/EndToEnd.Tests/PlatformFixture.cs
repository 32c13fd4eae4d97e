using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Sharemint.Catalog;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Chains.Tests.Tron;
using Sharemint.Chains.Tron;
using Sharemint.Fixtures;
using Sharemint.Signing;

namespace Sharemint.EndToEnd.Tests;

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}

/// <summary>
/// The whole platform on loopback: a private PostgreSQL, two anvil chains (<c>ethereum</c>, <c>bnb</c>), the Solana devnet,
/// the local Tron node, and the real silo process with its token deployer, talked to through an Orleans client on the silo's gateway.
/// The silo can be killed and restarted on the same ports and database.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public const string IssuerEvmKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    public const string PartnerEvmKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    public const string Partner = "partner-demo";
    public static readonly string[] Symbols = ["TSLAx", "NVDAx"];
    /// <summary>Every chain the silo deploys on.</summary>
    public static readonly string[] Chains = ["bnb", "ethereum", "solana", "tron"];
    /// <summary>The chains the invariant property sequences move between: every chain the silo deploys on.</summary>
    public static readonly string[] PropertyChains = Chains;

    private PostgresServer? _postgres;
    private IHost? _clientHost;
    private readonly string _serviceId = "sharemint";
    private readonly string _clusterId = $"e2e-{Guid.NewGuid():N}";
    private int _siloPort;
    private int _gatewayPort;
    private int _httpPort;

    public string ConnectionString { get; private set; } = "";
    public AnvilNode Ethereum { get; private set; } = null!;
    public AnvilNode Bnb { get; private set; } = null!;
    /// <summary>The silo reaches the bnb chain through this gate, so a test can take the chain's RPC down and back.</summary>
    public Sharemint.Signers.Tests.RpcGate BnbGate { get; private set; } = null!;
    /// <summary>The local Tron node (200 ms blocks); the issuer signs with its genesis key, the partner with the EVM partner key.</summary>
    public TronDevnet Tron { get; private set; } = null!;
    public TronAddress TronPartner => TronAddress.FromPublicKey(EvmPartner.PublicKey);
    public PostgresServer Postgres => _postgres ?? throw new InvalidOperationException("not started");
    public SolanaDevnet Solana { get; private set; } = null!;
    public Keypair SolanaIssuer { get; } = Keypair.Generate();
    public Keypair SolanaPartner { get; private set; } = null!;
    public EvmPrivateKey EvmPartner { get; } = EvmPrivateKey.FromHex(PartnerEvmKey);
    public SharemintTokenArtifact Artifact { get; } = SharemintTokenArtifact.Locate();
    public SiloProcess Silo { get; private set; } = null!;
    public IClusterClient Grains { get; private set; } = null!;
    public string AttestationSeed { get; } = IssuerSigningKeys.NewKeySeedBase64();
    public string CrashMarker { get; } = Path.Combine(Path.GetTempPath(), $"sharemint-crash-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        ConnectionString = await _postgres.CreateMigratedDatabaseAsync("e2e");
        var anvil = AnvilNode.LocateBinary();
        Ethereum = await AnvilNode.StartAsync(anvil, 31337);
        Bnb = await AnvilNode.StartAsync(anvil, 56);
        BnbGate = new Sharemint.Signers.Tests.RpcGate(Bnb.RpcUrl);
        Tron = await TronDevnet.StartAsync(blockMs: 200);
        await Tron.Http.PostAsync("admin/fund", new { address = TronPartner.ToBase58(), amount = 10_000_000_000L });
        Solana = await SolanaDevnet.StartAsync(slotMs: 100);
        SolanaPartner = await Solana.FundedKeypairAsync();
        _siloPort = FreePort.Next();
        _gatewayPort = FreePort.Next();
        _httpPort = FreePort.Next();
        await StartSiloAsync(crashAt: null);
        await WaitForDeploymentsAsync(TimeSpan.FromMinutes(3));
    }

    /// <summary>
    /// Starts the silo (optionally armed to stop hard at a saga point, and with <paramref name="settings"/> added to its
    /// environment for this run only) and connects a fresh client.
    /// </summary>
    public async Task StartSiloAsync(string? crashAt, IReadOnlyDictionary<string, string>? settings = null)
    {
        var env = new Dictionary<string, string>
        {
            ["Sharemint__ServiceId"] = _serviceId,
            ["Sharemint__DeployTokens"] = "true",
            ["Sharemint__DeploySymbols"] = string.Join(',', Symbols),
            ["Sharemint__Market__Hours"] = "always",
            ["Sharemint__Market__Prices__TSLA"] = "250.00",
            ["Sharemint__Market__Prices__NVDA"] = "120.50",
            ["Sharemint__Signing__AttestationKey"] = AttestationSeed,
            ["Sharemint__Signing__QuoteKey"] = AttestationSeed,
            ["Sharemint__Orders__PollPeriod"] = "00:00:00.100",
            ["Sharemint__Faults__Enabled"] = "true",
            // Gauges (holders counted on chain among them) follow the chains within seconds.
            ["Sharemint__Telemetry__SampleIntervalSeconds"] = "2",
            ["Sharemint__Orders__MintRetryDelay"] = "00:00:01",
            ["Sharemint__Bridges__DepositScanInterval"] = "00:00:00.500",
            ["Sharemint__Quotes__Lifetime"] = "00:00:05",
            // Corporate actions a few seconds ahead: the pause opens after the quote lifetime's worth before the switch.
            ["Sharemint__CorporateActions__MinimumLead"] = "00:00:10",
            ["Sharemint__CorporateActions__PauseBefore"] = "00:00:06",
            ["Sharemint__CorporateActions__PauseAfter"] = "00:00:02",
            ["Sharemint__CorporateActions__Tick"] = "00:00:00.500",
            ["Sharemint__Chains__ethereum__Family"] = "evm",
            ["Sharemint__Chains__ethereum__RpcUrl"] = Ethereum.RpcUrl.ToString(),
            ["Sharemint__Chains__ethereum__ChainId"] = "31337",
            ["Sharemint__Chains__ethereum__PrivateKey"] = IssuerEvmKey,
            ["Sharemint__Chains__bnb__Family"] = "evm",
            ["Sharemint__Chains__bnb__RpcUrl"] = BnbGate.Url.ToString(),
            ["Sharemint__Chains__bnb__ChainId"] = "56",
            // anvil mines only when a transaction arrives: the local chain standing for BNB Chain is final at one block.
            ["Sharemint__Chains__bnb__Confirmations"] = "1",
            ["Sharemint__Chains__bnb__PrivateKey"] = IssuerEvmKey,
            ["Sharemint__Chains__tron__Family"] = "tron",
            ["Sharemint__Chains__tron__RpcUrl"] = Tron.Endpoint.ToString(),
            // anvil's account 0 is the Tron node's genesis account, which holds the TRX that pays for energy.
            ["Sharemint__Chains__tron__PrivateKey"] = IssuerEvmKey,
            ["Sharemint__Chains__tron__TransactionLifetimeSeconds"] = "10",
            ["Sharemint__Chains__solana__Family"] = "solana",
            ["Sharemint__Chains__solana__RpcUrl"] = Solana.Endpoint.ToString(),
            ["Sharemint__Chains__solana__Keypair"] = Base58.Encode(SolanaIssuer.SecretKey()),
            ["Sharemint__Chains__solana__AirdropLamports"] = "100000000000",
            ["Sharemint__Demo__Wallets__ethereum"] = EvmPartner.Address.ToString(),
            ["Sharemint__Demo__Wallets__bnb"] = EvmPartner.Address.ToString(),
            ["Sharemint__Demo__Wallets__tron"] = TronPartner.ToBase58(),
            ["Sharemint__Demo__Wallets__solana"] = SolanaPartner.PublicKey.ToString(),
        };
        if (crashAt is not null)
        {
            env["Sharemint__Orders__CrashAt"] = crashAt;
            env["Sharemint__Orders__CrashMarker"] = CrashMarker;
            File.Delete(CrashMarker);
        }
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            env[name] = value;
        }
        Silo = await SiloProcess.StartAsync(ConnectionString, seedDemo: true, clusterId: _clusterId, extraEnvironment: env,
            siloPort: _siloPort, gatewayPort: _gatewayPort, httpPort: _httpPort);
        await ConnectClientAsync();
    }

    /// <summary>Kills the silo (-9) if it still runs, then starts it again (armed to crash at a point, or not).</summary>
    public async Task RestartSiloAsync(string? crashAt = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        await DisconnectClientAsync();
        await Silo.KillAsync();
        await Silo.DisposeAsync();
        await StartSiloAsync(crashAt, settings);
    }

    /// <summary>Restarts the silo unarmed if an earlier test left it stopped (a failed crash test must not sink the next).</summary>
    public async Task EnsureRunningAsync()
    {
        if (Silo.HasExited || File.Exists(CrashMarker))
        {
            await RestartSiloAsync();
            File.Delete(CrashMarker);
        }
    }

    /// <summary>Waits for the armed silo to stop itself at its crash point.</summary>
    public async Task WaitForCrashAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!File.Exists(CrashMarker) || !Silo.HasExited)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The silo did not reach its crash point.\n{Silo.Output}");
            }
            await Task.Delay(100);
        }
    }

    private async Task ConnectClientAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new IPEndPoint(IPAddress.Loopback, _gatewayPort));
            client.Configure<ClusterOptions>(o =>
            {
                o.ServiceId = _serviceId;
                o.ClusterId = _clusterId;
            });
        });
        _clientHost = builder.Build();
        await _clientHost.StartAsync();
        Grains = _clientHost.Services.GetRequiredService<IClusterClient>();
    }

    private async Task DisconnectClientAsync()
    {
        if (_clientHost is not null)
        {
            await _clientHost.StopAsync(TimeSpan.FromSeconds(5));
            _clientHost.Dispose();
            _clientHost = null;
        }
    }

    private async Task WaitForDeploymentsAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var expected = Symbols.Length * Chains.Length;
        while (true)
        {
            var deployments = await Grains.GetGrain<ICatalogGrain>(0).ListDeploymentsAsync();
            var reserves = await Grains.GetGrain<Sharemint.Reserves.IReservesGrain>(Symbols[^1]).GetLatestAsync();
            if (deployments.Count >= expected && reserves is not null)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Only {deployments.Count} of {expected} deployments appeared.\n{Silo.Output}");
            }
            await Task.Delay(250);
        }
    }

    public async Task DisposeAsync()
    {
        await DisconnectClientAsync();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
        if (Solana is not null) await Solana.DisposeAsync();
        if (Ethereum is not null) await Ethereum.DisposeAsync();
        if (BnbGate is not null) await BnbGate.DisposeAsync();
        if (Bnb is not null) await Bnb.DisposeAsync();
        if (Tron is not null) await Tron.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
        File.Delete(CrashMarker);
    }

    public static string Invariant(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
