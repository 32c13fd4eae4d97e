using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Net;
using Orleans.Configuration;
using Orleans.Storage;
using Sharemint.Ledger;
using Sharemint.Silo.Storage;

namespace Sharemint.Silo.Hosting;

/// <summary>The Orleans configuration every Sharemint silo uses — the real host and the test clusters alike.</summary>
public static class SiloConfiguration
{
    /// <summary>The ADO.NET invariant for PostgreSQL.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// The connection string every pool of the silo uses: pooled connections are not reset (<c>DISCARD ALL</c>) when
    /// returned. Nothing here keeps session state (no SET, temporary tables or session advisory locks; the migrator's
    /// lock is transaction-scoped), and each reset was a statement and a commit of its own: about half of an order's
    /// commits before this.
    /// <para>
    /// Statements run at least twice on a connection are prepared there (Npgsql keeps up to 64 per connection), so
    /// PostgreSQL parses each once per connection instead of once per call. They are still planned for each call's
    /// arguments (<c>plan_cache_mode=force_custom_plan</c>): the generic plan PostgreSQL otherwise adopts after five calls
    /// made the order rows' grouped write six times slower (2.8 ms of execution per order against 0.46), since it cannot
    /// see how many rows the arrays hold. The write buffer holds a grouped write of a dozen account states (the default
    /// 8 KB sent such a statement in several pieces, a send call each).
    /// </para>
    /// </summary>
    public static string Pooled(string connectionString)
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString)
        {
            NoResetOnClose = true,
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 2,
            WriteBufferSize = 64 * 1024,
        };
        if (builder.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            builder.Options = $"{builder.Options} -c plan_cache_mode=force_custom_plan".TrimStart();
        }
        return builder.ConnectionString;
    }

    /// <summary>Grouped storage statements each writer keeps in flight (1–64; <see cref="GroupCommitGrainStorage.DefaultStatementsInFlight"/>).</summary>
    public const string StatementsInFlightKey = "Sharemint:Storage:StatementsInFlight";

    /// <summary>Grain persistence and reminders on PostgreSQL with our JSON serializer. Clustering is configured separately.</summary>
    public static ISiloBuilder AddSharemintStorage(this ISiloBuilder silo, string connectionString)
    {
        connectionString = Pooled(connectionString);
        var inFlight = silo.Configuration.GetValue(StatementsInFlightKey, GroupCommitGrainStorage.DefaultStatementsInFlight);
        if (inFlight is < 1 or > 64)
        {
            throw new InvalidOperationException($"{StatementsInFlightKey} must be between 1 and 64, not {inFlight}.");
        }
        // The ADO.NET provider under an inner name, wrapped so that rows keep the fields a newer build wrote (rolling upgrades).
        silo.AddAdoNetGrainStorage(VersionTolerantGrainStorage.InnerName, options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
            options.GrainStorageSerializer = new GrainStateJsonSerializer();
        });
        // Updates of existing rows from concurrent activations share commits; reads, clears and first writes stay with ADO.NET.
        silo.Services.AddKeyedSingleton(LedgerStorage.Name, (services, _) => new GroupCommitGrainStorage(
            services.GetRequiredKeyedService<IGrainStorage>(VersionTolerantGrainStorage.InnerName),
            services.GetRequiredService<Npgsql.NpgsqlDataSource>(),
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.ServiceId,
            new GrainStateJsonSerializer(), inFlight));
        // Orders live in their index rows (one row per save; orders stored earlier were moved there by migration 0170).
        silo.Services.AddSingleton(services => new Sharemint.Silo.Orders.OrderRowGrainStorage(
            services.GetRequiredService<Npgsql.NpgsqlDataSource>(),
            new GrainStateJsonSerializer(),
            services.GetService<Sharemint.Silo.Webhooks.OrderWebhookEvents>() ?? Sharemint.Silo.Webhooks.OrderWebhookEvents.Default, inFlight));
        silo.Services.AddKeyedSingleton<IGrainStorage>(LedgerStorage.Name,
            (services, _) => new VersionTolerantGrainStorage(new OrderRoutedGrainStorage(
                services.GetRequiredKeyedService<GroupCommitGrainStorage>(LedgerStorage.Name),
                services.GetRequiredService<Sharemint.Silo.Orders.OrderRowGrainStorage>())));
        silo.UseAdoNetReminderService(options =>
        {
            options.Invariant = Invariant;
            options.ConnectionString = connectionString;
        });
        silo.Services.AddSingleton(TimeProvider.System);
        // One data source per process: the host may already have registered it (health checks use it too).
        silo.Services.TryAddSingleton(_ => Npgsql.NpgsqlDataSource.Create(connectionString));
        silo.Services.AddSingleton<IAppliedOperationArchive, PostgresAppliedOperationArchive>();
        silo.Services.AddSingleton<Sharemint.Accounts.ICashJournalArchive, PostgresCashJournalArchive>();
        silo.Services.AddSingleton<Sharemint.Accounts.IWalletOwnerRegistry, PostgresWalletOwnerRegistry>();
        // Grains publish asset events (a multiplier change) into the webhook outbox, in test clusters as in the host.
        silo.Services.TryAddSingleton<Sharemint.Silo.Webhooks.WebhookSignal>();
        silo.Services.TryAddSingleton<Sharemint.Webhooks.IWebhookOutbox, Sharemint.Silo.Webhooks.WebhookOutbox>();
        return silo;
    }

    /// <summary>PostgreSQL membership: every silo with the same cluster id joins one cluster.</summary>
    public static ISiloBuilder AddSharemintClustering(this ISiloBuilder silo, string connectionString, SharemintOptions options)
    {
        connectionString = Pooled(connectionString);
        silo.UseAdoNetClustering(clustering =>
        {
            clustering.Invariant = Invariant;
            clustering.ConnectionString = connectionString;
        });
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ServiceId = options.ServiceId;
            cluster.ClusterId = options.ClusterId;
        });
        var advertised = string.IsNullOrWhiteSpace(options.AdvertisedAddress)
            ? IPAddress.Loopback
            : IPAddress.Parse(options.AdvertisedAddress);
        // Sharemint:Membership tunes probing and defunct-silo cleanup (ClusterMembershipOptions), e.g. short in cluster tests.
        silo.Services.AddOptions<ClusterMembershipOptions>().BindConfiguration("Sharemint:Membership");
        silo.ConfigureEndpoints(advertised, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
        if (options.GatewayPort == 0)
        {
            // Port 0 means no gateway. Listening on any address would otherwise bind the gateway to a random port.
            silo.Configure<EndpointOptions>(endpoints => endpoints.GatewayListeningEndpoint = null);
        }
        return silo;
    }
}
