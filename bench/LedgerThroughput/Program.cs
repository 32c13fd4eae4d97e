using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Fixtures;
using Sharemint.Operations;
using Sharemint.Silo.Demo;
using Sharemint.Silo.Hosting;
using Sharemint.Units;

// Usage: LedgerThroughput [--partners N] [--seconds S] [--connection CS]
// Without --connection a private PostgreSQL is started (initdb into a temp dir) and removed afterwards.
var partners = IntArg("--partners", 50);
var seconds = IntArg("--seconds", 15);
var given = StringArg("--connection");
string[] chains = ["solana", "ethereum", "base"];

await using var postgres = given is null ? await PostgresServer.CreateAsync() : null;
var connectionString = given ?? await postgres!.CreateMigratedDatabaseAsync("bench");
if (given is not null)
{
    await Sharemint.Schema.SchemaMigrator.MigrateAsync(connectionString);
}

Console.WriteLine($"Sharemint ledger throughput: {partners} concurrent partners, {seconds} s per phase, {Environment.ProcessorCount} cores");

// --- Ledger phase: a real silo in this process, grains on PostgreSQL. ---
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var options = new SharemintOptions { ClusterId = $"bench-{Guid.NewGuid():N}", SiloPort = FreePort.Next(), GatewayPort = FreePort.Next() };
builder.UseOrleans(silo => silo.AddSharemintClustering(connectionString, options).AddSharemintStorage(connectionString));
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IGrainFactory>();

var catalog = grains.GetGrain<ICatalogGrain>(0);
foreach (var asset in DemoCatalogue.Assets)
{
    await catalog.RegisterAssetAsync(asset);
    await grains.GetGrain<IAssetGrain>(asset.Symbol).AddCustodyAsync(OperationId.New("bench-custody"), 1_000_000_000m);
    foreach (var chain in chains)
    {
        await catalog.RegisterDeploymentAsync(asset.Symbol, chain, chain == "solana"
            ? new DeploymentConfig("So11111111111111111111111111111111111111112", 8)
            : new DeploymentConfig("0x2222222222222222222222222222222222222222", 18));
    }
}

var ledger = await RunAsync(partners, TimeSpan.FromSeconds(seconds), async (worker, i) =>
{
    var asset = DemoCatalogue.Assets[worker % DemoCatalogue.Assets.Count].Symbol;
    var chain = chains[(i % chains.Length + chains.Length) % chains.Length];
    var order = OperationId.From($"bench-{worker}-{i}");
    var amount = CanonicalAmount.FromUnits(100_000_000 + i);
    await grains.GetGrain<IAssetGrain>(asset).ReserveCustodyAsync(order.Step("reserve"), chain, amount);
    await grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(asset, chain)).RecordMintAsync(order.Step("mint"), order.Step("reserve"), amount);
    return 2; // two ledger operations: reserve and record-mint
});

int payloadBytes;
await using (var dataSource = NpgsqlDataSource.Create(connectionString))
{
    await using var cmd = dataSource.CreateCommand("SELECT avg(octet_length(payload))::int FROM orleans_storage WHERE grain_type IN ('asset', 'bridge')");
    payloadBytes = (int)(await cmd.ExecuteScalarAsync())!;
}
await host.StopAsync();

// --- Baseline: raw upserts of the same payload size, same concurrency, same database. ---
await using var raw = NpgsqlDataSource.Create(connectionString);
await using (var create = raw.CreateCommand("CREATE TABLE IF NOT EXISTS bench_upsert (id text PRIMARY KEY, version integer NOT NULL, payload bytea NOT NULL)"))
{
    await create.ExecuteNonQueryAsync();
}
var payload = new byte[payloadBytes];
Random.Shared.NextBytes(payload);
var baseline = await RunAsync(partners, TimeSpan.FromSeconds(seconds), async (worker, i) =>
{
    await using var cmd = raw.CreateCommand(
        "INSERT INTO bench_upsert (id, version, payload) VALUES ($1, 1, $2) ON CONFLICT (id) DO UPDATE SET version = bench_upsert.version + 1, payload = EXCLUDED.payload");
    // Like the ledger, workers share a small set of hot rows (one per asset and deployment).
    cmd.Parameters.AddWithValue($"row-{(worker + i) % 40}");
    cmd.Parameters.AddWithValue(payload);
    await cmd.ExecuteNonQueryAsync();
    return 1;
});

var ratio = ledger.PerSecond / baseline.PerSecond;
Console.WriteLine();
Console.WriteLine($"payload per write (avg stored ledger state): {payloadBytes} bytes");
Console.WriteLine($"ledger operations/s (reserve + record-mint via grains): {ledger.PerSecond,10:F0}   ({ledger.Operations} ops, p50 {ledger.P50:F2} ms, p99 {ledger.P99:F2} ms per mint)");
Console.WriteLine($"raw PostgreSQL upserts/s (baseline, same run):          {baseline.PerSecond,10:F0}   ({baseline.Operations} upserts, p50 {baseline.P50:F2} ms, p99 {baseline.P99:F2} ms)");
Console.WriteLine($"ratio ledger/raw: {ratio.ToString("F3", CultureInfo.InvariantCulture)}   (goal >= 0.25)");
return 0;

static async Task<(long Operations, double PerSecond, double P50, double P99)> RunAsync(int workers, TimeSpan duration, Func<int, int, Task<int>> step)
{
    // Warm-up: one step per worker outside the measurement.
    await Task.WhenAll(Enumerable.Range(0, workers).Select(w => step(w, -1 - w)));
    long operations = 0;
    var latencies = new List<double>[workers];
    var stopwatch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, workers).Select(async w =>
    {
        latencies[w] = [];
        for (var i = 0; stopwatch.Elapsed < duration; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var done = await step(w, i);
            latencies[w].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            Interlocked.Add(ref operations, done);
        }
    }));
    var elapsed = stopwatch.Elapsed.TotalSeconds;
    var all = latencies.SelectMany(l => l).Order().ToArray();
    return (operations, operations / elapsed, all[all.Length / 2], all[(int)(all.Length * 0.99)]);
}

int IntArg(string name, int fallback) => StringArg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
