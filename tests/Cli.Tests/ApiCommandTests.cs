using System.Security.Cryptography;
using System.Text.Json;
using Sharemint.Fixtures;

namespace Sharemint.Cli.Tests;

/// <summary>One real silo for the class, with a bootstrap admin key and the demo partner's key.</summary>
public sealed class CliSilo : IAsyncLifetime
{
    public const string AdminKeyId = "ok_cli_admin";
    public const string DemoKeyId = "pk_cli_demo";

    private PostgresServer? _postgres;

    public string AdminSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public string DemoSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        Silo = await SiloProcess.StartAsync(await _postgres.CreateMigratedDatabaseAsync("cli"), extraEnvironment: new Dictionary<string, string>
        {
            ["Sharemint__Api__SecretEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Sharemint__Api__BootstrapAdminKeyId"] = AdminKeyId,
            ["Sharemint__Api__BootstrapAdminSecret"] = AdminSecret,
            ["Sharemint__Api__DemoPartnerKeyId"] = DemoKeyId,
            ["Sharemint__Api__DemoPartnerSecret"] = DemoSecret,
            ["Sharemint__Market__Hours"] = "always",
            // The webhook commands' receiver listens on loopback over http.
            ["Sharemint__Webhooks__AllowPrivateNetworks"] = "true",
        });
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    /// <summary>Runs <c>sharemint</c> against this silo with a key taken from the environment, as operators do.</summary>
    public Task<ProcessRunner.Result> RunAsync(string? keyId, string? secret, params string[] args) =>
        ProcessRunner.RunAsync("dotnet", [RepositoryPaths.Output("src/Cli", "Sharemint.Cli.dll"), .. args], TimeSpan.FromMinutes(2),
            environment: new Dictionary<string, string>
            {
                ["SHAREMINT_API"] = Silo.BaseAddress.ToString(),
                ["SHAREMINT_KEY_ID"] = keyId ?? "",
                ["SHAREMINT_KEY_SECRET"] = secret ?? "",
            },
            throwOnFailure: false);

    public Task<ProcessRunner.Result> AdminAsync(params string[] args) => RunAsync(AdminKeyId, AdminSecret, args);

    public Task<ProcessRunner.Result> PartnerAsync(params string[] args) => RunAsync(DemoKeyId, DemoSecret, args);
}

/// <summary>The real <c>sharemint</c> binary against a real silo: output and exit codes.</summary>
public sealed class ApiCommandTests(CliSilo cli) : IClassFixture<CliSilo>
{
    [Fact]
    public async Task Assets_commands_read_the_running_platform()
    {
        var list = await cli.RunAsync(null, null, "assets", "list", "--json");
        Assert.Equal(0, list.ExitCode);
        using var assets = JsonDocument.Parse(list.StandardOutput);
        Assert.Equal(DemoCatalogueFile.Symbols.Count, assets.RootElement.GetArrayLength());
        Assert.Contains(assets.RootElement.EnumerateArray(), a => a.GetProperty("symbol").GetString() == "NVDAx" && a.GetProperty("isin").GetString() == "US67066G1040");

        var table = await cli.RunAsync(null, null, "assets", "list");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("US88160R1014", table.StandardOutput, StringComparison.Ordinal);

        var show = await cli.RunAsync(null, null, "assets", "show", "SPYx");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("underlying SPY", show.StandardOutput, StringComparison.Ordinal);

        var unknown = await cli.RunAsync(null, null, "assets", "show", "NOPEx", "--json");
        Assert.Equal(4, unknown.ExitCode);
        using var error = JsonDocument.Parse(unknown.StandardOutput);
        Assert.Equal("asset_not_found", error.RootElement.GetProperty("error").GetString());

        var down = await cli.RunAsync(null, null, "assets", "list", "--api", $"http://127.0.0.1:{FreePort.Next()}/");
        Assert.Equal(5, down.ExitCode);
    }

    [Fact]
    public async Task Operator_pauses_and_resumes_an_asset()
    {
        var pause = await cli.AdminAsync("assets", "pause", "COINx", "--scope", "redeem");
        Assert.Equal(0, pause.ExitCode);
        Assert.Contains("COINx is now redeem_paused", pause.StandardOutput, StringComparison.Ordinal);
        var resume = await cli.AdminAsync("assets", "resume", "COINx", "--json");
        Assert.Equal(0, resume.ExitCode);
        using var asset = JsonDocument.Parse(resume.StandardOutput);
        Assert.Equal("active", asset.RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Operator_delists_an_asset_with_a_redemption_window()
    {
        var until = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        var delist = await cli.AdminAsync("admin", "assets", "delist", "XLEx", "--redeem-until", until);
        Assert.Equal(0, delist.ExitCode);
        Assert.Contains("XLEx delisting: redemptions until", delist.StandardOutput, StringComparison.Ordinal);
        var again = await cli.AdminAsync("admin", "assets", "delist", "XLEx", "--redeem-until", until, "--json");
        Assert.Equal(0, again.ExitCode);
        using var asset = JsonDocument.Parse(again.StandardOutput);
        Assert.Equal("delisting", asset.RootElement.GetProperty("status").GetString());

        var past = await cli.AdminAsync("admin", "assets", "delist", "XLEx", "--redeem-until", "2020-01-01T00:00:00Z", "--json");
        Assert.NotEqual(0, past.ExitCode);
        using var error = JsonDocument.Parse(past.StandardOutput);
        Assert.Equal("asset_delisting", error.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Operator_onboards_a_partner_whose_new_key_then_works_from_the_environment()
    {
        var id = "partner-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(0, (await cli.AdminAsync("partners", "onboard", id, "--name", "CLI Exchange", "--jurisdiction", "GB")).ExitCode);
        var kyc = await cli.AdminAsync("partners", "kyc", id, "approved");
        Assert.Equal(0, kyc.ExitCode);
        Assert.Contains("KYC approved", kyc.StandardOutput, StringComparison.Ordinal);
        var allow = await cli.AdminAsync("partners", "wallets", "allow", id, "base", "0x00000000000000000000000000000000000000dd");
        Assert.Equal(0, allow.ExitCode);
        Assert.Contains("base:0x00000000000000000000000000000000000000dd", allow.StandardOutput, StringComparison.Ordinal);

        var credit = await cli.AdminAsync("partners", "credit", id, "1500.25", "--idempotency-key", "cli-wire-1", "--json");
        var again = await cli.AdminAsync("partners", "credit", id, "1500.25", "--idempotency-key", "cli-wire-1", "--json");
        Assert.Equal(0, again.ExitCode);
        using (var account = JsonDocument.Parse(again.StandardOutput))
        {
            // Amounts are exact strings, as the API writes them.
            Assert.Equal("1500.25", account.RootElement.GetProperty("cashBalance").GetString());
            Assert.Equal("0", account.RootElement.GetProperty("cashHeld").GetString());
        }
        Assert.Equal(0, credit.ExitCode);

        var created = await cli.AdminAsync("partners", "keys", "create", id, "--label", "cli", "--json");
        Assert.Equal(0, created.ExitCode);
        using var key = JsonDocument.Parse(created.StandardOutput);
        var keyId = key.RootElement.GetProperty("key").GetProperty("keyId").GetString()!;
        var secret = key.RootElement.GetProperty("secret").GetString()!;

        var me = await cli.RunAsync(keyId, secret, "account", "--json");
        Assert.Equal(0, me.ExitCode);
        using (var account = JsonDocument.Parse(me.StandardOutput))
        {
            Assert.Equal(id, account.RootElement.GetProperty("accountId").GetString());
        }
        var listed = await cli.AdminAsync("partners", "keys", "list", id);
        Assert.Contains(keyId, listed.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed.StandardOutput, StringComparison.Ordinal);

        var rotated = await cli.AdminAsync("keys", "rotate", keyId);
        Assert.Equal(0, rotated.ExitCode);
        Assert.Contains("not shown again", rotated.StandardOutput, StringComparison.Ordinal);
        var stale = await cli.RunAsync(keyId, secret, "account");
        Assert.Equal(4, stale.ExitCode);
        Assert.Contains("signature_invalid", stale.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_are_required_checked_and_scoped()
    {
        var none = await cli.RunAsync(null, null, "partners", "list");
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("SHAREMINT_KEY_ID", none.StandardError, StringComparison.Ordinal);

        var wrong = await cli.RunAsync(CliSilo.AdminKeyId, "sk_wrong_wrong_wrong_wrong", "partners", "list", "--json");
        Assert.Equal(4, wrong.ExitCode);
        using (var error = JsonDocument.Parse(wrong.StandardOutput))
        {
            Assert.Equal("signature_invalid", error.RootElement.GetProperty("error").GetString());
        }

        var partnerOnAdmin = await cli.PartnerAsync("sanctions", "list");
        Assert.Equal(4, partnerOnAdmin.ExitCode);
        Assert.Contains("operator_key_required", partnerOnAdmin.StandardError, StringComparison.Ordinal);

        var options = await cli.RunAsync(null, null, "partners", "show", "partner-demo", "--key-id", CliSilo.AdminKeyId, "--key-secret", cli.AdminSecret);
        Assert.Equal(0, options.ExitCode);
        Assert.Contains("partner-demo (Demo Exchange Ltd)", options.StandardOutput, StringComparison.Ordinal);

        var badUsage = await cli.AdminAsync("partners", "kyc", "partner-demo", "maybe");
        Assert.NotEqual(0, badUsage.ExitCode);
    }

    [Fact]
    public async Task Prices_quotes_and_a_refused_mint()
    {
        var set = await cli.AdminAsync("prices", "set", "MSTR", "321.5");
        Assert.Equal(0, set.ExitCode);
        Assert.Contains("MSTR 321.5 USD", set.StandardOutput, StringComparison.Ordinal);

        var quote = await cli.PartnerAsync("quote", "MSTRx", "2", "--json");
        Assert.Equal(0, quote.ExitCode);
        using (var q = JsonDocument.Parse(quote.StandardOutput))
        {
            Assert.Equal("321.5", q.RootElement.GetProperty("pricePerShare").GetString());
            Assert.Equal("200000000", q.RootElement.GetProperty("amountUnits").GetString());
        }

        // No MSTRx deployment on this silo: the API refuses and the CLI says so with exit code 4.
        var mint = await cli.PartnerAsync("mint", "MSTRx", "2", "--chain", "ethereum", "--wallet", "0x00000000000000000000000000000000000000aa", "--json");
        Assert.Equal(4, mint.ExitCode);
        using (var error = JsonDocument.Parse(mint.StandardOutput))
        {
            Assert.False(string.IsNullOrEmpty(error.RootElement.GetProperty("error").GetString()));
        }

        var orders = await cli.AdminAsync("orders", "list", "--json");
        Assert.Equal(0, orders.ExitCode);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(orders.StandardOutput).RootElement.ValueKind);
        var missing = await cli.PartnerAsync("orders", "show", "ord_00000000000000000000000000");
        Assert.Equal(4, missing.ExitCode);
        Assert.Contains("order_not_found", missing.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reserves_reconcile_show_and_verify()
    {
        var reconcile = await cli.AdminAsync("reserves", "reconcile", "QQQx");
        Assert.Equal(0, reconcile.ExitCode);
        Assert.Contains("QQQx reconciliation #", reconcile.StandardOutput, StringComparison.Ordinal);

        var verify = await cli.RunAsync(null, null, "reserves", "verify", "QQQx");
        Assert.Equal(0, verify.ExitCode);
        Assert.StartsWith("VALID", verify.StandardOutput, StringComparison.Ordinal);

        var wrongKey = await cli.RunAsync(null, null, "reserves", "verify", "QQQx", "--public-key", Convert.ToBase64String(new byte[32]), "--json");
        Assert.Equal(7, wrongKey.ExitCode);
        using (var result = JsonDocument.Parse(wrongKey.StandardOutput))
        {
            Assert.False(result.RootElement.GetProperty("valid").GetBoolean());
        }

        var none = await cli.RunAsync(null, null, "reserves", "show", "HOODx");
        Assert.Equal(4, none.ExitCode);
        Assert.Contains("attestation_not_found", none.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sanctions_add_list_remove()
    {
        const string address = "0x00000000000000000000000000000000000000ee";
        Assert.Equal(0, (await cli.AdminAsync("sanctions", "add", "ethereum", address, "--reason", "test listing")).ExitCode);
        var list = await cli.AdminAsync("sanctions", "list", "--json");
        using (var entries = JsonDocument.Parse(list.StandardOutput))
        {
            Assert.Contains(entries.RootElement.EnumerateArray(), e => e.GetProperty("address").GetString() == address && e.GetProperty("reason").GetString() == "test listing");
        }
        var refused = await cli.AdminAsync("partners", "wallets", "allow", "partner-demo", "base", address);
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("address_sanctioned", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.AdminAsync("sanctions", "remove", "ethereum", address)).ExitCode);
        Assert.DoesNotContain(address, (await cli.AdminAsync("sanctions", "list")).StandardOutput, StringComparison.Ordinal);
    }
}
