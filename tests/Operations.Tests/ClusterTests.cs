using System.Collections.Concurrent;
using System.Globalization;
using Npgsql;
using Orleans.Runtime;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Chains.Evm;
using Sharemint.Errors;
using Sharemint.Fixtures;
using Sharemint.Operations;
using Sharemint.Orders;
using Sharemint.Reserves;
using Sharemint.Signers;
using Sharemint.Units;

namespace Sharemint.Operations.Tests;

/// <summary>
/// Three real silo processes on loopback form one cluster through PostgreSQL membership and sign on one anvil chain. Mint
/// orders (and ledger custody operations) keep flowing through an Orleans client while the silo hosting the chain signer
/// is killed (SIGKILL) and a fourth silo joins. Afterwards every accepted order has settled exactly once — the partner's
/// on-chain balance and the token's real total supply equal the sum of the accepted orders, the ledger equals the chain,
/// the cash paid equals the quotes — and membership declared the killed silo dead and then cleaned its row up.
/// </summary>
public sealed class ClusterTests
{
    private const int Active = 3;
    private const int Dead = 6;
    // Concurrent closed-loop order workers: their mints race for the custody each one bought (a mint whose bought shares
    // another order reserved must buy again under a new operation id, not replay its buy forever).
    private const int OrderWorkers = 3;
    private static readonly string[] CustodySymbols = ["AAPLx", "NVDAx", "SPYx"];

    [Fact]
    public async Task Orders_keep_flowing_through_a_silo_crash_and_a_join_and_settle_exactly_once()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_cluster");
        await using var anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(RepositoryPaths.Root), 31337);
        var clusterId = $"cluster-{Guid.NewGuid():N}";
        var keySeed = FlowSilos.NewKeySeed();
        var silos = new List<(SiloProcess Silo, int Port)>();

        async Task<(SiloProcess, int)> StartAsync(bool first)
        {
            var port = FreePort.Next();
            var environment = FlowSilos.Environment(anvil, keySeed, deployTokens: first);
            // Short membership timings so the test sees the dead silo declared and its row cleaned up within a minute.
            environment["Sharemint__Membership__IAmAliveTablePublishTimeout"] = "00:00:02";
            environment["Sharemint__Membership__DefunctSiloCleanupPeriod"] = "00:00:03";
            environment["Sharemint__Membership__TableRefreshTimeout"] = "00:00:05";
            // Counted from the dead silo's last IAmAlive (or suspect vote): longer than death detection takes (default probes,
            // about 15-25 s), so the test sees the dead row before it goes.
            environment["Sharemint__Membership__DefunctSiloExpiration"] = "00:00:40";
            environment["Sharemint__Membership__DefunctSiloMinimumRetention"] = "00:00:40";
            // Chain probes come from Sharemint:Chains (no Sharemint:Telemetry:ChainProbes here).
            environment["Sharemint__Telemetry__SampleIntervalSeconds"] = "2";
            var silo = await SiloProcess.StartAsync(database, seedDemo: first, clusterId: clusterId, extraEnvironment: environment, siloPort: port);
            return (silo, port);
        }

        try
        {
            // The first silo seeds the catalogue and deploys the token once; the others join after the deployment.
            silos.Add(await StartAsync(first: true));
            await using var client = await SiloClient.ConnectAsync(database, clusterId);
            var grains = client.Client;
            await FlowSilos.WaitForDeploymentAsync(grains, TimeSpan.FromMinutes(2), () => silos[0].Silo.Output);
            silos.AddRange(await Task.WhenAll(StartAsync(first: false), StartAsync(first: false)));
            await WaitForActiveSilosAsync(database, clusterId, 3, TimeSpan.FromSeconds(60));
            var token = await FlowSilos.TokenAsync(grains, anvil);
            var supplyBefore = await token.TotalSupplyAsync();

            using var stop = new CancellationTokenSource();
            var flow = new OrderFlow(grains);
            var orderWorkers = Enumerable.Range(0, OrderWorkers).Select(w => Task.Run(() => flow.RunAsync(w, stop.Token))).ToArray();
            var custody = new int[CustodySymbols.Length];
            var custodyWorkers = CustodySymbols.Select((symbol, i) => Task.Run(() => AddCustodyAsync(grains, symbol, custody, i, stop.Token))).ToArray();

            await WaitUntilAsync(() => flow.Settled >= 6, TimeSpan.FromSeconds(120), () => $"only {flow.Settled} orders settled before the crash");

            // Kill the silo that hosts the chain signer: the most stateful grain (nonces, signed transactions in flight).
            var signer = grains.GetGrain<IChainSignerGrain>(FlowSilos.Chain);
            var signerHost = await HostPortOfAsync(grains, signer);
            var victim = silos.SingleOrDefault(s => s.Port == signerHost);
            Assert.True(victim.Silo is not null, $"the signer's activation is on port {signerHost}, not on one of the silos");
            var membership = new VictimWatch(database, clusterId, victim.Port);
            var watching = Task.Run(() => membership.RunAsync(TimeSpan.FromSeconds(180)));
            await victim.Silo.KillAsync();
            var settledAtCrash = flow.Settled;
            // The survivors declare it dead; the joiner's arrival is a membership change, which also triggers the cleanup
            // of dead entries older than DefunctSiloExpiration.
            try
            {
                await membership.Dead.Task.WaitAsync(TimeSpan.FromSeconds(90));
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"silo on port {victim.Port} not seen dead: {membership.History}\n{Problems(silos)}", ex);
            }
            silos.Add(await StartAsync(first: false));
            var settledAtJoin = flow.Settled;
            try
            {
                await WaitUntilAsync(() => flow.Settled >= Math.Max(settledAtCrash, settledAtJoin) + 8, TimeSpan.FromSeconds(150),
                    () => $"orders stopped flowing after the crash: {flow.Settled} settled, {settledAtCrash} at the crash");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}; killed silo port {victim.Port} (signer host {signerHost})\n"
                    + await flow.DescribeOpenAsync() + Problems(silos), ex);
            }
            await stop.CancelAsync();
            await Task.WhenAll(orderWorkers);
            await Task.WhenAll(custodyWorkers);

            // The signer moved to a surviving silo.
            var signerNow = await HostPortOfAsync(grains, signer);
            Assert.Contains(silos, s => s.Port == signerNow && s.Port != victim.Port);

            // Every accepted order settled; every refused key left no order behind.
            Assert.True(flow.Accepted.Count >= 14, $"only {flow.Accepted.Count} orders accepted");
            foreach (var order in flow.Accepted.Values)
            {
                var final = await FlowSilos.WaitForTerminalAsync(grains, order.OrderId, TimeSpan.FromSeconds(60));
                Assert.True(final.Status == OrderStatus.Settled, $"order {final.OrderId} is {final.Status}: {final.FailureCode} {final.FailureMessage}");
                Assert.Equal(order.Amount, final.Amount);
            }
            foreach (var orderId in flow.Refused)
            {
                var missing = await Assert.ThrowsAsync<LedgerException>(() => grains.GetGrain<IOrderGrain>(orderId).GetAsync());
                Assert.Equal(LedgerError.OrderNotFound, missing.Error);
            }

            // Exactly once on the chain: the partner's real balance and the token's real supply are the accepted orders' sum.
            var ordered = flow.Accepted.Values.Aggregate(CanonicalAmount.Zero, (sum, o) => sum + o.Amount);
            Assert.Equal(ordered, await token.BalanceAsync(FlowSilos.PartnerWallet));
            var onChain = await token.TotalSupplyAsync();
            Assert.Equal(supplyBefore + ordered, onChain);
            var bridge = await grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(FlowSilos.Symbol, FlowSilos.Chain)).GetAsync();
            Assert.Equal(onChain, bridge.Supply);
            Assert.Equal(0, bridge.PendingChainOperations);
            Assert.Equal(onChain, (await grains.GetGrain<IAssetGrain>(FlowSilos.Symbol).GetAsync()).Issued);
            var report = (await grains.GetGrain<IReservesGrain>(FlowSilos.Symbol).ReconcileAsync()).Report;
            Assert.True(report.Balanced, $"reconciliation after the crash does not balance: backing {report.BackingRatio}");
            Assert.All(report.Deployments, d => Assert.Equal(0, d.DriftUnits));

            // Exactly once in cash: the partner paid each accepted quote once and nothing is left held.
            var account = await grains.GetGrain<IHolderAccountGrain>(FlowSilos.Partner).GetAsync();
            Assert.Equal(1_000_000m - flow.Accepted.Values.Sum(o => o.QuoteTotal), account.CashBalance);
            Assert.Equal(0m, account.CashHeld);

            // The ledger-only operations: custody equals the acknowledged operations, per asset.
            for (var i = 0; i < CustodySymbols.Length; i++)
            {
                Assert.Equal((decimal)custody[i], (await grains.GetGrain<IAssetGrain>(CustodySymbols[i]).GetAsync()).CustodyShares);
            }

            // Membership: the killed silo was declared dead by the survivors, then its row was cleaned up; the rest are active.
            Assert.True(await watching, $"dead silo on port {victim.Port} was not cleaned up");
            var statuses = await ReadStatusesAsync(database, clusterId);
            Assert.False(statuses.ContainsKey(victim.Port));
            foreach (var (_, port) in silos.Where(s => s.Port != victim.Port))
            {
                Assert.Equal(Active, statuses[port]);
            }

            // The chain head probe was fed from Sharemint:Chains on a live silo.
            using var http = silos[^1].Silo.CreateManagementHttpClient();
            var metrics = await http.GetStringAsync("metrics");
            Assert.Contains(metrics.Split('\n'), line => line.StartsWith("sharemint_chain_head{", StringComparison.Ordinal)
                                                        && line.Contains("chain=\"ethereum\"", StringComparison.Ordinal));
        }
        finally
        {
            foreach (var (silo, _) in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Closed-loop mint load: each worker quotes and places an order under its own idempotency key, retrying a failed
    /// call under the same key (so a placement lost in a crash lands on the same order), then waits for it to finish.
    /// </summary>
    private sealed class OrderFlow(IGrainFactory grains)
    {
        private int _settled;

        public ConcurrentDictionary<string, AcceptedOrder> Accepted { get; } = new();

        public ConcurrentBag<string> Refused { get; } = [];

        public int Settled => Volatile.Read(ref _settled);

        /// <summary>The accepted orders not yet settled, with their steps (for failure messages).</summary>
        public async Task<string> DescribeOpenAsync()
        {
            var text = new System.Text.StringBuilder();
            foreach (var order in Accepted.Values)
            {
                try
                {
                    var snapshot = await grains.GetGrain<IOrderGrain>(order.OrderId).GetAsync();
                    if (snapshot.Status != OrderStatus.Settled)
                    {
                        text.AppendLine(CultureInfo.InvariantCulture, $"{snapshot.OrderId} {snapshot.Status}:");
                        foreach (var step in snapshot.Steps)
                        {
                            text.AppendLine(CultureInfo.InvariantCulture, $"  {step.At:HH:mm:ss.fff} {step.Name} {step.Outcome} {step.Detail}");
                        }
                    }
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"{order.OrderId}: unreadable ({ex.GetType().Name}: {ex.Message})");
                }
            }
            return text.ToString();
        }

        public async Task RunAsync(int worker, CancellationToken stop)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var key = $"cluster-{worker}-{n}";
                // Amounts vary so a doubled or lost order cannot hide behind another of the same size.
                var amount = CanonicalAmount.FromTokens(0.01m * (1 + ((worker + n) % 4)));
                var placed = await PlaceAsync(key, amount);
                if (placed is null)
                {
                    Refused.Add(OrderIds.FromIdempotencyKey(FlowSilos.Partner, key));
                    continue;
                }
                Accepted[placed.OrderId] = placed;
                var final = await FlowSilos.WaitForTerminalAsync(grains, placed.OrderId, TimeSpan.FromSeconds(150));
                if (final.Status == OrderStatus.Settled)
                {
                    Interlocked.Increment(ref _settled);
                }
            }
        }

        private async Task<AcceptedOrder?> PlaceAsync(string key, CanonicalAmount amount)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (true)
            {
                try
                {
                    var (quote, order) = await FlowSilos.PlaceMintAsync(grains, amount, key);
                    return new AcceptedOrder(order.OrderId, order.Amount, quote.Total);
                }
                catch (LedgerException ex) when (ex.Error is LedgerError.QuoteExpired)
                {
                    // The retries outlived the quote before any attempt placed the order: refused, and must leave nothing.
                    return null;
                }
                catch (Exception ex) when (ex is not LedgerException && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200);
                }
            }
        }
    }

    /// <summary>Warnings and errors the silos logged (for failure messages).</summary>
    private static string Problems(IEnumerable<(SiloProcess Silo, int Port)> silos) => string.Join('\n', silos.Select(s =>
        $"--- silo {s.Port} ---\n" + string.Join('\n', s.Silo.Output.Split('\n')
            .Where(line => line.Contains("warn", StringComparison.OrdinalIgnoreCase) || line.Contains("fail", StringComparison.OrdinalIgnoreCase)
                           || line.Contains("error", StringComparison.OrdinalIgnoreCase) || line.StartsWith("   ", StringComparison.Ordinal))
            .TakeLast(40))));

    private sealed record AcceptedOrder(string OrderId, CanonicalAmount Amount, decimal QuoteTotal);

    /// <summary>Adds one custody share per operation under unique ids, retrying a failed call under the same id.</summary>
    private static async Task AddCustodyAsync(IGrainFactory grains, string symbol, int[] acknowledged, int index, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var operation = OperationId.From($"cluster/{symbol}/{n}");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (true)
            {
                try
                {
                    await grains.GetGrain<IAssetGrain>(symbol).AddCustodyAsync(operation, 1m);
                    break;
                }
                catch (Exception ex) when (DateTime.UtcNow < deadline && ex is not LedgerException)
                {
                    await Task.Delay(100, CancellationToken.None);
                }
            }
            Interlocked.Increment(ref acknowledged[index]);
            // Paced: the order flow is what this test is about; custody only proves the ledger keeps its count too.
            await Task.Delay(50, CancellationToken.None);
        }
    }

    /// <summary>The silo port of the activation behind <paramref name="grain"/> (activating it if needed), or null.</summary>
    private static async Task<int?> HostPortOfAsync(IGrainFactory grains, IAddressable grain)
    {
        var address = await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);
        return address?.Endpoint.Port;
    }

    /// <summary>Polls membership from the crash on: completes <see cref="Dead"/> when the victim is recorded dead, and
    /// returns true once its row has then been removed.</summary>
    private sealed class VictimWatch(string database, string clusterId, int port)
    {
        public TaskCompletionSource Dead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private readonly System.Text.StringBuilder _history = new();

        /// <summary>Each change of the victim's status as seen, with the time (for failure messages).</summary>
        public string History { get { lock (_history) { return _history.ToString(); } } }

        public async Task<bool> RunAsync(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            int? last = -1;
            while (DateTime.UtcNow < deadline)
            {
                var statuses = await ReadStatusesAsync(database, clusterId);
                int? current = statuses.TryGetValue(port, out var seen) ? seen : null;
                if (current != last)
                {
                    lock (_history)
                    {
                        _history.Append(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {current?.ToString(CultureInfo.InvariantCulture) ?? "removed"}; ");
                    }
                    last = current;
                }
                if (statuses.TryGetValue(port, out var status))
                {
                    if (status == ClusterTests.Dead)
                    {
                        Dead.TrySetResult();
                    }
                }
                else if (Dead.Task.IsCompleted)
                {
                    return true;
                }
                await Task.Delay(250);
            }
            Dead.TrySetException(new TimeoutException($"silo on port {port} was not recorded dead within {timeout}"));
            return false;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(failure());
            }
            await Task.Delay(100);
        }
    }

    private static async Task WaitForActiveSilosAsync(string database, string clusterId, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while ((await ReadStatusesAsync(database, clusterId)).Values.Count(s => s == Active) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{count} silos did not become active within {timeout}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>Latest generation's status per silo port (3 = active, 6 = dead).</summary>
    private static async Task<Dictionary<int, int>> ReadStatusesAsync(string database, string clusterId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT DISTINCT ON (port) port, status FROM orleans_membership WHERE deployment_id = @id ORDER BY port, generation DESC", connection);
        command.Parameters.AddWithValue("id", clusterId);
        var statuses = new Dictionary<int, int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statuses[reader.GetInt32(0)] = reader.GetInt32(1);
        }
        return statuses;
    }
}
