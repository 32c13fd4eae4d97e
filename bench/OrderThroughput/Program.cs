using System.Globalization;
using Sharemint.OrderThroughput;
using Sharemint.Units;

// Usage: dotnet run -c Release --project bench/OrderThroughput -- [--partners 50] [--seconds 30] [--chains ethereum,base,solana]
//        [--symbols TSLAx,NVDAx] [--baseline-seconds 15] [--settle-timeout 600] [--amount 0.01]
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
await using var platform = await BenchPlatform.StartAsync(symbols, chains, prices);
Console.WriteLine($"platform up in {(DateTime.UtcNow - started).TotalSeconds:F0} s (PostgreSQL, {string.Join(", ", chains)}, silo at {platform.Silo!.BaseAddress})");

var partners = await Partners.OnboardAsync(platform.Grains, partnerCount, symbols, chains);
Console.WriteLine($"onboarded {partners.Count} partners (GB, KYC approved, {Partners.StartingCash:N0} USD, one fresh wallet per chain)");

// Warm-up: every partner places one order per chain and all of them settle before anything is measured.
var warmup = await OrderLoad.RunAsync(platform.Grains, partners, chains, amount, "warmup", duration: null, ordersPerPartner: chains.Count);
var warmSettled = await Settlement.WaitAsync(platform.Grains, warmup.Accepted, settleTimeout);
Console.WriteLine($"warm-up: {warmup.Accepted.Count} accepted, {warmSettled.Settled.Count} settled in {warmSettled.Waited.TotalSeconds:F0} s" +
    (warmup.Refusals.Count > 0 ? $", refused: {Describe(warmup.Refusals)}" : ""));

var windowStart = await ChainEvidence.DatabaseNowAsync(platform.ConnectionString);
await Task.Delay(TimeSpan.FromSeconds(2));
var writesBefore = await DatabaseWrites.ReadAsync(platform.ConnectionString);

// Measured phase.
var load = await OrderLoad.RunAsync(platform.Grains, partners, chains, amount, "run", TimeSpan.FromSeconds(seconds), ordersPerPartner: null);
Console.WriteLine($"load: {load.Accepted.Count} accepted in {load.Elapsed.TotalSeconds:F1} s; waiting for settlement …");
var settlement = await Settlement.WaitAsync(platform.Grains, load.Accepted, settleTimeout);
var loadAverageAfterOrders = LoadAverage();
await Task.Delay(TimeSpan.FromSeconds(2));
var writesAfter = await DatabaseWrites.ReadAsync(platform.ConnectionString);

// Final word on every order the benchmark placed (warm-up included): the partners are the only minters, so each
// deployment's supply must be exactly the sum of its settled orders, and no unsettled order may have minted.
var finalWarmup = await Settlement.WaitAsync(platform.Grains, warmSettled.Unfinished, TimeSpan.Zero);
var allSettled = warmSettled.Settled.Concat(finalWarmup.Settled).Concat(settlement.Settled).ToList();
var batching = await ChainEvidence.MintBatchingAsync(platform.ConnectionString, windowStart);
var suppliesAfter = await ChainEvidence.SuppliesAsync(platform);

// Baseline on the same PostgreSQL server, the platform idle (every order terminal), rows as large as a stored order.
var payloadBytes = await RawUpserts.AverageOrderPayloadAsync(platform.ConnectionString);
var raw = await RawUpserts.RunAsync(platform.ConnectionString, partnerCount, TimeSpan.FromSeconds(baselineSeconds), payloadBytes);

// ---------------------------------------------------------------- report
var settled = settlement.Settled;
var failed = settlement.Terminal.Where(o => o.Status != Sharemint.Orders.OrderStatus.Settled).ToList();
var accept = Percentiles.Of(load.Accepted.Select(o => o.AcceptMs));
var quote = Percentiles.Of(load.QuoteMs);
var rawLatency = Percentiles.Of(raw.LatencyMs);
var endToEnd = Percentiles.Of(settled.Select(o => (o.UpdatedAt - o.CreatedAt).TotalMilliseconds));
var firstAccepted = settled.Count > 0 ? settled.Min(o => o.CreatedAt) : default;
var lastSettled = settled.Count > 0 ? settled.Max(o => o.UpdatedAt) : default;
var settleSpan = lastSettled - firstAccepted;
var settledPerSecond = settled.Count > 0 ? settled.Count / settleSpan.TotalSeconds : 0;
var acceptedPerSecond = load.AcceptedPerSecond;

Console.WriteLine();
Console.WriteLine("== orders (measured phase) ==");
Console.WriteLine($"accepted orders/s:            {acceptedPerSecond,10:F1}   ({load.Accepted.Count} accepted in {load.Elapsed.TotalSeconds:F1} s by {partnerCount} partners)");
Console.WriteLine($"settled orders/s end to end:  {settledPerSecond,10:F1}   ({settled.Count} settled, first acceptance → last settlement {settleSpan.TotalSeconds:F1} s)");
Console.WriteLine($"raw PostgreSQL upserts/s:     {raw.PerSecond,10:F1}   (baseline, same run: {raw.Upserts} upserts by {partnerCount} writers in {raw.Elapsed.TotalSeconds:F1} s, {raw.PayloadBytes}-byte rows)");
Console.WriteLine($"ratio accepted/raw:           {acceptedPerSecond / raw.PerSecond,10:F3}   (goal >= 0.25: {(acceptedPerSecond / raw.PerSecond >= 0.25 ? "met" : "MISSED")})");
Console.WriteLine($"ratio settled/raw:            {settledPerSecond / raw.PerSecond,10:F3}");
Console.WriteLine($"acceptance latency ms:        {accept}   (goal p99 <= 50 ms: {(accept.P99 <= 50 ? "met" : "MISSED")})");
Console.WriteLine($"quote latency ms:             {quote}");
Console.WriteLine($"raw upsert latency ms:        {rawLatency}");
Console.WriteLine($"accepted → settled ms:        {endToEnd}");
Console.WriteLine($"refused placements:           {(load.Refusals.Count == 0 ? "none" : Describe(load.Refusals))}");
Console.WriteLine($"not settled:                  {settlement.Unfinished.Count} still open after {settlement.Waited.TotalSeconds:F0} s, {failed.Count} failed/cancelled" +
    (failed.Count > 0 ? $" ({Describe(failed.GroupBy(o => o.FailureCode ?? o.Status.ToString()).ToDictionary(g => g.Key, g => g.Count()))})" : ""));
Console.WriteLine($"per chain settled:            {string.Join(", ", chains.Select(c => $"{c} {settled.Count(o => o.Chain == c)}"))}");
Console.WriteLine($"load average after orders:    {loadAverageAfterOrders}");

Console.WriteLine();
Console.WriteLine("== PostgreSQL rows written during the measured phase (warm-up excluded) ==");
var perOrder = Math.Max(1, load.Accepted.Count);
var written = writesAfter.Since(writesBefore);
Console.WriteLine($"commits: {writesAfter.Commits - writesBefore.Commits} ({(double)(writesAfter.Commits - writesBefore.Commits) / perOrder:F1} per accepted order, includes reads' implicit transactions)");
Console.WriteLine($"rows written: {written.Sum(t => t.Rows)} ({(double)written.Sum(t => t.Rows) / perOrder:F1} per accepted order): " +
    string.Join(", ", written.Select(t => $"{t.Table} {(double)t.Rows / perOrder:F1}")));

Console.WriteLine();
Console.WriteLine("== batching (chain signer write-ahead log, measured phase) ==");
Console.WriteLine($"{"chain",-10} {"orders",8} {"mint txs",9} {"orders/tx",10} {"largest",8} {"EVM signed attempts",20}");
foreach (var row in batching)
{
    var ordersOnChain = settled.Count(o => o.Chain == row.Chain);
    Console.WriteLine($"{row.Chain,-10} {ordersOnChain,8} {row.Transactions,9} {(row.Transactions == 0 ? 0 : (double)row.Lines / row.Transactions),10:F1} {row.LargestBatch,8} {(row.Chain == "solana" ? "-" : row.SignedAttempts.ToString(CultureInfo.InvariantCulture)),20}");
}

Console.WriteLine();
Console.WriteLine("== ledger = chain (invariant 5), read from each chain's RPC node ==");
Console.WriteLine($"{"deployment",-16} {"ledger supply",16} {"on-chain supply",16} {"Σ settled orders",17} {"pending ops",12} result");
var warmFailed = warmSettled.Terminal.Concat(finalWarmup.Terminal).Count(o => o.Status != Sharemint.Orders.OrderStatus.Settled);
var allGood = settlement.Unfinished.Count == 0 && failed.Count == 0 && finalWarmup.Unfinished.Count == 0 && warmFailed == 0;
foreach (var after in suppliesAfter)
{
    var expected = CanonicalAmount.FromUnits(allSettled.Where(o => o.Symbol == after.Symbol && o.Chain == after.Chain).Sum(o => o.Amount.Units));
    var ok = after.Matches && after.Ledger == expected && after.PendingChainOperations == 0;
    allGood &= ok;
    Console.WriteLine($"{after.Symbol + "/" + after.Chain,-16} {after.Ledger,16} {after.OnChain,16} {expected,17} {after.PendingChainOperations,12} {(ok ? "ok" : "MISMATCH")}");
}
if (warmSettled.Unfinished.Count + settlement.Unfinished.Count + failed.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine("== orders that did not settle (first 5 of each) ==");
    foreach (var order in warmSettled.Unfinished.Concat(settlement.Unfinished).Take(10))
    {
        await Diagnostics.PrintOrderAsync(platform.Grains, order.OrderId);
    }
    foreach (var order in failed.Take(5))
    {
        await Diagnostics.PrintOrderAsync(platform.Grains, order.OrderId);
    }
    Diagnostics.PrintSiloWarnings(platform.Silo!.Output, 15);
}
Console.WriteLine();
Console.WriteLine("== stored grain state (orleans_storage) ==");
await Diagnostics.PrintStorageAsync(platform.ConnectionString);

Console.WriteLine();
Console.WriteLine(allGood
    ? "every accepted order settled once; every deployment's ledger supply equals its on-chain supply"
    : "CORRECTNESS FAILURE: see the rows above");
return allGood ? 0 : 1;

static string Describe(IReadOnlyDictionary<string, int> counts) => string.Join(", ", counts.OrderByDescending(c => c.Value).Select(c => $"{c.Key} ×{c.Value}"));

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

int IntArg(string name, int fallback) => StringArg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

IReadOnlyList<string> ListArg(string name, string fallback) =>
    (StringArg(name) ?? fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
