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
        Assert.Equal("Settled", order.RootElement.GetProperty("status").GetString());
        Assert.Equal(200_000_000, order.RootElement.GetProperty("amountUnits").GetInt64());
        var orderId = order.RootElement.GetProperty("orderId").GetString()!;

        // Redirected output: one line per change, then the order; exit 0 because it settled.
        var watch = await platform.RunAsync("ok_admin", platform.AdminSecret, "orders", "watch", orderId);
        Assert.Equal(0, watch.ExitCode);
        Assert.Contains($"{orderId} Settled", watch.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("status Settled", watch.StandardOutput, StringComparison.Ordinal);

        var list = await platform.RunAsync("pk_demo", platform.DemoSecret, "orders", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains(orderId, list.StandardOutput, StringComparison.Ordinal);

        var asset = await platform.RunAsync(null, null, "assets", "show", "TSLAx");
        Assert.Contains("issued 2.00000000", asset.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, (await platform.RunAsync("ok_admin", platform.AdminSecret, "reserves", "reconcile", "TSLAx")).ExitCode);
        var verify = await platform.RunAsync(null, null, "reserves", "verify", "TSLAx", "--json");
        Assert.Equal(0, verify.ExitCode);
        using var verified = JsonDocument.Parse(verify.StandardOutput);
        Assert.Equal(2m, verified.RootElement.GetProperty("report").GetProperty("onChainTotal").GetDecimal());
    }
}
