using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Sharemint.Chains.Evm;
using Sharemint.Fixtures;

namespace Sharemint.Cli.Tests;

/// <summary>PostgreSQL, anvil standing for Ethereum, and a silo that deploys TSLAx there and allow-lists the demo wallet.</summary>
public sealed class CliPlatform : IAsyncLifetime
{
    public const string Wallet = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    // Anvil's first well-known development account: funded on every fresh anvil, worthless anywhere else.
    private const string IssuerKey = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    private PostgresServer? _postgres;
    private AnvilNode? _anvil;

    public string AdminSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public string DemoSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public SiloProcess Silo { get; private set; } = null!;

    /// <summary>The anvil node standing for Ethereum.</summary>
    public Uri AnvilUrl => _anvil!.RpcUrl;

    public async Task InitializeAsync()
    {
        _anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(), 31337);
        _postgres = await PostgresServer.CreateAsync();
        Silo = await SiloProcess.StartAsync(await _postgres.CreateMigratedDatabaseAsync("climint"), extraEnvironment: new Dictionary<string, string>
        {
            ["Sharemint__Api__SecretEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Sharemint__Api__BootstrapAdminKeyId"] = "ok_admin",
            ["Sharemint__Api__BootstrapAdminSecret"] = AdminSecret,
            ["Sharemint__Api__DemoPartnerKeyId"] = "pk_demo",
            ["Sharemint__Api__DemoPartnerSecret"] = DemoSecret,
            ["Sharemint__Market__Hours"] = "always",
            ["Sharemint__Market__Prices__TSLA"] = "250",
            ["Sharemint__Chains__ethereum__Family"] = "evm",
            ["Sharemint__Chains__ethereum__RpcUrl"] = _anvil.RpcUrl.ToString(),
            ["Sharemint__Chains__ethereum__ChainId"] = "31337",
            ["Sharemint__Chains__ethereum__PrivateKey"] = IssuerKey,
            ["Sharemint__DeployTokens"] = "true",
            ["Sharemint__DeploySymbols"] = "TSLAx",
            ["Sharemint__Demo__Wallets__ethereum"] = Wallet,
            // The corporate-action walkthrough runs a split a few seconds ahead.
            ["Sharemint__CorporateActions__MinimumLead"] = "00:00:08",
            ["Sharemint__CorporateActions__PauseBefore"] = "00:00:04",
            ["Sharemint__CorporateActions__PauseAfter"] = "00:00:01",
            ["Sharemint__CorporateActions__Tick"] = "00:00:00.500",
        });
        // The deployer publishes a first attestation once TSLAx is on the chain.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while ((await RunAsync(null, null, "reserves", "show", "TSLAx")).ExitCode != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "TSLAx was not deployed in time:\n" + Silo.Output);
            await Task.Delay(500);
        }
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        if (_anvil is not null)
        {
            await _anvil.DisposeAsync();
        }
    }

    public Task<ProcessRunner.Result> RunAsync(string? keyId, string? secret, params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [RepositoryPaths.Output("src/Cli", "Sharemint.Cli.dll"), .. args], TimeSpan.FromMinutes(3),
            environment: new Dictionary<string, string>
            {
                ["SHAREMINT_API"] = Silo.BaseAddress.ToString(),
                ["SHAREMINT_KEY_ID"] = keyId ?? "",
                ["SHAREMINT_KEY_SECRET"] = secret ?? "",
            },
            throwOnFailure: false);
}

/// <summary>The README's CLI mint: the real binary mints on anvil and follows the order to the end.</summary>
public sealed class MintCommandTests(CliPlatform platform) : IClassFixture<CliPlatform>
{
    [Fact]
    public async Task Partner_mints_with_the_cli_and_the_operator_watches_it_settle()
    {
        var mint = await platform.RunAsync("pk_demo", platform.DemoSecret,
            "mint", "TSLAx", "2", "--chain", "ethereum", "--wallet", CliPlatform.Wallet, "--wait", "--json");
        Assert.True(mint.ExitCode == 0, mint.StandardOutput + mint.StandardError);
        using var order = JsonDocument.Parse(mint.StandardOutput);
        Assert.Equal("settled", order.RootElement.GetProperty("status").GetString());
        Assert.Equal("200000000", order.RootElement.GetProperty("amountUnits").GetString());
        var orderId = order.RootElement.GetProperty("orderId").GetString()!;

        // Redirected output: one line per change, then the order; exit 0 because it settled.
        var watch = await platform.RunAsync("ok_admin", platform.AdminSecret, "orders", "watch", orderId);
        Assert.Equal(0, watch.ExitCode);
        Assert.Contains($"{orderId} settled", watch.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("status settled", watch.StandardOutput, StringComparison.Ordinal);

        var list = await platform.RunAsync("pk_demo", platform.DemoSecret, "orders", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(orderId, list.StandardOutput, StringComparison.Ordinal);

        // The partner's cash statement shows the mint's hold and its capture, as CSV and as a table.
        var range = new[] { "--from", DateTimeOffset.UtcNow.AddDays(-1).ToString("O", CultureInfo.InvariantCulture), "--to", DateTimeOffset.UtcNow.AddDays(1).ToString("O", CultureInfo.InvariantCulture) };
        var csv = await platform.RunAsync("pk_demo", platform.DemoSecret, ["statements", "cash", .. range, "--csv"]);
        Assert.True(csv.ExitCode == 0, csv.StandardOutput + csv.StandardError);
        var lines = csv.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("sequence,at,kind,reference,cash_change,held_change,cash_balance_after", lines[0], StringComparison.Ordinal);
        Assert.Single(lines, l => l.Contains(",hold,", StringComparison.Ordinal) && l.Contains(orderId, StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains(",capture,", StringComparison.Ordinal) && l.Contains(orderId, StringComparison.Ordinal));
        var table = await platform.RunAsync("pk_demo", platform.DemoSecret, ["statements", "cash", .. range]);
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("capture", table.StandardOutput, StringComparison.Ordinal);
        var fills = await platform.RunAsync("pk_demo", platform.DemoSecret, ["statements", "fills", .. range, "--csv"]);
        Assert.True(fills.ExitCode == 0, fills.StandardOutput + fills.StandardError);
        Assert.Single(fills.StandardOutput.Split('\n'), l => l.StartsWith(orderId + ",mint,TSLAx,ethereum,", StringComparison.Ordinal));
        var bad = await platform.RunAsync("pk_demo", platform.DemoSecret, "statements", "cash", "--from", "2026-02-01T00:00:00Z", "--to", "2026-01-01T00:00:00Z");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("statement_range_invalid", bad.StandardError, StringComparison.Ordinal);

        var asset = await platform.RunAsync(null, null, "assets", "show", "TSLAx");
        Assert.Contains("issued 2.00000000", asset.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, (await platform.RunAsync("ok_admin", platform.AdminSecret, "reserves", "reconcile", "TSLAx")).ExitCode);
        var verify = await platform.RunAsync(null, null, "reserves", "verify", "TSLAx", "--json");
        Assert.Equal(0, verify.ExitCode);
        using var verified = JsonDocument.Parse(verify.StandardOutput);
        Assert.Equal("2", verified.RootElement.GetProperty("report").GetProperty("onChainTotal").GetString());
    }

    /// <summary>The README's corporate-action walkthrough: an operator splits TSLAx 2-for-1 and follows it to every chain.</summary>
    [Fact]
    public async Task Operator_declares_a_split_and_follows_it_until_every_chain_shows_it()
    {
        var at = DateTimeOffset.UtcNow.AddSeconds(15).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        // Bad input: the API's problem code, nothing declared.
        var zero = await platform.RunAsync("ok_admin", platform.AdminSecret,
            "admin", "corporate-actions", "declare", "TSLAx", "--id", "zero", "--kind", "split", "--effective-at", at, "--ratio", "0:1");
        Assert.NotEqual(0, zero.ExitCode);
        Assert.Contains("invalid_argument", zero.StandardError, StringComparison.Ordinal);
        var past = await platform.RunAsync("ok_admin", platform.AdminSecret,
            "admin", "corporate-actions", "declare", "TSLAx", "--id", "past", "--kind", "split", "--effective-at", "2020-01-01T00:00:00Z", "--ratio", "2:1");
        Assert.Contains("invalid_argument", past.StandardError, StringComparison.Ordinal);
        var badRatio = await platform.RunAsync("ok_admin", platform.AdminSecret,
            "admin", "corporate-actions", "declare", "TSLAx", "--id", "bad", "--kind", "split", "--effective-at", at, "--ratio", "two");
        Assert.Contains("--ratio", badRatio.StandardError, StringComparison.Ordinal);
        var partner = await platform.RunAsync("pk_demo", platform.DemoSecret,
            "admin", "corporate-actions", "declare", "TSLAx", "--id", "p", "--kind", "split", "--effective-at", at, "--ratio", "2:1");
        Assert.NotEqual(0, partner.ExitCode);
        var empty = await platform.RunAsync("ok_admin", platform.AdminSecret, "admin", "corporate-actions", "list", "TSLAx", "--json");
        Assert.Equal("[]", empty.StandardOutput.Trim());

        // Each CLI run starts a process: take the effective time afresh, far enough ahead to write the chain first.
        at = DateTimeOffset.UtcNow.AddSeconds(15).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var split = await platform.RunAsync("ok_admin", platform.AdminSecret,
            "admin", "corporate-actions", "declare", "TSLAx", "--id", "split-2026", "--kind", "split", "--effective-at", at, "--ratio", "2:1", "--wait", "--json");
        Assert.True(split.ExitCode == 0, split.StandardOutput + split.StandardError);
        using var action = JsonDocument.Parse(split.StandardOutput);
        Assert.Equal("completed", action.RootElement.GetProperty("stage").GetString());
        Assert.Equal("2", action.RootElement.GetProperty("newMultiplier").GetString());
        var chain = action.RootElement.GetProperty("chains")[0];
        Assert.Equal("ethereum", chain.GetProperty("chain").GetString());
        Assert.True(chain.GetProperty("showsNew").GetBoolean());
        // Progress went to stderr, one line per change, through the pause.
        Assert.Contains("paused:", split.StandardError, StringComparison.Ordinal);

        var conflict = await platform.RunAsync("ok_admin", platform.AdminSecret,
            "admin", "corporate-actions", "declare", "TSLAx", "--id", "split-2026", "--kind", "split", "--effective-at", at, "--ratio", "3:1");
        Assert.Contains("idempotency_conflict", conflict.StandardError, StringComparison.Ordinal);
        var signedHistory = await platform.RunAsync("ok_admin", platform.AdminSecret, "admin", "corporate-actions", "history", "TSLAx");
        Assert.Contains("split-2026", signedHistory.StandardOutput, StringComparison.Ordinal);
        var show = await platform.RunAsync("ok_admin", platform.AdminSecret, "admin", "corporate-actions", "show", "TSLAx", "split-2026");
        Assert.Contains("multiplier 1 -> 2, stage completed", show.StandardOutput, StringComparison.Ordinal);
        var asset = await platform.RunAsync(null, null, "assets", "show", "TSLAx");
        Assert.Contains("multiplier 2", asset.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>The asset lifecycle: list a new asset and deploy it on a chosen chain, with the refusals an operator can meet.</summary>
    [Fact]
    public async Task Operator_lists_a_new_asset_and_deploys_it_with_progress()
    {
        var admin = ("ok_admin", platform.AdminSecret);
        async Task<ProcessRunner.Result> Run(params string[] args) => await platform.RunAsync(admin.Item1, admin.Item2, args);

        var badIsin = await Run("admin", "assets", "add", "ZZTx", "--ticker", "ZZT", "--name", "ZZT xStock", "--isin", "US1234567890", "--kind", "stock");
        Assert.Contains("isin_invalid", badIsin.StandardError, StringComparison.Ordinal);
        var duplicate = await Run("admin", "assets", "add", "TSLAx", "--ticker", "TSLA", "--name", "Another Tesla", "--isin", "US88160R1014", "--kind", "stock");
        Assert.Contains("asset_already_exists", duplicate.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("ZZTx", (await platform.RunAsync(null, null, "assets", "list")).StandardOutput, StringComparison.Ordinal);

        var add = await Run("admin", "assets", "add", "ZZTx", "--ticker", "ZZT", "--name", "ZZT xStock", "--isin", "US1234567899", "--kind", "stock",
            "--price", "42.5", "--json");
        Assert.True(add.ExitCode == 0, add.StandardOutput + add.StandardError);
        Assert.Equal(0, (await Run("admin", "assets", "add", "ZZTx", "--ticker", "ZZT", "--name", "ZZT xStock", "--isin", "US1234567899", "--kind", "stock")).ExitCode);

        var unknown = await Run("admin", "assets", "deploy", "ZZTx", "--chain", "mars");
        Assert.Contains("chain_unknown", unknown.StandardError, StringComparison.Ordinal);
        var deploy = await Run("admin", "assets", "deploy", "ZZTx", "--chain", "ethereum", "--wait", "--json");
        Assert.True(deploy.ExitCode == 0, deploy.StandardOutput + deploy.StandardError);
        using var progress = JsonDocument.Parse(deploy.StandardOutput);
        Assert.True(progress.RootElement.GetProperty("done").GetBoolean());
        var token = progress.RootElement.GetProperty("chains")[0].GetProperty("tokenAddress").GetString();
        Assert.Matches("^0x[0-9a-fA-F]{40}$", token!);
        Assert.Contains("ethereum deployed", deploy.StandardError, StringComparison.Ordinal);

        // Again: the same token, nothing deployed twice; the public catalogue shows the deployment.
        var again = await Run("admin", "assets", "deploy", "ZZTx", "--chain", "ethereum", "--json");
        using var second = JsonDocument.Parse(again.StandardOutput);
        Assert.Equal(token, second.RootElement.GetProperty("chains")[0].GetProperty("tokenAddress").GetString());
        var shown = await platform.RunAsync(null, null, "assets", "show", "ZZTx");
        Assert.Contains("ZZT xStock", shown.StandardOutput, StringComparison.Ordinal);
    }
}
