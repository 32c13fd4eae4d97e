using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Npgsql;
using Sharemint.Silo.Health;
using Sharemint.Telemetry;

namespace Sharemint.Silo.Telemetry;

/// <summary>
/// Gauges read from PostgreSQL, the one place that is true for the whole cluster: unfinished orders per kind and status
/// and the age of the oldest (the order index, migration 0005), and chain writes still pending in the signers'
/// write-ahead log with the age of the oldest (migration 0008). A process-local counter cannot do this: an order resumed
/// on another silo would be finished there but counted here. Every silo exports the same figures; aggregate with
/// <c>max by (…)</c>.
/// </summary>
public sealed class DatabaseGauges : BackgroundService
{
    private static readonly string[] TerminalStatuses = ["Settled", "Failed", "Cancelled"];

    // Every kind and unfinished status is exported, 0 when empty, so a healthy platform shows zeros rather than no series.
    private static readonly string[] Kinds = ["mint", "redeem", "transfer"];
    private static readonly string[] UnfinishedStatuses = ["accepted", "queued", "in_progress", "held"];

    private readonly NpgsqlDataSource _database;
    private readonly IServiceProvider _services;
    private readonly TimeSpan _interval;
    private readonly LedgerGauges _errors;
    private readonly ILogger<DatabaseGauges> _logger;
    private Snapshot _latest = new([], [], DateTimeOffset.MinValue);

    public DatabaseGauges(NpgsqlDataSource database, IServiceProvider services, IOptions<TelemetryOptions> options, LedgerGauges errors,
        ILogger<DatabaseGauges> logger)
    {
        _database = database;
        _services = services;
        _errors = errors;
        _logger = logger;
        _interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.SampleIntervalSeconds));
        var meter = SharemintMetrics.Meter;
        meter.CreateObservableGauge("sharemint.orders.unfinished", () => Latest.Orders.Select(o =>
                new Measurement<long>(o.Count, Tag("kind", o.Kind), Tag("status", o.Status))), "{order}",
            "Orders not yet settled, failed or cancelled, by kind and status, read from the order index (true across silos).");
        meter.CreateObservableGauge("sharemint.orders.oldest_unfinished.age", () => Latest.Orders.Select(o =>
                new Measurement<double>(o.OldestAgeSeconds, Tag("kind", o.Kind), Tag("status", o.Status))), "s",
            "Age of the oldest unfinished order, by kind and status, read from the order index (0 when there is none).");
        meter.CreateObservableGauge("sharemint.chain.operations.pending", () => Latest.ChainWrites.Select(w =>
                new Measurement<long>(w.Pending, Tag("chain", w.Chain))), "{operation}",
            "Chain writes recorded in the signers' write-ahead log and not yet final or failed, by chain.");
        meter.CreateObservableGauge("sharemint.chain.operations.oldest_pending.age", () => Latest.ChainWrites.Select(w =>
                new Measurement<double>(w.OldestAgeSeconds, Tag("chain", w.Chain))), "s",
            "Age of the oldest pending chain write in the signers' write-ahead log, by chain (0 when none is pending).");
        meter.CreateObservableGauge<double>("sharemint.telemetry.database_sample.timestamp", () => Latest.At == DateTimeOffset.MinValue
                ? Array.Empty<Measurement<double>>()
                : [new Measurement<double>(Latest.At.ToUnixTimeMilliseconds() / 1000.0)], "s",
            "Unix time of the latest complete read of the order index and the write-ahead log.");
    }

    private Snapshot Latest => Volatile.Read(ref _latest);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var startup = _services.GetService<SiloStartupState>();
        using var timer = new PeriodicTimer(_interval);
        do
        {
            if (startup is not null && !startup.IsActive)
            {
                continue;
            }
            try
            {
                Volatile.Write(ref _latest, await ReadAsync(stoppingToken));
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException
                                           || (ex is OperationCanceledException && !stoppingToken.IsCancellationRequested))
            {
                // Keep the previous figures; the stale timestamp and the error counter say so.
                _errors.SampleFailed("database");
                _logger.LogWarning(ex, "Reading the order index or the write-ahead log for the gauges failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Reads both tables once.</summary>
    public async Task<Snapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var orders = new List<OrderGroup>();
        await using (var command = _database.CreateCommand("""
            SELECT kind, status, count(*), EXTRACT(EPOCH FROM now() - min(created_at))::float8
              FROM order_index
             WHERE status <> ALL($1)
             GROUP BY kind, status
             ORDER BY kind, status
            """))
        {
            command.Parameters.AddWithValue(TerminalStatuses);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                orders.Add(new OrderGroup(Label(reader.GetString(0)), Label(reader.GetString(1)), reader.GetInt64(2), Math.Max(0, reader.GetDouble(3))));
            }
        }
        foreach (var kind in Kinds)
        {
            foreach (var status in UnfinishedStatuses)
            {
                if (!orders.Any(o => o.Kind == kind && o.Status == status))
                {
                    orders.Add(new OrderGroup(kind, status, 0, 0));
                }
            }
        }
        orders.Sort((a, b) => (a.Kind, a.Status).CompareTo((b.Kind, b.Status)));
        var writes = new List<ChainWriteGroup>();
        // Every chain that ever wrote reports a figure, 0 when nothing is pending, so "pending" never vanishes to absent.
        await using (var command = _database.CreateCommand("""
            SELECT chain,
                   count(*) FILTER (WHERE state = 'pending'),
                   COALESCE(EXTRACT(EPOCH FROM now() - min(created_at) FILTER (WHERE state = 'pending'))::float8, 0)
              FROM chain_signer_writes
             GROUP BY chain
             ORDER BY chain
            """))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                writes.Add(new ChainWriteGroup(reader.GetString(0), reader.GetInt64(1), Math.Max(0, reader.GetDouble(2))));
            }
        }
        return new Snapshot(orders, writes, DateTimeOffset.UtcNow);
    }

    // OrderKind/OrderStatus names as labels: InProgress -> in_progress, Mint -> mint (the convention of the other order metrics).
    private static string Label(string pascal) =>
        string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    /// <summary>One read of the two tables.</summary>
    public sealed record Snapshot(IReadOnlyList<OrderGroup> Orders, IReadOnlyList<ChainWriteGroup> ChainWrites, DateTimeOffset At);

    /// <summary>Unfinished orders of one kind and status.</summary>
    public sealed record OrderGroup(string Kind, string Status, long Count, double OldestAgeSeconds);

    /// <summary>Pending chain writes of one chain.</summary>
    public sealed record ChainWriteGroup(string Chain, long Pending, double OldestAgeSeconds);
}
