using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Fixtures;
using Sharemint.Silo.Hosting;

namespace Sharemint.Signers.Tests;

[CollectionDefinition(Name)]
public sealed class SignerCollection : ICollectionFixture<SignerFixture>
{
    public const string Name = "chain-signer";
}

/// <summary>
/// PostgreSQL, two anvil nodes (evm-a behind an <see cref="RpcGate"/>, evm-b direct with two confirmations), the Solana
/// devnet behind a gate, and an in-process Orleans cluster whose silo signs on all three with <c>AddSharemintChains</c>.
/// </summary>
public sealed class SignerFixture : IAsyncLifetime
{
    /// <summary>anvil's default funded account 0.</summary>
    public const string AnvilIssuerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    /// <summary>anvil's default funded account 3: the hot signing key of the test chain named arbitrum.</summary>
    public const string AnvilRoleSignerKey = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";

    /// <summary>anvil's default funded account 4: the token admin of arbitrum (a cold key in production).</summary>
    public const string AnvilTokenAdminKey = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";

    public const ulong ChainIdA = 31337;

    /// <summary>The priority fee cap of the fixture's Solana chain (below its configured price, so the cap is what lands).</summary>
    public const ulong SolanaPriceCap = 2000;
    public const ulong ChainIdB = 31338;

    private PostgresServer? _postgres;
    private IConfiguration? _configuration;

    public AnvilNode AnvilA { get; private set; } = null!;
    public AnvilNode AnvilB { get; private set; } = null!;
    public SolanaDevnet Solana { get; private set; } = null!;
    public RpcGate GateA { get; private set; } = null!;
    public RpcGate GateSolana { get; private set; } = null!;
    public Keypair SolanaIssuer { get; } = Keypair.Generate();
    public string ConnectionString { get; private set; } = "";
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.Client;
    public SharemintTokenArtifact Artifact { get; } = SharemintTokenArtifact.Locate();

    /// <summary>The bridge→signer fault seam every silo of this fixture uses (disarmed unless a test arms it).</summary>
    public ScriptedSignerFaults Faults { get; } = new();

    /// <summary>The key source every silo of this fixture signs EVM writes through (in-process keys unless a test switches a chain).</summary>
    public SwitchableKeySource Keys { get; } = new();

    public IChainSignerGrain Signer(string chain) => Grains.GetGrain<IChainSignerGrain>(chain);

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        ConnectionString = await _postgres.CreateMigratedDatabaseAsync("signers");
        var anvil = AnvilNode.LocateBinary();
        AnvilA = await AnvilNode.StartAsync(anvil, ChainIdA);
        AnvilB = await AnvilNode.StartAsync(anvil, ChainIdB);
        Solana = await SolanaDevnet.StartAsync(slotMs: 100);
        GateA = new RpcGate(AnvilA.RpcUrl);
        GateSolana = new RpcGate(Solana.Endpoint);
        _configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sharemint:Chains:evm-a:Family"] = "evm",
            ["Sharemint:Chains:evm-a:RpcUrl"] = GateA.Url.ToString(),
            ["Sharemint:Chains:evm-a:ChainId"] = ChainIdA.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sharemint:Chains:evm-a:PrivateKey"] = AnvilIssuerKey,
            ["Sharemint:Chains:evm-b:Family"] = "evm",
            ["Sharemint:Chains:evm-b:RpcUrl"] = AnvilB.RpcUrl.ToString(),
            ["Sharemint:Chains:evm-b:ChainId"] = ChainIdB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sharemint:Chains:evm-b:PrivateKey"] = AnvilIssuerKey,
            ["Sharemint:Chains:evm-b:Confirmations"] = "2",
            // arbitrum: anvil A again, signed by another anvil account, with the token's admin role handed to a separate key.
            ["Sharemint:Chains:arbitrum:Family"] = "evm",
            ["Sharemint:Chains:arbitrum:RpcUrl"] = AnvilA.RpcUrl.ToString(),
            ["Sharemint:Chains:arbitrum:ChainId"] = ChainIdA.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sharemint:Chains:arbitrum:PrivateKey"] = AnvilRoleSignerKey,
            ["Sharemint:Chains:arbitrum:AdminAddress"] = EvmPrivateKey.FromHex(AnvilTokenAdminKey).Address.ToString(),
            ["Sharemint:Chains:solana:Family"] = "solana",
            ["Sharemint:Chains:solana:RpcUrl"] = GateSolana.Url.ToString(),
            ["Sharemint:Chains:solana:Keypair"] = Base58.Encode(SolanaIssuer.SecretKey()),
            ["Sharemint:Chains:solana:AirdropLamports"] = "500000000000",
            // Every Solana write here pays a priority fee: the configured price, held down by the cap.
            ["Sharemint:Chains:solana:ComputeUnitPriceMicroLamports"] = "3000",
            ["Sharemint:Chains:solana:MaxComputeUnitPriceMicroLamports"] = SolanaPriceCap.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        await DeployClusterAsync();
    }

    /// <summary>Throws the whole cluster away and starts a new one on the same database (every grain re-activates).</summary>
    public async Task RestartClusterAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await DeployClusterAsync();
    }

    /// <summary>
    /// Starts a second, separate cluster on the same database and chains: its grains are second activations of this
    /// fixture's grains (as after a split brain or a silo that has not yet noticed it was declared dead). Dispose it after use.
    /// </summary>
    public async Task<InProcessTestCluster> StartSecondClusterAsync()
    {
        var first = Cluster;
        await DeployClusterAsync();
        var second = Cluster;
        Cluster = first;
        return second;
    }

    /// <summary>
    /// A separate cluster on its own database signing on this fixture's Solana devnet with a fresh issuer whose key is
    /// held behind <paramref name="keys"/> (a stand-in KMS, see <see cref="SwitchableKeySource"/>). Dispose it after use.
    /// </summary>
    public async Task<(InProcessTestCluster Cluster, string ConnectionString)> StartKmsSolanaClusterAsync(Keypair issuer, SwitchableKeySource keys)
    {
        var connectionString = await _postgres!.CreateMigratedDatabaseAsync("signers_kms");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sharemint:Chains:solana:Family"] = "solana",
            ["Sharemint:Chains:solana:RpcUrl"] = Solana.Endpoint.ToString(),
            ["Sharemint:Chains:solana:Keypair"] = Base58.Encode(issuer.SecretKey()),
            ["Sharemint:Chains:solana:AirdropLamports"] = "500000000000",
        }).Build();
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = "sharemint-signer-kms-test";
        builder.Options.ClusterId = $"cluster-{Guid.NewGuid():N}";
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<IChainKeySource>(keys);
            silo.AddSharemintStorage(connectionString);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = SiloConfiguration.Invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddSharemintChains(configuration);
            Sharemint.Market.MarketServiceCollectionExtensions.AddSharemintMarket(silo.Services, configuration);
            silo.Services.AddSingleton<Sharemint.Orders.IOrderIndex, Sharemint.Silo.Orders.PostgresOrderIndex>();
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return (cluster, connectionString);
    }

    private async Task DeployClusterAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = "sharemint-signer-test";
        builder.Options.ClusterId = $"cluster-{Guid.NewGuid():N}";
        var connectionString = ConnectionString;
        var configuration = _configuration!;
        var faults = Faults;
        var keys = Keys;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<Sharemint.Bridges.ISignerCallFaults>(faults);
            silo.Services.AddSingleton<IChainKeySource>(keys);
            silo.AddSharemintStorage(connectionString);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = SiloConfiguration.Invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddSharemintChains(configuration);
            // Deposits become orders: the order grain needs the market, the paper broker and the order index.
            Sharemint.Market.MarketServiceCollectionExtensions.AddSharemintMarket(silo.Services, configuration);
            silo.Services.AddSingleton<Sharemint.Orders.IOrderIndex, Sharemint.Silo.Orders.PostgresOrderIndex>();
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>A scalar from the test database (to look at the write-ahead log).</summary>
    public async Task<long> CountAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }
        if (GateA is not null) await GateA.DisposeAsync();
        if (GateSolana is not null) await GateSolana.DisposeAsync();
        if (Solana is not null) await Solana.DisposeAsync();
        if (AnvilA is not null) await AnvilA.DisposeAsync();
        if (AnvilB is not null) await AnvilB.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
