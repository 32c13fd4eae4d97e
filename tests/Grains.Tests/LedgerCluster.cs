using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;
using Sharemint.Fixtures;
using Sharemint.Silo.Hosting;

namespace Sharemint.Grains.Tests;

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}

/// <summary>
/// An <see cref="InProcessTestCluster"/> whose silos use the real ADO.NET clustering, persistence and reminders on a
/// private PostgreSQL database. <see cref="RestartAsync"/> throws the whole cluster away and starts a new one on the
/// same database and service id, as a full production restart would.
/// </summary>
public sealed class LedgerCluster : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly string _serviceId;
    private readonly string _clusterId;
    private readonly short _silos;
    private readonly Action<ISiloBuilder>? _configure;

    private LedgerCluster(string connectionString, string serviceId, string clusterId, short silos, Action<ISiloBuilder>? configure)
    {
        _connectionString = connectionString;
        _serviceId = serviceId;
        _clusterId = clusterId;
        _silos = silos;
        _configure = configure;
    }

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public string ConnectionString => _connectionString;

    /// <summary>Starts a cluster on a fresh, migrated database; <paramref name="configure"/> adds to each silo's setup (e.g. a fault-injecting service).</summary>
    public static async Task<LedgerCluster> StartAsync(PostgresServer postgres, short silos = 1, Action<ISiloBuilder>? configure = null)
    {
        var connectionString = await postgres.CreateMigratedDatabaseAsync("grains");
        return await StartOnAsync(connectionString, "sharemint-test", $"cluster-{Guid.NewGuid():N}", silos, configure);
    }

    /// <summary>Starts a cluster on an existing database (e.g. a second cluster sharing the first one's state).</summary>
    public static async Task<LedgerCluster> StartOnAsync(string connectionString, string serviceId, string clusterId, short silos = 1,
        Action<ISiloBuilder>? configure = null)
    {
        var cluster = new LedgerCluster(connectionString, serviceId, clusterId, silos, configure);
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Stops every silo and starts a new cluster on the same database.</summary>
    public async Task RestartAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await DeployAsync();
    }

    private async Task DeployAsync()
    {
        var builder = new InProcessTestClusterBuilder(_silos);
        builder.Options.ServiceId = _serviceId;
        builder.Options.ClusterId = _clusterId;
        var connectionString = _connectionString;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddSharemintStorage(connectionString);
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = SiloConfiguration.Invariant;
                o.ConnectionString = connectionString;
            });
            // Tests schedule reminders seconds ahead; production keeps Orleans' one-minute floor.
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
            _configure?.Invoke(silo);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}
