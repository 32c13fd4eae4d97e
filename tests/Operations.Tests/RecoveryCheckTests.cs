using System.Globalization;
using System.Text.Json;
using Npgsql;
using Sharemint.Assets;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tron;
using Sharemint.Fixtures;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Units;

namespace Sharemint.Operations.Tests;

/// <summary>
/// Disaster recovery end to end: a real silo mints on anvil, the database is backed up (pg_dump from Debian's PostgreSQL:
/// the fixture keeps its data directory private, so a file-level pg_basebackup restore cannot swap it), more orders settle
/// on-chain, the older backup is restored, and <c>sharemint ops recovery-check</c> (the real CLI against the real silo)
/// reports exactly the orders made after the backup, keeps the platform paused, and <c>ops resume</c> lifts the pause.
/// </summary>
public sealed class RecoveryCheckTests
{
    private const string AdminKey = "ok_test_recovery";
    private const string AdminSecret = "sk_test_recovery_0123456789abcdef";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly string EncryptionKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task After_restoring_an_older_backup_the_check_reports_exactly_the_orders_made_since_and_stays_paused_until_resumed()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_recovery");
        await using var anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(RepositoryPaths.Root), 31337);
        var keySeed = FlowSilos.NewKeySeed();
        var clusterId = $"recovery-{Guid.NewGuid():N}";
        Dictionary<string, string> Environment(bool deploy)
        {
            var environment = FlowSilos.Environment(anvil, keySeed, deployTokens: deploy);
            environment["Sharemint__Api__BootstrapAdminKeyId"] = AdminKey;
            environment["Sharemint__Api__BootstrapAdminSecret"] = AdminSecret;
            environment["Sharemint__Api__SecretEncryptionKey"] = EncryptionKey;
            return environment;
        }

        SiloProcess? silo = await SiloProcess.StartAsync(database, seedDemo: true, clusterId: clusterId, extraEnvironment: Environment(deploy: true));
        var backup = Path.Combine(Path.GetTempPath(), $"sharemint-backup-{Guid.NewGuid():N}.dump");
        var after = new List<OrderSnapshot>();
        try
        {
            await using (var client = await SiloClient.ConnectAsync(database, clusterId))
            {
                var grains = client.Client;
                var first = silo;
                await FlowSilos.WaitForDeploymentAsync(grains, TimeSpan.FromMinutes(2), () => first.Output);
                await MintAsync(grains, 1.0m);
                await BlockAsync(grains, FlowSilos.Chain, EvmPrivateKey.Generate().Address.ToString());

                await ProcessRunner.RunAsync(PostgresBinary("pg_dump"), ["--format=custom", $"--file={backup}", Libpq(database)], Timeout);

                // Each waits for the previous to settle, so each is its own on-chain operation.
                after.Add(await MintAsync(grains, 0.75m));
                after.Add(await MintAsync(grains, 0.4m));
            }
            await silo.DisposeAsync();
            silo = null;

            // Restore the older backup in place of the database.
            var name = new NpgsqlConnectionStringBuilder(database).Database!;
            await using (var admin = new NpgsqlConnection(postgres.ConnectionString("postgres")))
            {
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE {name} WITH (FORCE); CREATE DATABASE {name}", admin);
                await drop.ExecuteNonQueryAsync();
            }
            NpgsqlConnection.ClearAllPools();
            await ProcessRunner.RunAsync(PostgresBinary("pg_restore"), ["--exit-on-error", $"--dbname={Libpq(database)}", backup], Timeout);

            // The backup holds the membership rows of silos that no longer exist: the restored platform starts as a new
            // cluster (same service id, so the same grain state and reminders), as the runbook says.
            clusterId = $"restored-{Guid.NewGuid():N}";
            silo = await SiloProcess.StartAsync(database, seedDemo: false, clusterId: clusterId, extraEnvironment: Environment(deploy: false));
            var check = await CliAsync(silo, "ops", "recovery-check");
            var output = silo.Output;
            Assert.True(check.ExitCode == 7,
                $"differences exit 7, got {check.ExitCode}: {check.StandardError}\n{check.StandardOutput}\n{output[^Math.Min(output.Length, 8000)..]}");
            using var report = JsonDocument.Parse(check.StandardOutput);
            var differences = report.RootElement.GetProperty("differences").EnumerateArray().ToList();

            // Exactly the two orders after the backup: on-chain, unknown to the restored ledger, each to the partner's wallet.
            var lost = differences.Where(d => d.GetProperty("code").GetString() == "operation_not_in_ledger").ToList();
            Assert.Equal(2, lost.Count);
            Assert.Equal(after.Select(o => o.Amount.Units).Order(), lost.Select(d => Assert.Single(d.GetProperty("lines").EnumerateArray()).GetProperty("canonicalUnits").GetUnits()).Order());
            Assert.All(lost, d =>
            {
                Assert.Equal("TSLAx", d.GetProperty("asset").GetString());
                Assert.Equal("ethereum", d.GetProperty("chain").GetString());
                Assert.Equal("mint", d.GetProperty("kind").GetString());
                Assert.Equal(FlowSilos.PartnerWallet, Assert.Single(d.GetProperty("lines").EnumerateArray()).GetProperty("account").GetString(), ignoreCase: true);
            });
            Assert.Equal(2, lost.Select(d => d.GetProperty("transactionId").GetString()).Distinct().Count());

            // The supply differs by exactly those orders; nothing else differs.
            var supply = Assert.Single(differences, d => d.GetProperty("code").GetString() == "supply_differs");
            Assert.Equal(CanonicalAmount.FromTokens(1.0m).Units, supply.GetProperty("ledgerUnits").GetUnits());
            Assert.Equal(CanonicalAmount.FromTokens(1.0m).Units + after.Sum(o => o.Amount.Units), supply.GetProperty("chainUnits").GetUnits());
            Assert.Equal(3, differences.Count);

            // Paused until told: every asset halted, and still so after the check returned.
            await using (var client = await SiloClient.ConnectAsync(database, clusterId))
            {
                Assert.Equal(AssetStatus.Halted, (await client.Client.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Status);
                Assert.Equal(AssetStatus.Halted, (await client.Client.GetGrain<IAssetGrain>("AAPLx").GetAsync()).Status);
                var resume = await CliAsync(silo, "ops", "resume");
                Assert.True(resume.ExitCode == 0, resume.StandardError);
                Assert.Equal(AssetStatus.Active, (await client.Client.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Status);
            }
        }
        finally
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
            File.Delete(backup);
        }
    }

    [Fact]
    public async Task On_Solana_the_check_reports_exactly_the_issuers_transactions_and_the_multiplier_change_made_since_the_backup()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_recovery_sol");
        await using var anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(RepositoryPaths.Root), 31337);
        await using var solana = await Sharemint.Chains.Tests.Solana.SolanaDevnet.StartAsync(slotMs: 100);
        var issuer = Sharemint.Chains.Solana.Keypair.Generate();
        var wallet = Sharemint.Chains.Solana.Keypair.Generate().PublicKey.ToString();
        var keySeed = FlowSilos.NewKeySeed();
        var clusterId = $"recovery-sol-{Guid.NewGuid():N}";
        Dictionary<string, string> Environment(bool deploy)
        {
            var environment = FlowSilos.Environment(anvil, keySeed, deployTokens: deploy);
            environment["Sharemint__Api__BootstrapAdminKeyId"] = AdminKey;
            environment["Sharemint__Api__BootstrapAdminSecret"] = AdminSecret;
            environment["Sharemint__Api__SecretEncryptionKey"] = EncryptionKey;
            environment["Sharemint__Chains__solana__Family"] = "solana";
            environment["Sharemint__Chains__solana__RpcUrl"] = solana.Endpoint.ToString();
            environment["Sharemint__Chains__solana__Keypair"] = Sharemint.Chains.Solana.Base58.Encode(issuer.SecretKey());
            environment["Sharemint__Chains__solana__AirdropLamports"] = "500000000000";
            environment["Sharemint__Demo__Wallets__solana"] = wallet;
            return environment;
        }

        SiloProcess? silo = await SiloProcess.StartAsync(database, seedDemo: true, clusterId: clusterId, extraEnvironment: Environment(deploy: true));
        var backup = Path.Combine(Path.GetTempPath(), $"sharemint-backup-{Guid.NewGuid():N}.dump");
        var after = new List<OrderSnapshot>();
        var mint = "";
        try
        {
            await using (var client = await SiloClient.ConnectAsync(database, clusterId))
            {
                var grains = client.Client;
                var first = silo;
                await FlowSilos.WaitForDeploymentAsync(grains, TimeSpan.FromMinutes(2), () => first.Output);
                var deadline = DateTime.UtcNow.AddMinutes(2);
                while (!(await grains.GetGrain<Sharemint.Catalog.ICatalogGrain>(0).ListDeploymentsAsync()).Any(d => d.Symbol == FlowSilos.Symbol && d.Chain == "solana"))
                {
                    Assert.True(DateTime.UtcNow < deadline, $"not deployed on solana\n{first.Output}");
                    await Task.Delay(250);
                }
                await MintAsync(grains, 1.0m, "solana", wallet);
                mint = (await grains.GetGrain<Sharemint.Bridges.IChainBridgeGrain>(Sharemint.Bridges.DeploymentKey.For(FlowSilos.Symbol, "solana")).GetAsync()).Config.TokenAddress;

                await ProcessRunner.RunAsync(PostgresBinary("pg_dump"), ["--format=custom", $"--file={backup}", Libpq(database)], Timeout);

                after.Add(await MintAsync(grains, 0.75m, "solana", wallet));
                after.Add(await MintAsync(grains, 0.4m, "solana", wallet));
            }
            await silo.DisposeAsync();
            silo = null;

            var name = new NpgsqlConnectionStringBuilder(database).Database!;
            await using (var admin = new NpgsqlConnection(postgres.ConnectionString("postgres")))
            {
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE {name} WITH (FORCE); CREATE DATABASE {name}", admin);
                await drop.ExecuteNonQueryAsync();
            }
            NpgsqlConnection.ClearAllPools();
            await ProcessRunner.RunAsync(PostgresBinary("pg_restore"), ["--exit-on-error", $"--dbname={Libpq(database)}", backup], Timeout);

            // A multiplier change the restored ledger never saw (signed with the issuer's key by our Solana client).
            var tokens = new Sharemint.Chains.Solana.XStockTokenClient(solana.Rpc,
                new Sharemint.Chains.Solana.TransactionSender(solana.Rpc, new Sharemint.Chains.Solana.InMemorySignedTransactionStore()), issuer);
            var split = await tokens.UpdateMultiplierAsync("test-lost-split", Sharemint.Chains.Solana.PublicKey.Parse(mint), issuer, 2 * System.Numerics.BigInteger.Pow(10, 18), 0);

            clusterId = $"restored-{Guid.NewGuid():N}";
            silo = await SiloProcess.StartAsync(database, seedDemo: false, clusterId: clusterId, extraEnvironment: Environment(deploy: false));
            var check = await CliAsync(silo, "ops", "recovery-check");
            var output = silo.Output;
            Assert.True(check.ExitCode == 7,
                $"differences exit 7, got {check.ExitCode}: {check.StandardError}\n{check.StandardOutput}\n{output[^Math.Min(output.Length, 8000)..]}");
            using var report = JsonDocument.Parse(check.StandardOutput);
            var differences = report.RootElement.GetProperty("differences").EnumerateArray().ToList();

            var multiplier = Assert.Single(differences, d => d.GetProperty("code").GetString() == "multiplier_differs");
            Assert.Equal("solana", multiplier.GetProperty("chain").GetString());
            Assert.Contains("on-chain 2000000000000000000", multiplier.GetProperty("detail").GetString(), StringComparison.Ordinal);

            // Exactly the two orders after the backup and the split: the issuer's Solana transactions the restored log does not hold.
            var unknown = differences.Where(d => d.GetProperty("code").GetString() == "operation_not_in_ledger").ToList();
            Assert.Equal(3, unknown.Count);
            var splitSeen = Assert.Single(unknown, d => d.GetProperty("kind").GetString() == "other");
            Assert.Equal(split.Signature, splitSeen.GetProperty("transactionId").GetString());
            var lost = unknown.Where(d => d.GetProperty("kind").GetString() != "other").ToList();
            Assert.Equal(2, lost.Count);
            Assert.Equal(after.Select(o => o.Amount.Units).Order(),
                lost.Select(d => Assert.Single(d.GetProperty("lines").EnumerateArray()).GetProperty("canonicalUnits").GetUnits()).Order());
            Assert.All(lost, d =>
            {
                Assert.Equal("TSLAx", d.GetProperty("asset").GetString());
                Assert.Equal("solana", d.GetProperty("chain").GetString());
                Assert.Equal("mint", d.GetProperty("kind").GetString());
                Assert.Equal(wallet, Assert.Single(d.GetProperty("lines").EnumerateArray()).GetProperty("account").GetString());
            });
            var transactions = lost.Select(d => d.GetProperty("transactionId").GetString()).ToList();
            Assert.Equal(2, transactions.Distinct().Count());

            // The supply differs by exactly those orders; nothing else differs.
            var supply = Assert.Single(differences, d => d.GetProperty("code").GetString() == "supply_differs");
            Assert.Equal("solana", supply.GetProperty("chain").GetString());
            Assert.Equal(CanonicalAmount.FromTokens(1.0m).Units, supply.GetProperty("ledgerUnits").GetUnits());
            Assert.Equal(CanonicalAmount.FromTokens(1.0m).Units + after.Sum(o => o.Amount.Units), supply.GetProperty("chainUnits").GetUnits());
            Assert.Equal(5, differences.Count);
            var resume = await CliAsync(silo, "ops", "resume");
            Assert.True(resume.ExitCode == 0, resume.StandardError);
        }
        finally
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
            File.Delete(backup);
        }
    }

    [Fact]
    public async Task On_Tron_the_check_reports_exactly_the_mints_and_the_multiplier_change_made_since_the_backup()
    {
        await using var postgres = await PostgresServer.CreateAsync();
        var database = await postgres.CreateMigratedDatabaseAsync("ops_recovery_tron");
        await using var anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(RepositoryPaths.Root), 31337);
        await using var tron = await Sharemint.Chains.Tests.Tron.TronDevnet.StartAsync(blockMs: 200);
        // anvil's account 0 is the Tron node's genesis account: it holds the TRX that pays for the issuer's energy.
        var issuer = EvmPrivateKey.FromHex(FlowSilos.IssuerKey);
        var wallet = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey).ToBase58();
        var keySeed = FlowSilos.NewKeySeed();
        var clusterId = $"recovery-tron-{Guid.NewGuid():N}";
        Dictionary<string, string> Environment(bool deploy)
        {
            var environment = FlowSilos.Environment(anvil, keySeed, deployTokens: deploy);
            environment["Sharemint__Api__BootstrapAdminKeyId"] = AdminKey;
            environment["Sharemint__Api__BootstrapAdminSecret"] = AdminSecret;
            environment["Sharemint__Api__SecretEncryptionKey"] = EncryptionKey;
            environment["Sharemint__Chains__tron__Family"] = "tron";
            environment["Sharemint__Chains__tron__RpcUrl"] = tron.Endpoint.ToString();
            environment["Sharemint__Chains__tron__PrivateKey"] = FlowSilos.IssuerKey;
            environment["Sharemint__Chains__tron__TransactionLifetimeSeconds"] = "10";
            environment["Sharemint__Demo__Wallets__tron"] = wallet;
            return environment;
        }

        SiloProcess? silo = await SiloProcess.StartAsync(database, seedDemo: true, clusterId: clusterId, extraEnvironment: Environment(deploy: true));
        var backup = Path.Combine(Path.GetTempPath(), $"sharemint-backup-{Guid.NewGuid():N}.dump");
        var after = new List<OrderSnapshot>();
        var token = "";
        try
        {
            await using (var client = await SiloClient.ConnectAsync(database, clusterId))
            {
                var grains = client.Client;
                var first = silo;
                await FlowSilos.WaitForDeploymentAsync(grains, TimeSpan.FromMinutes(2), () => first.Output);
                var deadline = DateTime.UtcNow.AddMinutes(2);
                while (!(await grains.GetGrain<Sharemint.Catalog.ICatalogGrain>(0).ListDeploymentsAsync()).Any(d => d.Symbol == FlowSilos.Symbol && d.Chain == "tron"))
                {
                    Assert.True(DateTime.UtcNow < deadline, $"not deployed on tron\n{first.Output}");
                    await Task.Delay(250);
                }
                await MintAsync(grains, 1.0m, "tron", wallet);
                await BlockAsync(grains, "tron", TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey).ToBase58());
                token = (await grains.GetGrain<Sharemint.Bridges.IChainBridgeGrain>(Sharemint.Bridges.DeploymentKey.For(FlowSilos.Symbol, "tron")).GetAsync()).Config.TokenAddress;

                await ProcessRunner.RunAsync(PostgresBinary("pg_dump"), ["--format=custom", $"--file={backup}", Libpq(database)], Timeout);

                after.Add(await MintAsync(grains, 0.75m, "tron", wallet));
                after.Add(await MintAsync(grains, 0.4m, "tron", wallet));
            }
            await silo.DisposeAsync();
            silo = null;

            var name = new NpgsqlConnectionStringBuilder(database).Database!;
            await using (var admin = new NpgsqlConnection(postgres.ConnectionString("postgres")))
            {
                await admin.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE {name} WITH (FORCE); CREATE DATABASE {name}", admin);
                await drop.ExecuteNonQueryAsync();
            }
            NpgsqlConnection.ClearAllPools();
            await ProcessRunner.RunAsync(PostgresBinary("pg_restore"), ["--exit-on-error", $"--dbname={Libpq(database)}", backup], Timeout);

            // A split the restored ledger never saw, signed with the issuer's key by our Tron client (it emits no Minted/Burned).
            var trc20 = new TronToken(tron.Client, SharemintTokenArtifact.Locate(), TronAddress.Parse(token));
            var nonce = await trc20.MultiplierNonceAsync();
            await trc20.SendAsync(trc20.SetMultiplierCall(TronAddress.FromPublicKey(issuer.PublicKey), new UInt256(2 * System.Numerics.BigInteger.Pow(10, 18)), 0, nonce), issuer);

            clusterId = $"restored-{Guid.NewGuid():N}";
            silo = await SiloProcess.StartAsync(database, seedDemo: false, clusterId: clusterId, extraEnvironment: Environment(deploy: false));
            var check = await CliAsync(silo, "ops", "recovery-check");
            var output = silo.Output;
            Assert.True(check.ExitCode == 7,
                $"differences exit 7, got {check.ExitCode}: {check.StandardError}\n{check.StandardOutput}\n{output[^Math.Min(output.Length, 8000)..]}");
            using var report = JsonDocument.Parse(check.StandardOutput);
            var differences = report.RootElement.GetProperty("differences").EnumerateArray().ToList();
            Assert.DoesNotContain(report.RootElement.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("tron", StringComparison.Ordinal));

            var multiplier = Assert.Single(differences, d => d.GetProperty("code").GetString() == "multiplier_differs");
            Assert.Equal("tron", multiplier.GetProperty("chain").GetString());
            Assert.Contains("ledger multiplier 1000000000000000000, on-chain 2000000000000000000", multiplier.GetProperty("detail").GetString(), StringComparison.Ordinal);

            // Exactly the two mints after the backup: on-chain, unknown to the restored write-ahead log, each to the wallet.
            var lost = differences.Where(d => d.GetProperty("code").GetString() == "operation_not_in_ledger").ToList();
            Assert.Equal(2, lost.Count);
            Assert.Equal(after.Select(o => o.Amount.Units).Order(),
                lost.Select(d => Assert.Single(d.GetProperty("lines").EnumerateArray()).GetProperty("canonicalUnits").GetUnits()).Order());
            Assert.All(lost, d =>
            {
                Assert.Equal("TSLAx", d.GetProperty("asset").GetString());
                Assert.Equal("tron", d.GetProperty("chain").GetString());
                Assert.Equal("mint", d.GetProperty("kind").GetString());
                var line = Assert.Single(d.GetProperty("lines").EnumerateArray());
                Assert.Equal(wallet, line.GetProperty("account").GetString());
                // Chain units: the token's 18 decimals, 10^10 per canonical unit.
                Assert.Equal((System.Numerics.BigInteger)line.GetProperty("canonicalUnits").GetUnits() * 10_000_000_000,
                    System.Numerics.BigInteger.Parse(line.GetProperty("chainUnits").GetString()!, CultureInfo.InvariantCulture));
            });
            // Each names its own transaction, and the node holds a Minted event of that operation in it.
            Assert.Equal(2, lost.Select(d => d.GetProperty("transactionId").GetString()).Distinct().Count());
            foreach (var d in lost)
            {
                var status = await tron.Client.GetStatusAsync(d.GetProperty("transactionId").GetString()!, 0);
                Assert.Equal(TronTxState.Succeeded, status.State);
                Assert.Contains(status.Logs!, l => l.Topics.Count == 3 && l.Topics[1].ToString() == d.GetProperty("operationId").GetString());
            }

            // TronWeb (not our client) reads the token's Minted events: the one before the backup and exactly the two reported.
            var tronWeb = await ProcessRunner.RunAsync("node",
                [Path.Combine(RepositoryPaths.Root, "devnet", "tron", "check", "tronweb-holder.js"), "minted", "--node", tron.Endpoint.ToString().TrimEnd('/'),
                    "--artifact", Path.Combine(RepositoryPaths.Root, "contracts", "out", SharemintTokenArtifact.FileName), "--token", token],
                Timeout, workingDirectory: RepositoryPaths.Root, throwOnFailure: false);
            Assert.True(tronWeb.ExitCode == 0, tronWeb.StandardError);
            using var events = JsonDocument.Parse(tronWeb.StandardOutput);
            var minted = events.RootElement.GetProperty("minted").EnumerateArray().ToList();
            Assert.Equal(3, minted.Count);
            Assert.Equal(minted.Skip(1).Select(m => (m.GetProperty("transaction").GetString(), m.GetProperty("opId").GetString(), m.GetProperty("to").GetString())).Order(),
                lost.Select(d => (d.GetProperty("transactionId").GetString(), d.GetProperty("operationId").GetString(), (string?)wallet)).Order());

            var supply = Assert.Single(differences, d => d.GetProperty("code").GetString() == "supply_differs");
            Assert.Equal("tron", supply.GetProperty("chain").GetString());
            Assert.Equal(CanonicalAmount.FromTokens(1.0m).Units, supply.GetProperty("ledgerUnits").GetUnits());
            Assert.Equal(CanonicalAmount.FromTokens(1.0m).Units + after.Sum(o => o.Amount.Units), supply.GetProperty("chainUnits").GetUnits());
            Assert.Equal(4, differences.Count);
            var resume = await CliAsync(silo, "ops", "resume");
            Assert.True(resume.ExitCode == 0, resume.StandardError);
        }
        finally
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
            File.Delete(backup);
        }
    }

    /// <summary>
    /// A final write that changes no supply, sent as the sanctions list sends it (an on-chain block of a stranger): it leaves
    /// no Minted/Burned event, so the check must not report it missing from the chain.
    /// </summary>
    private static async Task BlockAsync(IGrainFactory grains, string chain, string address)
    {
        var deployment = (await grains.GetGrain<Sharemint.Bridges.IChainBridgeGrain>(Sharemint.Bridges.DeploymentKey.For(FlowSilos.Symbol, chain)).GetAsync()).Config;
        var signer = grains.GetGrain<Sharemint.Signers.IChainSignerGrain>(chain);
        var write = new Sharemint.Signers.ChainWrite($"test-block-{Guid.NewGuid():N}", Sharemint.Signers.ChainWriteKind.SetBlocked, deployment.TokenAddress,
            deployment.Decimals, [new Sharemint.Signers.ChainWriteLine(address, CanonicalAmount.FromUnits(1))]);
        var status = await signer.SubmitAsync(write);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (status.State == Sharemint.Signers.ChainWriteState.Pending)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the block on {chain} is still pending after 60 s");
            await Task.Delay(200);
            status = await signer.CheckAsync(write.WriteId);
        }
        Assert.Equal(Sharemint.Signers.ChainWriteState.Final, status.State);
    }

    private static async Task<OrderSnapshot> MintAsync(IGrainFactory grains, decimal tokens, string chain, string wallet)
    {
        var key = Guid.NewGuid().ToString("N");
        var quote = await grains.GetGrain<IQuoteGrain>($"q_{key}")
            .CreateAsync(new QuoteRequest(FlowSilos.Partner, FlowSilos.Symbol, QuoteSide.Mint, CanonicalAmount.FromTokens(tokens)));
        var placed = await grains.GetGrain<IOrderGrain>(OrderIds.FromIdempotencyKey(FlowSilos.Partner, key))
            .PlaceMintAsync(new MintOrderRequest(FlowSilos.Partner, quote.QuoteId, chain, wallet));
        var settled = await FlowSilos.WaitForTerminalAsync(grains, placed.OrderId, TimeSpan.FromSeconds(120));
        Assert.True(settled.Status == OrderStatus.Settled, $"order {settled.OrderId} is {settled.Status}: {settled.FailureCode} {settled.FailureMessage}");
        return settled;
    }

    private static async Task<OrderSnapshot> MintAsync(IGrainFactory grains, decimal tokens)
    {
        var (_, placed) = await FlowSilos.PlaceMintAsync(grains, CanonicalAmount.FromTokens(tokens), Guid.NewGuid().ToString("N"));
        var settled = await FlowSilos.WaitForTerminalAsync(grains, placed.OrderId, TimeSpan.FromSeconds(90));
        Assert.True(settled.Status == OrderStatus.Settled, $"order {settled.OrderId} is {settled.Status}: {settled.FailureCode} {settled.FailureMessage}");
        return settled;
    }

    private static Task<ProcessRunner.Result> CliAsync(SiloProcess silo, params string[] arguments) =>
        ProcessRunner.RunAsync("dotnet", [RepositoryPaths.Output("src/Cli", "Sharemint.Cli.dll"), .. arguments, "--json"], Timeout,
            environment: new Dictionary<string, string>
            {
                ["SHAREMINT_API"] = silo.BaseAddress.ToString(),
                ["SHAREMINT_KEY_ID"] = AdminKey,
                ["SHAREMINT_KEY_SECRET"] = AdminSecret,
            },
            throwOnFailure: false);

    /// <summary>The fixture's Npgsql connection string as a libpq one, for pg_dump and pg_restore.</summary>
    private static string Libpq(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return string.Create(CultureInfo.InvariantCulture, $"host={b.Host} port={b.Port} user={b.Username} dbname={b.Database}");
    }

    /// <summary>The newest PostgreSQL from Debian's packages (the same version as the server the fixture runs).</summary>
    private static string PostgresBinary(string name) =>
        Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
            .Select(d => Path.Combine(d, "bin", name)).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} not found under /usr/lib/postgresql: apt-get install -y postgresql");
}
