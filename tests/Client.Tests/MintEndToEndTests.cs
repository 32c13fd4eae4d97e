using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Sharemint.Chains.Evm;
using Sharemint.Client.Admin;
using Sharemint.Client.Orders;
using Sharemint.Client.Quotes;
using Sharemint.Fixtures;

namespace Sharemint.Client.Tests;

/// <summary>
/// The whole platform for a partner: PostgreSQL, anvil standing for Ethereum, and a silo that deploys TSLAx there,
/// prices TSLA on paper market data that is always open, and allow-lists the demo partner's wallet.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public const string AdminKeyId = "ok_e2e_admin";
    public const string DemoKeyId = "pk_e2e_demo";
    public const string Wallet = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    // Anvil's first well-known development account: funded on every fresh anvil, worthless anywhere else.
    private const string IssuerKey = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private const ulong ChainId = 31337;

    private PostgresServer? _postgres;
    private AnvilNode? _anvil;

    public string AdminSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public string DemoSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(), ChainId);
        _postgres = await PostgresServer.CreateAsync();
        Silo = await SiloProcess.StartAsync(await _postgres.CreateMigratedDatabaseAsync("e2e"), extraEnvironment: new Dictionary<string, string>
        {
            ["Sharemint__Api__SecretEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Sharemint__Api__BootstrapAdminKeyId"] = AdminKeyId,
            ["Sharemint__Api__BootstrapAdminSecret"] = AdminSecret,
            ["Sharemint__Api__DemoPartnerKeyId"] = DemoKeyId,
            ["Sharemint__Api__DemoPartnerSecret"] = DemoSecret,
            ["Sharemint__Market__Hours"] = "always",
            ["Sharemint__Market__Prices__TSLA"] = "250",
            ["Sharemint__Chains__ethereum__Family"] = "evm",
            ["Sharemint__Chains__ethereum__RpcUrl"] = _anvil.RpcUrl.ToString(),
            ["Sharemint__Chains__ethereum__ChainId"] = ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sharemint__Chains__ethereum__PrivateKey"] = IssuerKey,
            ["Sharemint__DeployTokens"] = "true",
            ["Sharemint__DeploySymbols"] = "TSLAx",
            ["Sharemint__Demo__Wallets__ethereum"] = Wallet,
        });
        // The deployer runs once the silo is active and publishes a first attestation when done.
        using var http = Silo.CreateHttpClient();
        var reserves = new SharemintClient(http).Reserves;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                await reserves.GetAsync("TSLAx");
                return;
            }
            catch (SharemintApiException ex) when (ex.Code == "attestation_not_found" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
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
}

/// <summary>A partner mints through the SDK exactly as the README shows, against the running platform.</summary>
public sealed class MintEndToEndTests(PlatformFixture platform) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task A_partner_quotes_mints_waits_and_verifies_the_reserves()
    {
        var services = new ServiceCollection();
        services.AddSharemintClient(o =>
        {
            o.BaseAddress = platform.Silo.BaseAddress;
            o.KeyId = PlatformFixture.DemoKeyId;
            o.Secret = platform.DemoSecret;
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<SharemintClient>();
        var cashBefore = (await client.Account.GetAsync()).Value.CashBalance;

        Quote quote = await client.Quotes.CreateAsync("TSLAx", QuoteSide.Mint, 1.5m);
        var placed = await client.Orders.MintAsync(quote.QuoteId, "ethereum", PlatformFixture.Wallet, idempotencyKey: "e2e-mint-1", clientReference: "desk-42");
        Assert.Equal(202, placed.Status);
        Assert.False(placed.IsReplay);
        var order = placed.Value;
        Order done = await client.Orders.WaitUntilCompletedAsync(order.OrderId, new OrderWaitOptions { Timeout = TimeSpan.FromMinutes(2) });
        Assert.True(done.IsSettled, $"{done.Status} {done.FailureCode} {done.FailureMessage}");
        Assert.NotEmpty(done.TransactionIds);

        // The same idempotency key again is the same order, not a second mint.
        var retried = await client.Orders.MintAsync(quote.QuoteId, "ethereum", PlatformFixture.Wallet, idempotencyKey: "e2e-mint-1");
        Assert.Equal(order.OrderId, retried.Value.OrderId);
        Assert.True(retried.IsReplay, "a repeated idempotency key is answered with Idempotent-Replayed: true");
        Assert.Equal("true", retried.Header("Idempotent-Replayed"));

        // The partner's own reference is echoed on the order and finds it; another order cannot take it.
        Assert.Equal("desk-42", placed.Value.ClientReference);
        Assert.Equal("desk-42", retried.Value.ClientReference);
        Assert.Equal("desk-42", (await client.Orders.GetAsync(order.OrderId)).Value.ClientReference);
        var found = Assert.Single(await client.Orders.GetOrdersAsync(new OrderListFilter(ClientReference: "desk-42")).ToListAsync());
        Assert.Equal((order.OrderId, "desk-42"), (found.OrderId, found.ClientReference));
        Quote second = await client.Quotes.CreateAsync("TSLAx", QuoteSide.Mint, 0.5m);
        var taken = await Assert.ThrowsAsync<SharemintApiException>(() =>
            client.Orders.MintAsync(second.QuoteId, "ethereum", PlatformFixture.Wallet, idempotencyKey: "e2e-mint-2", clientReference: "desk-42"));
        Assert.Equal("client_reference_conflict", taken.Code);
        Assert.Equal(150_000_000, (await client.Assets.GetAsync("TSLAx")).Value.IssuedUnits);
        Assert.Equal(cashBefore - quote.Total, (await client.Account.GetAsync()).Value.CashBalance);

        // The limits view counts the mint against the day and knows the chain's decimals and dust.
        var limits = (await client.Account.GetLimitsAsync("TSLAx")).Value;
        Assert.Equal(limits.MaxDailyCash - quote.Total, limits.RemainingToday);
        var ethereum = Assert.Single(limits.Chains, c => c.Chain == "ethereum");
        Assert.Equal(18, ethereum.Decimals);
        Assert.Equal(0.00000001m, ethereum.AmountStep);
        Assert.Equal("10000000000", ethereum.BaseUnitsPerStep);
        Assert.Contains(await client.Orders.GetOrdersAsync().ToListAsync(), o => o.OrderId == order.OrderId && o.Status == OrderStatus.Settled);

        // The chain itself now holds the supply: a fresh reconciliation reads it and signs it.
        using var adminHttp = platform.Silo.CreateHttpClient();
        var admin = new SharemintAdminClient(adminHttp, new SharemintClientOptions { KeyId = PlatformFixture.AdminKeyId, Secret = platform.AdminSecret });
        await admin.ReconcileAsync("TSLAx");
        var verified = await client.Reserves.VerifyAsync("TSLAx");
        Assert.True(verified.IsValid, verified.Reason);
        Assert.Equal(1.5m, verified.Attestation.Report.OnChainTotal);
        Assert.True(verified.Attestation.Report.Balanced);

        // Another partner cannot see the order: 404, exactly as for an id that does not exist.
        var otherId = "partner-" + Guid.NewGuid().ToString("N")[..8];
        await admin.OnboardPartnerAsync(new PartnerOnboarding(otherId, "Other Exchange", "FR"));
        var otherKey = (await admin.CreatePartnerKeyAsync(otherId)).Value;
        using var otherHttp = platform.Silo.CreateHttpClient();
        var other = new SharemintClient(otherHttp, new SharemintClientOptions { KeyId = otherKey.Key.KeyId, Secret = otherKey.Secret });
        var hidden = await Assert.ThrowsAsync<SharemintApiException>(() => other.Orders.GetAsync(order.OrderId));
        Assert.Equal("order_not_found", hidden.Code);
        var notCancellable = await Assert.ThrowsAsync<SharemintApiException>(() => other.Orders.CancelAsync(order.OrderId));
        Assert.Equal("order_not_found", notCancellable.Code);
        Assert.DoesNotContain(await other.Orders.GetOrdersAsync().ToListAsync(), o => o.OrderId == order.OrderId);
        Assert.Equal(order.OrderId, (await admin.GetOrderAsync(order.OrderId)).Value.OrderId);
    }
}
