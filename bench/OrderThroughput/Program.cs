using System.Globalization;
using Sharemint.OrderThroughput;
using Sharemint.Units;

// Usage: dotnet run -c Release --project bench/OrderThroughput -- [--partners 50] [--seconds 30] [--chains ethereum,base,solana]
//        [--symbols TSLAx,NVDAx] [--baseline-seconds 15] [--settle-timeout 600] [--amount 0.01] [--via grains,http] [--cluster 3]
//        [--warmup-seconds 30]  (closed-loop load on each measured path before it is measured, so that the silo's JIT has
//                                finished tiering code up; 0 measures a freshly started silo)
//        [--statements]  (PostgreSQL with pg_stat_statements: each phase lists its most called statements per order)
//        [--paced 20]  (adds an HTTP phase with an open load: the partners together start 20 orders a second on a schedule,
//                       and the partner's wait counts from each order's scheduled start)
//        [--cluster-silos-from <path to another build's Sharemint.Silo.dll>]  (with --cluster: the added silos run that
//                       build, so the cluster phase rehearses a rolling upgrade; its refusals are listed as in any phase)
// Starts a private PostgreSQL, anvil ×2, the Solana devnet and the real silo (as the end-to-end tests do), onboards the
// partners, warms up (one settled order per partner and chain), then lets every partner quote and place mints without
// waiting for settlement, waits until each accepted order is settled, and measures raw PostgreSQL upserts per second on the
// same database server with as many writers as partners. Exit code 1 when an accepted order did not settle or a
// deployment's ledger supply differs from its real on-chain supply.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var partnerCount = IntArg("--partners", 50);
var seconds = IntArg("--seconds", 30);
var baselineSeconds = IntArg("--baseline-seconds", 15);
var settleTimeout = TimeSpan.FromSeconds(IntArg("--settle-timeout", 600));
var chains = ListArg("--chains", "ethereum,base,solana");
var symbols = ListArg("--symbols", "TSLAx,NVDAx");
// Which loads to measure: "grains" (Orleans client, as the grain-level figures always were), "http" (the SDK over the
// signed API), or both; --cluster N adds the HTTP load against N silo processes after the 1-silo HTTP phase.
var via = ListArg("--via", "grains,http");
var clusterSilos = IntArg("--cluster", 1);
var pacedPerSecond = IntArg("--paced", 0);
var warmupSeconds = IntArg("--warmup-seconds", 30);
var clusterSilosFrom = StringArg("--cluster-silos-from");
if (clusterSilosFrom is not null && (clusterSilos < 2 || !File.Exists(clusterSilosFrom)))
{
    Console.Error.WriteLine($"--cluster-silos-from needs --cluster 2 or more and an existing Sharemint.Silo.dll ('{clusterSilosFrom}')");
    return 2;
}
var amount = CanonicalAmount.FromTokens(decimal.Parse(StringArg("--amount") ?? "0.01", CultureInfo.InvariantCulture));
var prices = new Dictionary<string, string>
{
    ["AAPL"] = "230.00", ["TSLA"] = "250.00", ["NVDA"] = "120.50", ["MSTR"] = "330.00", ["SPY"] = "560.00",
    ["QQQ"] = "480.00", ["GLD"] = "240.00", ["COIN"] = "210.00", ["HOOD"] = "35.00", ["META"] = "520.00",
};

Console.WriteLine($"Sharemint order throughput: {partnerCount} partners, {seconds} s of load, chains {string.Join(',', chains)}, " +
    $"assets {string.Join(',', symbols)}, {amount} tokens per order, {Environment.ProcessorCount} cores, load average {LoadAverage()}");
Console.WriteLine($"command: OrderThroughput {string.Join(' ', args)}");

var started = DateTime.UtcNow;
await using var platform = await BenchPlatform.StartAsync(symbols, chains, prices, statements: args.Contains("--statements"));
Console.WriteLine($"platform up in {(DateTime.UtcNow - started).TotalSeconds:F0} s (PostgreSQL, {string.Join(", ", chains)}, silo at {platform.Silo!.BaseAddress})");

var partners = await Partners.OnboardAsync(platform.Grains, partnerCount, symbols, chains);
Console.WriteLine($"onboarded {partners.Count} partners (GB, KYC approved, {Partners.StartingCash:N0} USD, one fresh wallet per chain)");

// Warm-up: every partner places one order per chain and all of them settle before anything is measured.
var warmup = await OrderLoad.RunAsync(platform.Grains, partners, chains, amount, "warmup", duration: null, ordersPerPartner: chains.Count);
var warmSettled = await Settlement.WaitAsync(platform.Grains, warmup.Accepted, settleTimeout);
var warmupOrders = new List<PlacedOrder>(warmup.Accepted);
Console.WriteLine($"warm-up: {warmup.Accepted.Count} accepted, {warmSettled.Settled.Count} settled in {warmSettled.Waited.TotalSeconds:F0} s" +
    (warmup.Refusals.Count > 0 ? $", refused: {PhaseResult.Describe(warmup.Refusals)}" : ""));

// Measured phases, one after the other, each waiting for its orders to settle: the grain-level load (an Orleans
// client calling the quote and order grains, as before), then the same load as partners send it (SDK, signed HTTP).
var phases = new List<PhaseResult>();
var httpPartners = (IReadOnlyList<HttpPartner>)[];
var siloHttp = new List<HttpClient>();
if (via.Contains("http") || clusterSilos > 1 || pacedPerSecond > 0)
{
    var keys = await HttpOrderLoad.IssueKeysAsync(platform.AdminClient(), partners);
    siloHttp.Add(HttpOrderLoad.SiloHttp(platform.Silo!.BaseAddress, partnerCount));
    httpPartners = HttpOrderLoad.Clients(keys, siloHttp);
    // Warm the HTTP path (connections, key cache, JIT) with one settled order per partner before it is measured.
    var httpWarmup = await HttpOrderLoad.RunAsync(httpPartners, chains, amount, "http-warmup", duration: null, ordersPerPartner: 1);
    var httpWarmSettled = await Settlement.WaitAsync(platform.Grains, httpWarmup.Accepted, settleTimeout);
    warmupOrders.AddRange(httpWarmup.Accepted);
    Console.WriteLine($"HTTP warm-up: {partners.Count} partner keys issued, {httpWarmup.Accepted.Count} accepted, {httpWarmSettled.Settled.Count} settled" +
        (httpWarmup.Refusals.Count > 0 ? $", refused: {PhaseResult.Describe(httpWarmup.Refusals)}" : ""));
}
Task<SettlementResult> Settle(IReadOnlyList<PlacedOrder> placed) => Settlement.WaitAsync(platform.Grains, placed, settleTimeout);
// Sustained warm-up: a silo compiles its hot code two or three times over (tier 0, instrumented, optimised) during its
// first minute under load, which on 2 cores took up to 0.9 s of JIT per second. A production silo pays that once per
// start; measured inside a phase it read as order cost. Each measured path runs closed-loop for a while first.
async Task SustainAsync(string path, Func<Task<LoadResult>> load)
{
    if (warmupSeconds <= 0)
    {
        return;
    }
    var runtimeBefore = await RuntimeSample.ReadAsync(platform);
    var sustained = await load();
    var runtime = (await RuntimeSample.ReadAsync(platform)).Since(runtimeBefore);
    var settledWarm = await Settle(sustained.Accepted);
    warmupOrders.AddRange(sustained.Accepted);
    Console.WriteLine($"sustained warm-up ({path}): {sustained.Accepted.Count} accepted, {settledWarm.Settled.Count} settled; " +
        $"silo JIT {runtime.Jit.TotalSeconds / sustained.Elapsed.TotalSeconds:F2} s per second of it");
}
if (via.Contains("grains"))
{
    await SustainAsync("grains", () => OrderLoad.RunAsync(platform.Grains, partners, chains, amount, "sustain", TimeSpan.FromSeconds(warmupSeconds), ordersPerPartner: null));
}
if (via.Contains("http") || clusterSilos > 1 || pacedPerSecond > 0)
{
    await SustainAsync("http", () => HttpOrderLoad.RunAsync(httpPartners, chains, amount, "http-sustain", TimeSpan.FromSeconds(warmupSeconds), ordersPerPartner: null));
}
if (via.Contains("grains"))
{
    phases.Add(await PhaseResult.MeasureAsync(platform, "grains (Orleans client → quote and order grains)", partnerCount,
        () => OrderLoad.RunAsync(platform.Grains, partners, chains, amount, "run", TimeSpan.FromSeconds(seconds), ordersPerPartner: null), Settle));
}
if (via.Contains("http") || clusterSilos > 1)
{
    phases.Add(await PhaseResult.MeasureAsync(platform, "http, 1 silo (SDK → signed HTTP API)", partnerCount,
        () => HttpOrderLoad.RunAsync(httpPartners, chains, amount, "http-1", TimeSpan.FromSeconds(seconds), ordersPerPartner: null), Settle));
}
if (pacedPerSecond > 0)
{
    phases.Add(await PhaseResult.MeasureAsync(platform, $"http, 1 silo, paced: {pacedPerSecond} orders/s offered (open load)", partnerCount,
        () => HttpOrderLoad.RunAsync(httpPartners, chains, amount, "http-paced", TimeSpan.FromSeconds(seconds), ordersPerPartner: null, pacedPerSecond), Settle));
}
if (clusterSilos > 1)
{
    // Cluster mode: the same HTTP load spread over N silo processes of one cluster on the same PostgreSQL.
    await platform.AddSilosAsync(clusterSilos - 1, TimeSpan.FromMinutes(3), clusterSilosFrom);
    foreach (var extra in platform.Silos.Skip(1))
    {
        siloHttp.Add(HttpOrderLoad.SiloHttp(extra.BaseAddress, partnerCount));
    }
    var spread = HttpOrderLoad.Clients(httpPartners.Select(p => (p.Partner, p.KeyId, p.Secret)).ToList(), siloHttp);
    Console.WriteLine($"cluster: {platform.Silos.Count} silos active; partners spread over their HTTP endpoints" +
        (clusterSilosFrom is null ? "" : $"; the {clusterSilos - 1} added silos run {clusterSilosFrom}"));
    var spreadWarmup = await HttpOrderLoad.RunAsync(spread, chains, amount, $"http-{clusterSilos}-warmup", duration: null, ordersPerPartner: 1);
    await Settlement.WaitAsync(platform.Grains, spreadWarmup.Accepted, settleTimeout);
    warmupOrders.AddRange(spreadWarmup.Accepted);
    phases.Add(await PhaseResult.MeasureAsync(platform, $"http, {clusterSilos} silos (SDK → signed HTTP API, partners spread)", partnerCount,
        () => HttpOrderLoad.RunAsync(spread, chains, amount, $"http-{clusterSilos}", TimeSpan.FromSeconds(seconds), ordersPerPartner: null), Settle));
}
var loadAverageAfterOrders = LoadAverage();

// Final word on every order the benchmark placed (warm-ups included): the partners are the only minters, so each
// deployment's supply must be exactly the sum of its settled orders, and no unsettled order may have minted.
var finalWarmup = await Settlement.WaitAsync(platform.Grains, warmupOrders, TimeSpan.Zero);
var allSettled = finalWarmup.Settled.Concat(phases.SelectMany(p => p.Settlement.Settled)).ToList();
var suppliesAfter = await ChainEvidence.SuppliesAsync(platform);

// Baseline on the same PostgreSQL server, the platform idle (every order terminal), rows as large as a stored order.
var payloadBytes = await RawUpserts.AverageOrderPayloadAsync(platform.ConnectionString);
var raw = await RawUpserts.RunAsync(platform.ConnectionString, partnerCount, TimeSpan.FromSeconds(baselineSeconds), payloadBytes, () => CpuSample.Read(platform));
var rawCpu = raw.Cpu;

// ---------------------------------------------------------------- report
Console.WriteLine();
Console.WriteLine("== baseline (same run, same PostgreSQL server) ==");
Console.WriteLine($"raw PostgreSQL upserts/s:     {raw.PerSecond,10:F1}   ({raw.Upserts} upserts by {partnerCount} writers in {raw.Elapsed.TotalSeconds:F1} s, {raw.PayloadBytes}-byte rows)");
Console.WriteLine($"raw upsert latency ms:        {Percentiles.Of(raw.LatencyMs)}");
Console.WriteLine($"CPU ms per raw upsert:        PostgreSQL {rawCpu.Postgres.TotalMilliseconds / Math.Max(1, raw.Upserts):F3}, load generator {rawCpu.Generator.TotalMilliseconds / Math.Max(1, raw.Upserts):F3}");
Console.WriteLine($"load average after orders:    {loadAverageAfterOrders}");
foreach (var phase in phases)
{
    phase.Print(raw.PerSecond, chains);
}

Console.WriteLine();
Console.WriteLine("== summary ==");
Console.WriteLine($"{"phase",-58} {"acc/s",7} {"ratio",6} {"p50 ms",7} {"p99 ms",7} {"rows",6} {"commits",8} {"chain tx",9} {"silo cpu",9} {"pg cpu",7} {"silo jit",9}");
foreach (var phase in phases)
{
    var partnerSeen = Percentiles.Of(phase.Load.Accepted.Select(o => o.PartnerMs));
    Console.WriteLine($"{phase.Name,-58} {phase.AcceptedPerSecond,7:F1} {phase.AcceptedPerSecond / raw.PerSecond,6:F3} {partnerSeen.P50,7:F1} {partnerSeen.P99,7:F1} " +
        $"{phase.RowsPerOrder,6:F1} {phase.CommitsPerOrder,8:F1} {phase.ChainTransactionsPerOrder,9:F3} {phase.CpuPerOrder(phase.Cpu.Silos),9:F2} {phase.CpuPerOrder(phase.Cpu.Postgres),7:F2} {phase.CpuPerOrder(phase.Runtime.Jit),9:F2}");
}
if (clusterSilos > 1)
{
    var one = phases.Single(p => p.Name.StartsWith("http, 1 silo (", StringComparison.Ordinal));
    var many = phases[^1];
    Console.WriteLine($"cluster scaling: {many.AcceptedPerSecond:F1} accepted/s on {clusterSilos} silos ÷ {one.AcceptedPerSecond:F1} on 1 = {many.AcceptedPerSecond / one.AcceptedPerSecond:F2} " +
        $"({Environment.ProcessorCount} cores shared by every process of the run, PostgreSQL and the chains included)");
}

Console.WriteLine();
Console.WriteLine("== ledger = chain (invariant 5), read from each chain's RPC node ==");
Console.WriteLine($"{"deployment",-16} {"ledger supply",16} {"on-chain supply",16} {"Σ settled orders",17} {"pending ops",12} result");
var unfinished = finalWarmup.Unfinished.Concat(phases.SelectMany(p => p.Settlement.Unfinished)).ToList();
var failed = finalWarmup.Terminal.Concat(phases.SelectMany(p => p.Settlement.Terminal)).Where(o => o.Status != Sharemint.Orders.OrderStatus.Settled).ToList();
var allGood = unfinished.Count == 0 && failed.Count == 0;
foreach (var after in suppliesAfter)
{
    var expected = CanonicalAmount.FromUnits(allSettled.Where(o => o.Symbol == after.Symbol && o.Chain == after.Chain).Sum(o => o.Amount.Units));
    var ok = after.Matches && after.Ledger == expected && after.PendingChainOperations == 0;
    allGood &= ok;
    Console.WriteLine($"{after.Symbol + "/" + after.Chain,-16} {after.Ledger,16} {after.OnChain,16} {expected,17} {after.PendingChainOperations,12} {(ok ? "ok" : "MISMATCH")}");
}
if (unfinished.Count + failed.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("== orders that did not settle (first 10 open, first 5 failed) ==");
    foreach (var order in unfinished.Take(10))
    {
        await Diagnostics.PrintOrderAsync(platform.Grains, order.OrderId);
    }
    foreach (var order in failed.Take(5))
    {
        await Diagnostics.PrintOrderAsync(platform.Grains, order.OrderId);
    }
    foreach (var silo in platform.Silos)
    {
        Diagnostics.PrintSiloWarnings(silo.Output, 15);
    }
}
Console.WriteLine();
Console.WriteLine("== stored grain state (orleans_storage) ==");
await Diagnostics.PrintStorageAsync(platform.ConnectionString);

Console.WriteLine();
Console.WriteLine(allGood
    ? "every accepted order settled once; every deployment's ledger supply equals its on-chain supply"
    : "CORRECTNESS FAILURE: see the rows above");
return allGood ? 0 : 1;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

int IntArg(string name, int fallback) => StringArg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

IReadOnlyList<string> ListArg(string name, string fallback) =>
    (StringArg(name) ?? fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
