using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tron;

// Usage: dotnet run -c Release --project bench/TronMint [-- --holders 1000 --batch-size 250 --concurrency 32 --block-ms 500]
// Starts the local Tron node (devnet/tron/server.js, with its own anvil), deploys the token, then mints the same amounts
// to the same number of fresh holders twice: one TriggerSmartContract per mint (the baseline; Tron has no nonces, so they
// are signed and broadcast concurrently) and mintBatch. Prints energy per mint, TRX burnt and wall time for both.

var holders = Option(args, "--holders", 1000);
var batchSize = Option(args, "--batch-size", 250);
var concurrency = Option(args, "--concurrency", 32);
var blockMs = Option(args, "--block-ms", 500);

var root = FindRoot();
var artifactPath = Path.Combine(root, "contracts", "out", SharemintTokenArtifact.FileName);
var artifact = SharemintTokenArtifact.Load(artifactPath);
var port = FreePort();
var psi = new ProcessStartInfo("node") { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
foreach (var a in new[] { Path.Combine("devnet", "tron", "server.js"), "--port", port.ToString(CultureInfo.InvariantCulture), "--block-ms", blockMs.ToString(CultureInfo.InvariantCulture) })
    psi.ArgumentList.Add(a);
using var node = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
node.OutputDataReceived += (_, _) => { };
node.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
node.BeginOutputReadLine();
node.BeginErrorReadLine();
try
{
    using var http = new TronHttpClient(new Uri($"http://127.0.0.1:{port}/"), TimeSpan.FromSeconds(60));
    var client = new TronClient(http);
    for (var attempt = 0; ; attempt++)
    {
        try
        {
            await client.GetNowBlockAsync();
            break;
        }
        catch (TronException e) when (e.Code == TronErrorCode.ConnectionFailed && attempt < 300)
        {
            await Task.Delay(100);
        }
    }

    // The issuer: funded from the node's genesis account (anvil's first key) with a TransferContract.
    var genesis = EvmPrivateKey.FromHex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    var key = EvmPrivateKey.Generate();
    var issuer = TronAddress.FromPublicKey(key.PublicKey);
    var fund = await client.BuildAsync(new TronTransfer(TronAddress.FromPublicKey(genesis.PublicKey), issuer, 1_000_000_000_000_000), 0);
    if ((await client.SendAndWaitAsync(fund.Sign(genesis))).State != TronTxState.Succeeded) throw new InvalidOperationException("funding the issuer failed");
    var token = await TronToken.DeployAsync(client, artifact, await File.ReadAllTextAsync(artifactPath), key, "Tesla xStock", "TSLAx", issuer, SharemintToken.MultiplierOne);

    var amounts = Enumerable.Range(1, holders).Select(i => new UInt256((ulong)i) * SharemintToken.MultiplierOne).ToList();
    var expectedTotal = amounts.Aggregate(UInt256.Zero, (a, b) => a + b);
    var poll = TimeSpan.FromMilliseconds(Math.Max(50, blockMs / 4));

    // Baseline: one mint per transaction, all referencing one recent block, signed and sent concurrently.
    var singleHolders = Enumerable.Range(0, holders).Select(_ => TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey)).ToList();
    using var gate = new SemaphoreSlim(concurrency);
    var clock = Stopwatch.StartNew();
    var head = await client.GetNowBlockAsync();
    var singles = await Task.WhenAll(singleHolders.Select(async (holder, i) =>
    {
        await gate.WaitAsync();
        try
        {
            var raw = TronRawTransaction.Create(token.MintCall(issuer, holder, amounts[i], Hash32.FromKey($"single-{i}")), head, TimeSpan.FromMinutes(10),
                TronToken.DefaultFeeLimit, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            return await client.SendAndWaitAsync(raw.Sign(key), poll);
        }
        finally
        {
            gate.Release();
        }
    }));
    var singleWall = clock.Elapsed;
    var afterSingles = await token.TotalSupplyAsync();

    // mintBatch: the same amounts to another set of fresh holders, batchSize recipients per transaction.
    var batchHolders = Enumerable.Range(0, holders).Select(_ => TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey)).ToList();
    clock.Restart();
    var batches = new List<TronTxStatus>();
    for (var start = 0; start < holders; start += batchSize)
    {
        var count = Math.Min(batchSize, holders - start);
        batches.Add(await token.SendAsync(token.MintBatchCall(issuer, batchHolders.GetRange(start, count), amounts.GetRange(start, count), Hash32.FromKey($"batch-{start}")),
            key, 15_000_000_000));
    }
    var batchWall = clock.Elapsed;
    var afterBatches = await token.TotalSupplyAsync();

    // Both runs must have minted exactly the expected amounts, else the figures mean nothing.
    if (singles.Any(s => s.State != TronTxState.Succeeded)) throw new InvalidOperationException($"{singles.Count(s => s.State != TronTxState.Succeeded)} single mints did not succeed");
    if (afterSingles != expectedTotal || afterBatches != expectedTotal + expectedTotal)
        throw new InvalidOperationException($"supply mismatch: {afterSingles} / {afterBatches}, expected {expectedTotal} per run");
    if (await token.BalanceOfAsync(batchHolders[^1]) != amounts[^1] || await token.BalanceOfAsync(singleHolders[^1]) != amounts[^1])
        throw new InvalidOperationException("a holder's balance is wrong");

    Console.WriteLine($"TronMint: {holders} holders, local Tron node (anvil as TVM, {blockMs} ms blocks), token {token.Address}");
    Console.WriteLine($"{"mode",-34} {"txs",6} {"energy",14} {"energy/mint",12} {"TRX/mint",9} {"wall ms",10} {"mints/s",9}");
    Print($"one tx per mint (baseline, x{concurrency})", singles);
    Print($"mintBatch ({batchSize} per tx)", batches);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"mintBatch uses {(double)batches.Sum(b => b.EnergyUsed) / singles.Sum(s => s.EnergyUsed):P1} of the baseline's energy and {batchWall.TotalMilliseconds / singleWall.TotalMilliseconds:P1} of its wall time"));

    void Print(string mode, IReadOnlyCollection<TronTxStatus> txs)
    {
        var energy = txs.Sum(t => t.EnergyUsed);
        var fee = txs.Sum(t => t.Fee);
        var wall = ReferenceEquals(txs, singles) ? singleWall : batchWall;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{mode,-34} {txs.Count,6} {energy,14:N0} {energy / holders,12:N0} {fee / 1_000_000.0 / holders,9:F3} {wall.TotalMilliseconds,10:F0} {holders / wall.TotalSeconds,9:F0}"));
    }
}
finally
{
    if (!node.HasExited)
    {
        node.Kill(entireProcessTree: true);
        await node.WaitForExitAsync();
    }
}

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "devnet", "tron", "server.js"))) dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("cannot find devnet/tron/server.js above the program");
}

static int FreePort()
{
    var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    var port = ((IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}

static int Option(string[] args, string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    if (index < 0) return fallback;
    if (index + 1 >= args.Length || !int.TryParse(args[index + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
        throw new ArgumentException($"{name} needs a positive integer");
    return value;
}
