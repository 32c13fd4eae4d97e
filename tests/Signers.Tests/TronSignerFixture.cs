using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.TestingHost;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Chains.Tests.Tron;
using Sharemint.Chains.Tron;
using Sharemint.Fixtures;
using Sharemint.Silo.Hosting;

namespace Sharemint.Signers.Tests;

[CollectionDefinition(Name)]
public sealed class TronSignerCollection : ICollectionFixture<TronSignerFixture>
{
    public const string Name = "tron-signer";
}

/// <summary>
/// PostgreSQL, the local Tron node (100 ms blocks) and an in-process Orleans cluster whose silo signs on <c>tron</c> with a
/// freshly funded issuer and a 3-second transaction lifetime (so a lost transaction provably expires within a test).
/// </summary>
public sealed class TronSignerFixture : IAsyncLifetime
{
    /// <summary>Seconds a signed Tron write may be broadcast in this fixture.</summary>
    public const int LifetimeSeconds = 3;

    private PostgresServer? _postgres;
    private IConfiguration? _configuration;

    public TronDevnet Tron { get; private set; } = null!;
    /// <summary>The issuer's key as configuration holds it (a fresh one per run).</summary>
    public string IssuerKeyHex { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    /// <summary>The chain <c>tronroles</c>: the same node, signed by <see cref="RoleSignerKey"/>, the token admin handed to <see cref="TokenAdminKey"/>.</summary>
    public const string RolesChain = "tronroles";

    /// <summary>The hot signing key of <see cref="RolesChain"/> as configuration holds it (a fresh, funded one per run).</summary>
    public string RoleSignerKeyHex { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public EvmPrivateKey RoleSignerKey => EvmPrivateKey.FromHex(RoleSignerKeyHex);

    /// <summary>The token admin of <see cref="RolesChain"/> (a cold key in production; funded here so a test can sign with it).</summary>
    public EvmPrivateKey TokenAdminKey { get; } = EvmPrivateKey.Generate();

    public EvmPrivateKey IssuerKey { get; private set; } = null!;
    public TronAddress Issuer => TronAddress.FromPublicKey(IssuerKey.PublicKey);
    public string ConnectionString { get; private set; } = "";
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public SharemintTokenArtifact Artifact { get; } = SharemintTokenArtifact.Locate();

    /// <summary>The key source the silo signs through (in-process keys unless a test switches the chain).</summary>
    public SwitchableKeySource Keys { get; } = new();

    public IChainSignerGrain Signer => Cluster.Client.GetGrain<IChainSignerGrain>("tron");

    public static string ArtifactPath => Path.Combine(SolanaDevnet.RepoRoot, "contracts", "out", SharemintTokenArtifact.FileName);

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        ConnectionString = await _postgres.CreateMigratedDatabaseAsync("tron_signer");
        Tron = await TronDevnet.StartAsync(blockMs: 100);
        IssuerKey = EvmPrivateKey.FromHex(IssuerKeyHex);
        await FundAsync(Issuer, 1_000_000_000_000);
        await FundAsync(TronAddress.FromPublicKey(RoleSignerKey.PublicKey), 1_000_000_000_000);
        await FundAsync(TronAddress.FromPublicKey(TokenAdminKey.PublicKey), 100_000_000_000);
        _configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sharemint:Chains:tron:Family"] = "tron",
            ["Sharemint:Chains:tron:RpcUrl"] = Tron.Endpoint.ToString(),
            ["Sharemint:Chains:tron:PrivateKey"] = IssuerKeyHex,
            ["Sharemint:Chains:tron:TransactionLifetimeSeconds"] = LifetimeSeconds.ToString(CultureInfo.InvariantCulture),
            [$"Sharemint:Chains:{RolesChain}:Family"] = "tron",
            [$"Sharemint:Chains:{RolesChain}:RpcUrl"] = Tron.Endpoint.ToString(),
            [$"Sharemint:Chains:{RolesChain}:PrivateKey"] = RoleSignerKeyHex,
            [$"Sharemint:Chains:{RolesChain}:AdminAddress"] = TronAddress.FromPublicKey(TokenAdminKey.PublicKey).ToBase58(),
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

    private async Task DeployClusterAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ServiceId = "sharemint-tron-signer-test";
        builder.Options.ClusterId = $"cluster-{Guid.NewGuid():N}";
        var connectionString = ConnectionString;
        var configuration = _configuration!;
        var keys = Keys;
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
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Sends <paramref name="sun"/> from the node's genesis account in a TransferContract and waits for it.</summary>
    public async Task FundAsync(TronAddress to, long sun)
    {
        var genesis = TronAddress.FromPublicKey(TronDevnet.GenesisKey.PublicKey);
        var raw = await Tron.Client.BuildAsync(new TronTransfer(genesis, to, sun), 0);
        Assert.Equal(TronTxState.Succeeded, (await Tron.Client.SendAndWaitAsync(raw.Sign(TronDevnet.GenesisKey))).State);
    }

    /// <summary>Checks until the write is no longer pending (at most 60 s).</summary>
    public async Task<ChainWriteStatus> UntilDoneAsync(string writeId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await Signer.CheckAsync(writeId);
            if (status.State != ChainWriteState.Pending)
            {
                return status;
            }
            Assert.True(DateTime.UtcNow < deadline, $"tron/{writeId} still pending after 60 s");
            await Task.Delay(100);
        }
    }

    /// <summary>A scalar from the test database (to look at the write-ahead log).</summary>
    public async Task<long> ScalarAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    /// <summary>Runs statements on the test database (to simulate a lost write-ahead log).</summary>
    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs devnet/tron/check/tronweb-holder.js (TronWeb, not our client) and returns its JSON answer.</summary>
    public async Task<JsonElement> TronWebAsync(params string[] arguments)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = SolanaDevnet.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(SolanaDevnet.RepoRoot, "devnet", "tron", "check", "tronweb-holder.js"));
        psi.ArgumentList.Add(arguments[0]);
        foreach (var (key, value) in new[] { ("--node", Tron.Endpoint.ToString().TrimEnd('/')), ("--artifact", ArtifactPath) })
        {
            psi.ArgumentList.Add(key);
            psi.ArgumentList.Add(value);
        }
        foreach (var a in arguments.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"tronweb-holder.js failed: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.StopAllSilosAsync();
            await Cluster.DisposeAsync();
        }
        if (Tron is not null) await Tron.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }
}
