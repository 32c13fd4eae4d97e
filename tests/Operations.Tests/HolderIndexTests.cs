using System.Globalization;
using System.Numerics;
using Npgsql;
using Sharemint.Chains.Evm;
using Sharemint.Fixtures;
using Sharemint.Units;

namespace Sharemint.Operations.Tests;

/// <summary>
/// The holder index lives in PostgreSQL and one silo of the cluster keeps it: two real silos on one anvil chain export the
/// same <c>sharemint_holders</c>, equal to the holders cast finds, and the stored balances add up to exactly the token's
/// total supply (a transfer applied by both silos, or twice by one, would not). After the silo that was indexing is
/// killed, the survivor takes the index over from the stored cursor and the figures stay exact.
/// </summary>
public sealed class HolderIndexTests
{
    private const string PartnerKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    [Fact]
    public async Task Two_silos_export_the_holders_cast_counts_and_the_stored_balances_sum_to_the_supply_across_a_crash()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_holders");
        await using var anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(RepositoryPaths.Root), 31337);
        var clusterId = $"holders-{Guid.NewGuid():N}";
        var keySeed = FlowSilos.NewKeySeed();
        var silos = new List<SiloProcess>();

        async Task<SiloProcess> StartAsync(bool first)
        {
            var environment = FlowSilos.Environment(anvil, keySeed, deployTokens: first);
            environment["Sharemint__Telemetry__SampleIntervalSeconds"] = "1";
            environment["Sharemint__Membership__IAmAliveTablePublishTimeout"] = "00:00:02";
            return await SiloProcess.StartAsync(database, seedDemo: first, clusterId: clusterId, extraEnvironment: environment, siloPort: FreePort.Next());
        }

        try
        {
            silos.Add(await StartAsync(first: true));
            await using var client = await SiloClient.ConnectAsync(database, clusterId);
            var grains = client.Client;
            await FlowSilos.WaitForDeploymentAsync(grains, TimeSpan.FromMinutes(2), () => silos[0].Output);
            silos.Add(await StartAsync(first: false));
            var token = await FlowSilos.TokenAsync(grains, anvil);
            var tokenAddress = token.Contract.Address.ToString();

            for (var i = 0; i < 2; i++)
            {
                var (_, order) = await FlowSilos.PlaceMintAsync(grains, CanonicalAmount.FromTokens(0.5m), $"holders-{i}");
                await FlowSilos.WaitForTerminalAsync(grains, order.OrderId, TimeSpan.FromSeconds(60));
            }
            var first = EvmPrivateKey.Generate().Address.ToString();
            await SendAsync(anvil, tokenAddress, first, CanonicalAmount.FromTokens(0.25m).ToChainUnits(token.Decimals));

            // Both silos show what cast counts (the partner and the first recipient), and the stored balances are exact.
            await WaitForHoldersAsync(silos, await CountWithCastAsync(anvil, tokenAddress, [FlowSilos.PartnerWallet, first]));
            Assert.Equal(2, await CountWithCastAsync(anvil, tokenAddress, [FlowSilos.PartnerWallet, first]));
            Assert.Equal(await TotalSupplyWithCastAsync(anvil, tokenAddress), await StoredSumAsync(database, tokenAddress));
            var cursorBefore = await StoredCursorAsync(database, tokenAddress);

            // The first silo dies; whichever silo was indexing, the survivor now holds the lock and goes on from the cursor.
            await silos[0].KillAsync();
            var second = EvmPrivateKey.Generate().Address.ToString();
            await SendAsync(anvil, tokenAddress, second, CanonicalAmount.FromTokens(0.1m).ToChainUnits(token.Decimals));
            var expected = await CountWithCastAsync(anvil, tokenAddress, [FlowSilos.PartnerWallet, first, second]);
            Assert.Equal(3, expected);
            await WaitForHoldersAsync(silos.Skip(1), expected);
            Assert.Equal(await TotalSupplyWithCastAsync(anvil, tokenAddress), await StoredSumAsync(database, tokenAddress));
            Assert.True(await StoredCursorAsync(database, tokenAddress) > cursorBefore, "the survivor did not move the stored cursor on");
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static async Task WaitForHoldersAsync(IEnumerable<SiloProcess> silos, int expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        foreach (var silo in silos)
        {
            using var http = silo.CreateManagementHttpClient();
            while (true)
            {
                var line = (await http.GetStringAsync("metrics")).Split('\n')
                    .FirstOrDefault(l => l.StartsWith("sharemint_holders{", StringComparison.Ordinal) && l.Contains($"asset=\"{FlowSilos.Symbol}\"", StringComparison.Ordinal)
                                         && l.Contains($"chain=\"{FlowSilos.Chain}\"", StringComparison.Ordinal));
                if (line is not null && int.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture) == expected)
                {
                    break;
                }
                Assert.True(DateTime.UtcNow < deadline, $"sharemint_holders: {line ?? "absent"}, cast counts {expected}");
                await Task.Delay(250);
            }
        }
    }

    private static async Task<BigInteger> StoredSumAsync(string database, string token)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(sum(raw), 0)::text FROM holder_balances WHERE lower(token) = lower(@token)", connection);
        command.Parameters.AddWithValue("token", token);
        return BigInteger.Parse((string)(await command.ExecuteScalarAsync())!, CultureInfo.InvariantCulture);
    }

    private static async Task<long> StoredCursorAsync(string database, string token)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT block FROM holder_cursors WHERE lower(token) = lower(@token)", connection);
        command.Parameters.AddWithValue("token", token);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<int> CountWithCastAsync(AnvilNode anvil, string token, IReadOnlyList<string> wallets)
    {
        var holders = 0;
        foreach (var wallet in wallets)
        {
            holders += BigInteger.Parse((await CastAsync(anvil, "call", token, "balanceOf(address)(uint256)", wallet)).Split(' ')[0], CultureInfo.InvariantCulture) > 0 ? 1 : 0;
        }
        return holders;
    }

    private static async Task<BigInteger> TotalSupplyWithCastAsync(AnvilNode anvil, string token) =>
        BigInteger.Parse((await CastAsync(anvil, "call", token, "totalSupply()(uint256)")).Split(' ')[0], CultureInfo.InvariantCulture);

    private static Task SendAsync(AnvilNode anvil, string token, string to, BigInteger raw) =>
        CastAsync(anvil, "send", "--private-key", PartnerKey, token, "transfer(address,uint256)", to, raw.ToString(CultureInfo.InvariantCulture));

    private static async Task<string> CastAsync(AnvilNode anvil, params string[] args)
    {
        var cast = Path.Combine(RepositoryPaths.Root, "devnet", "node_modules", "@foundry-rs", "cast-linux-amd64", "bin", "cast");
        var result = await ProcessRunner.RunAsync(cast, [.. args, "--rpc-url", anvil.RpcUrl.ToString()], TimeSpan.FromSeconds(60), throwOnFailure: false);
        Assert.True(result.ExitCode == 0, $"cast {string.Join(' ', args)}: {result.StandardError}");
        return result.StandardOutput.Trim();
    }
}
