using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sharemint.Chains.Solana;

// Mints to N distinct holders twice on a devnet server this program starts itself:
//   single:  one transaction per holder (create-idempotent ATA + MintToChecked)
//   batched: holders packed into transactions up to the size / compute / account limits
// Both modes go through the same write-ahead sender with the same concurrency and are verified
// against the chain (supply and every holder's balance) before figures are printed.
//   dotnet run -c Release --project bench/SolanaMint -- [--holders 1000] [--concurrency 16]

var holders = 1000;
var concurrency = 16;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--holders":
            holders = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--concurrency":
            concurrency = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            throw new ArgumentException($"unknown argument {args[i]}");
    }
}

var root = FindRepoRoot();
await using var devnet = await Devnet.StartAsync(root);
using var rpc = new SolanaRpcClient(devnet.Endpoint, TimeSpan.FromSeconds(30));
var authority = Keypair.Generate();
await rpc.RequestAirdropAsync(authority.PublicKey, 1_000_000_000_000);
var senderOptions = new TransactionSenderOptions { PollInterval = TimeSpan.FromMilliseconds(20), Commitment = Commitment.Confirmed };

Console.WriteLine($"Solana devnet (LiteSVM) at {devnet.Endpoint}; {holders} holders; concurrency {concurrency}");
Console.WriteLine();
var single = await RunAsync("single", batched: false);
var batched = await RunAsync("batched", batched: true);

Console.WriteLine();
Console.WriteLine($"{"mode",-8} {"holders",8} {"txs",6} {"fees (lamports)",16} {"fees (SOL)",11} {"wall (s)",9} {"mints/s",9}");
foreach (var r in new[] { single, batched })
{
    Console.WriteLine($"{r.Mode,-8} {r.Holders,8} {r.Transactions,6} {r.FeesLamports,16:N0} {r.FeesLamports / 1e9,11:F6} {r.Wall.TotalSeconds,9:F2} {r.Holders / r.Wall.TotalSeconds,9:F1}");
}
Console.WriteLine();
Console.WriteLine($"batched vs single: {(double)single.Transactions / batched.Transactions:F1}x fewer transactions, "
    + $"{(double)single.FeesLamports / batched.FeesLamports:F1}x lower fees, {single.Wall.TotalSeconds / batched.Wall.TotalSeconds:F1}x faster wall time");

async Task<Result> RunAsync(string mode, bool batched)
{
    var store = new InMemorySignedTransactionStore();
    var sender = new TransactionSender(rpc, store, senderOptions);
    var client = new XStockTokenClient(rpc, sender, authority);
    var mintKp = Keypair.Generate();
    var spec = new XStockMintSpec($"Bench {mode}", "BENCHx", "https://example.invalid/bench.json", 8, authority.PublicKey, authority.PublicKey);
    await client.CreateMintAsync($"{mode}-create", spec, mintKp, authority);
    var mint = mintKp.PublicKey;
    var recipients = Enumerable.Range(0, holders).Select(i => new MintRecipient(Keypair.Generate().PublicKey, 1_00000000UL + (ulong)i)).ToList();
    var groups = batched
        ? client.PlanBatches(mint, authority.PublicKey, 8, recipients)
        : recipients.Select(r => (IReadOnlyList<MintRecipient>)[r]).ToList();

    var sw = Stopwatch.StartNew();
    var signatures = new string[groups.Count];
    await Parallel.ForEachAsync(Enumerable.Range(0, groups.Count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
    {
        var outcome = await client.MintBatchAsync($"{mode}-{i}", mint, authority, groups[i], ct);
        signatures[i] = outcome.Signature;
    });
    sw.Stop();

    // Verify against the chain before reporting anything.
    var expected = recipients.Aggregate(0UL, (s, r) => s + r.Amount);
    var supply = await client.GetSupplyAsync(mint);
    if (supply != expected)
    {
        throw new InvalidOperationException($"{mode}: supply {supply} != expected {expected}");
    }
    foreach (var chunk in recipients.Chunk(100))
    {
        var accounts = await rpc.GetMultipleAccountsAsync(chunk.Select(r => AssociatedTokenProgram.FindAddress(r.Wallet, mint)).ToList());
        for (var i = 0; i < chunk.Length; i++)
        {
            var amount = TokenAccountState.Decode(accounts[i]!.Data, accounts[i]!.Owner).Amount;
            if (amount != chunk[i].Amount)
            {
                throw new InvalidOperationException($"{mode}: holder {chunk[i].Wallet} has {amount}, expected {chunk[i].Amount}");
            }
        }
    }
    ulong fees = 0;
    ulong units = 0;
    var maxSize = 0;
    foreach (var sig in signatures.Distinct())
    {
        var tx = await rpc.GetTransactionAsync(sig) ?? throw new InvalidOperationException($"{mode}: transaction {sig} not found");
        fees += tx.Fee;
        units += tx.ComputeUnitsConsumed ?? 0;
        maxSize = Math.Max(maxSize, tx.Transaction.Size);
    }
    var count = signatures.Distinct().Count();
    Console.WriteLine($"{mode}: {count} transactions (largest {maxSize} bytes, {units / (ulong)count:N0} CU each on average), supply {supply} verified, all {holders} balances verified");
    return new Result(mode, holders, signatures.Distinct().Count(), fees, sw.Elapsed);
}

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "devnet", "package.json")))
    {
        dir = dir.Parent;
    }
    return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (devnet/package.json)");
}

internal sealed record Result(string Mode, int Holders, int Transactions, ulong FeesLamports, TimeSpan Wall);

/// <summary>The devnet server process (devnet/solana/server.js) on a free loopback port.</summary>
internal sealed class Devnet : IAsyncDisposable
{
    private readonly Process _process;

    private Devnet(Process process, Uri endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static async Task<Devnet> StartAsync(string root)
    {
        if (!Directory.Exists(Path.Combine(root, "devnet", "node_modules", "litesvm")))
        {
            throw new InvalidOperationException("devnet/node_modules/litesvm is missing: run `npm ci` in devnet/");
        }
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var psi = new ProcessStartInfo("node") { WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(root, "devnet", "solana", "server.js"), "--port", port.ToString(CultureInfo.InvariantCulture), "--slot-ms", "400" })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"[devnet] {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var devnet = new Devnet(process, new Uri($"http://127.0.0.1:{port}/"));
        using var rpc = new SolanaRpcClient(devnet.Endpoint, TimeSpan.FromSeconds(2));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if (await rpc.GetHealthAsync() == "ok")
                {
                    return devnet;
                }
            }
            catch (SolanaException e) when (e.Kind == SolanaErrorKind.RpcUnavailable && DateTime.UtcNow < deadline && !process.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
