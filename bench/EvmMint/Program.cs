using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Sharemint.Chains.Evm;

// Usage: dotnet run -c Release --project bench/EvmMint [-- --holders 1000 --batch-size 250 --concurrency 32]
// Starts its own anvil, deploys the token, then mints the same amounts to the same number of fresh holders twice:
// once with one transaction per mint (the baseline) and once with mintBatch. Prints gas per mint and wall time for both.

var holders = Option(args, "--holders", 1000);
var batchSize = Option(args, "--batch-size", 250);
var concurrency = Option(args, "--concurrency", 32);

var artifact = SharemintTokenArtifact.Locate();
await using var anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(), 31337);
using var client = new EvmClient(new EvmChainConfig("bench", 31337, anvil.RpcUrl, 1, EvmFeeModel.Eip1559));
var key = EvmPrivateKey.Generate();
await client.Rpc.CallAsync("anvil_setBalance", [key.Address.ToString(), EvmHex.EncodeQuantity(BigInteger.Pow(10, 24))]);
var store = new InMemorySignedTransactionStore();
var sender = new EvmTransactionSender(client, key, store, new EvmSenderOptions { PollInterval = TimeSpan.FromMilliseconds(5) });
var token = await SharemintToken.DeployAsync(sender, artifact, "Tesla xStock", "TSLAx", key.Address, SharemintToken.MultiplierOne, "deploy");

var amounts = Enumerable.Range(1, holders).Select(i => new UInt256((ulong)i) * SharemintToken.MultiplierOne).ToList();
var expectedTotal = amounts.Aggregate(UInt256.Zero, (a, b) => a + b);

// Baseline: one mint transaction per holder, submitted concurrently through the sender (nonces in order).
var singleHolders = Enumerable.Range(0, holders).Select(_ => EvmPrivateKey.Generate().Address).ToList();
using var gate = new SemaphoreSlim(concurrency);
var clock = Stopwatch.StartNew();
var singleReceipts = await Task.WhenAll(singleHolders.Select(async (holder, i) =>
{
    await gate.WaitAsync();
    try
    {
        return await token.MintAsync(sender, holder, amounts[i], Hash32.FromKey($"single-{i}"));
    }
    finally
    {
        gate.Release();
    }
}));
var singleWall = clock.Elapsed;
var afterSingles = await token.TotalSupplyAsync();

// mintBatch: the same amounts to another set of fresh holders, batchSize recipients per transaction.
var batchHolders = Enumerable.Range(0, holders).Select(_ => EvmPrivateKey.Generate().Address).ToList();
clock.Restart();
var batchReceipts = new List<EvmReceipt>();
for (var start = 0; start < holders; start += batchSize)
{
    var count = Math.Min(batchSize, holders - start);
    batchReceipts.Add(await token.MintBatchAsync(sender, batchHolders.GetRange(start, count), amounts.GetRange(start, count), Hash32.FromKey($"batch-{start}")));
}
var batchWall = clock.Elapsed;
var afterBatches = await token.TotalSupplyAsync();

// Both runs must have minted exactly the expected amounts, else the figures mean nothing.
if (afterSingles != expectedTotal || afterBatches != expectedTotal + expectedTotal)
    throw new InvalidOperationException($"supply mismatch: {afterSingles} / {afterBatches}, expected {expectedTotal} per run");
if (await token.BalanceOfAsync(batchHolders[^1]) != amounts[^1] || await token.BalanceOfAsync(singleHolders[^1]) != amounts[^1])
    throw new InvalidOperationException("a holder's balance is wrong");

var singleGas = singleReceipts.Aggregate(0UL, (sum, r) => sum + r.GasUsed);
var batchGas = batchReceipts.Aggregate(0UL, (sum, r) => sum + r.GasUsed);
Console.WriteLine($"EvmMint: {holders} holders, anvil chain 31337, token {token.Address} ({artifact.Compiler})");
Console.WriteLine($"{"mode",-34} {"txs",6} {"total gas",14} {"gas/mint",10} {"wall ms",10} {"mints/s",9}");
Print($"one tx per mint (baseline, x{concurrency})", singleReceipts.Length, singleGas, singleWall);
Print($"mintBatch ({batchSize} per tx)", batchReceipts.Count, batchGas, batchWall);
Console.WriteLine($"signed transactions: {store.All.Count} for {singleReceipts.Length + batchReceipts.Count + 1} operations (extra = replacements)");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"mintBatch uses {(double)batchGas / singleGas:P1} of the baseline's gas and {batchWall.TotalMilliseconds / singleWall.TotalMilliseconds:P1} of its wall time"));

void Print(string mode, int txs, ulong gas, TimeSpan wall) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{mode,-34} {txs,6} {gas,14:N0} {gas / (ulong)holders,10:N0} {wall.TotalMilliseconds,10:F0} {holders / wall.TotalSeconds,9:F0}"));

static int Option(string[] args, string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    if (index < 0) return fallback;
    if (index + 1 >= args.Length || !int.TryParse(args[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
        throw new ArgumentException($"{name} needs a positive integer");
    return value;
}
