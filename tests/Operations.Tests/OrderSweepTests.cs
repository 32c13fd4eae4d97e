using System.Text.RegularExpressions;
using Npgsql;
using Orleans.Runtime;
using Sharemint.Chains.Evm;
using Sharemint.Fixtures;
using Sharemint.Operations;
using Sharemint.Orders;
using Sharemint.Units;

namespace Sharemint.Operations.Tests;

/// <summary>
/// No order keeps a durable reminder of its own: what drives an order whose silo died is the order index, swept by a
/// silo still running. Two real silos, one anvil chain that stops mining: mints are accepted and their transactions sent
/// but not mined (so each order waits, minting, driven only by its activation's in-memory timer), the silo hosting some
/// of them is killed, the chain mines again, and nobody touches an order again: the test reads only the order index and
/// the chain. Every order — those whose activation died included — must settle once, and the survivor must say its sweep
/// woke them. While the orders wait, one silo of the two sweeps them each period (the sweep lease), not both.
/// </summary>
public sealed class OrderSweepTests
{
    private const int Orders = 8;
    private static readonly TimeSpan SweepPeriod = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Orders_whose_silo_died_are_settled_by_the_surviving_silos_sweep_without_being_touched()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_sweep");
        await using var anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(RepositoryPaths.Root), 31337);
        var clusterId = $"sweep-{Guid.NewGuid():N}";
        var keySeed = FlowSilos.NewKeySeed();
        var silos = new List<(SiloProcess Silo, int Port)>();

        async Task<(SiloProcess, int)> StartAsync(bool first)
        {
            var port = FreePort.Next();
            var environment = FlowSilos.Environment(anvil, keySeed, deployTokens: first);
            environment["Sharemint__Orders__SweepPeriod"] = SweepPeriod.ToString("c");
            // Death is declared within seconds, so the survivor can re-activate the dead silo's orders soon after the kill.
            environment["Sharemint__Membership__IAmAliveTablePublishTimeout"] = "00:00:02";
            environment["Sharemint__Membership__TableRefreshTimeout"] = "00:00:05";
            var silo = await SiloProcess.StartAsync(database, seedDemo: first, clusterId: clusterId, extraEnvironment: environment, siloPort: port);
            return (silo, port);
        }

        try
        {
            silos.Add(await StartAsync(first: true));
            await using var client = await SiloClient.ConnectAsync(database, clusterId);
            var grains = client.Client;
            await FlowSilos.WaitForDeploymentAsync(grains, TimeSpan.FromMinutes(2), () => silos[0].Silo.Output);
            silos.Add(await StartAsync(first: false));
            await WaitForTwoSilosAsync(grains);
            var token = await FlowSilos.TokenAsync(grains, anvil);
            var supplyBefore = await token.TotalSupplyAsync();
            var balanceBefore = await token.BalanceAsync(FlowSilos.PartnerWallet);

            using var rpc = new HttpClient { BaseAddress = anvil.RpcUrl };
            await AnvilAsync(rpc, "evm_setAutomine", "false");

            var amount = CanonicalAmount.FromTokens(0.01m);
            var placed = new List<OrderSnapshot>();
            var hosts = new Dictionary<string, int>();
            for (var i = 0; i < Orders; i++)
            {
                var (_, order) = await FlowSilos.PlaceMintAsync(grains, amount, $"sweep-{i}");
                Assert.Equal(OrderStatus.Accepted, order.Status);
                placed.Add(order);
                hosts[order.OrderId] = await HostPortOfAsync(grains, grains.GetGrain<IOrderGrain>(order.OrderId))
                    ?? throw new InvalidOperationException($"order {order.OrderId} has no activation");
            }
            // Each waits for its mint transaction, listed as unfinished in the index (its stored state is that row).
            await WaitUntilAsync(async () => (await ReadStatusesAsync(database, placed)).Values.All(s => s is "Accepted" or "Queued" or "InProgress"),
                TimeSpan.FromSeconds(30), async () => $"orders not all listed as unfinished: {Describe(await ReadStatusesAsync(database, placed))}");
            Assert.Equal(supplyBefore, await token.TotalSupplyAsync());

            // While they wait, one silo sweeps them each period, not every silo: three sweeps that woke orders, all by one silo.
            await WaitUntilAsync(() => Task.FromResult(silos.Sum(s => SweepsLogged(s.Silo)) >= 3), TimeSpan.FromSeconds(60),
                () => Task.FromResult($"sweeps logged: {string.Join(", ", silos.Select(s => SweepsLogged(s.Silo)))}"));
            Assert.Single(silos, s => SweepsLogged(s.Silo) > 0);

            // The silo hosting the most orders dies (placement chooses where orders live; either silo will do).
            var victim = silos.MaxBy(s => hosts.Values.Count(port => port == s.Port));
            var survivor = silos.Single(s => s.Port != victim.Port);
            var orphaned = hosts.Where(h => h.Value == victim.Port).Select(h => h.Key).ToList();
            Assert.NotEmpty(orphaned);
            await victim.Silo.KillAsync();

            // The chain mines again (what was sent is mined, later sends are mined at once); from now on the test only watches.
            await AnvilAsync(rpc, "evm_setAutomine", "true");
            await AnvilAsync(rpc, "evm_mine", "");
            try
            {
                await WaitUntilAsync(async () => (await ReadStatusesAsync(database, placed)).Values.All(s => string.Equals(s, "settled", StringComparison.OrdinalIgnoreCase)), TimeSpan.FromSeconds(120),
                    async () => $"orders not all settled: {Describe(await ReadStatusesAsync(database, placed))}; orphaned: {string.Join(", ", orphaned)}");
            }
            catch (TimeoutException ex)
            {
                throw new TimeoutException($"{ex.Message}\n--- survivor ---\n{Tail(survivor.Silo.Output)}", ex);
            }

            // The orphaned orders were found by the survivor's sweep (nothing else knew of them), and each minted once.
            Assert.Matches(@"Order sweep woke [1-9]\d* unfinished orders", survivor.Silo.Output);
            var ordered = CanonicalAmount.FromUnits(amount.Units * placed.Count);
            Assert.Equal(balanceBefore + ordered, await token.BalanceAsync(FlowSilos.PartnerWallet));
            Assert.Equal(supplyBefore + ordered, await token.TotalSupplyAsync());
            foreach (var orderId in orphaned)
            {
                var final = await FlowSilos.WaitForTerminalAsync(grains, orderId, TimeSpan.FromSeconds(10));
                Assert.Equal(OrderStatus.Settled, final.Status);
                Assert.Single(final.Steps, s => s.Name == "minted");
            }
        }
        finally
        {
            foreach (var (silo, _) in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static async Task<Dictionary<string, string>> ReadStatusesAsync(string database, IReadOnlyList<OrderSnapshot> orders)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT order_id, status FROM order_index WHERE order_id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", orders.Select(o => o.OrderId).ToArray());
        var statuses = orders.ToDictionary(o => o.OrderId, _ => "missing");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            statuses[reader.GetString(0)] = reader.GetString(1);
        }
        return statuses;
    }

    private static int SweepsLogged(SiloProcess silo) => Regex.Count(silo.Output, @"Order sweep woke [1-9]\d* unfinished orders");

    private static string Describe(Dictionary<string, string> statuses) =>
        string.Join(", ", statuses.GroupBy(s => s.Value).Select(g => $"{g.Count()} {g.Key}"));

    private static string Tail(string output) => string.Join('\n', output.Split('\n').TakeLast(40));

    private static async Task<int?> HostPortOfAsync(IGrainFactory grains, IAddressable grain) =>
        (await grains.GetGrain<IManagementGrain>(0).GetActivationAddress(grain))?.Endpoint.Port;

    private static async Task WaitForTwoSilosAsync(IGrainFactory grains)
    {
        await WaitUntilAsync(async () => (await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2,
            TimeSpan.FromSeconds(60), () => Task.FromResult("the second silo did not join"));
    }

    private static async Task AnvilAsync(HttpClient rpc, string method, string parameters)
    {
        var body = $"{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"{method}\",\"params\":[{parameters}]}}";
        using var response = await rpc.PostAsync("", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode && !text.Contains("\"error\"", StringComparison.Ordinal), $"{method}: {text}");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<Task<string>> failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(await failure());
            }
            await Task.Delay(250);
        }
    }
}
