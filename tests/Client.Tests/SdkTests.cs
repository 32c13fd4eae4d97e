using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Sharemint.Client.Admin;
using Sharemint.Client.Orders;
using Sharemint.Client.Quotes;
using Sharemint.Fixtures;

namespace Sharemint.Client.Tests;

/// <summary>One real silo process for the class, on its own PostgreSQL, with an admin key and the demo partner's key.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    public const string AdminKeyId = "ok_sdk_admin";
    public const string DemoKeyId = "pk_sdk_demo";

    private PostgresServer? _postgres;

    public string AdminSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public string DemoSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        Silo = await SiloProcess.StartAsync(await _postgres.CreateMigratedDatabaseAsync("sdk"), extraEnvironment: new Dictionary<string, string>
        {
            ["Sharemint__Api__SecretEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Sharemint__Api__BootstrapAdminKeyId"] = AdminKeyId,
            ["Sharemint__Api__BootstrapAdminSecret"] = AdminSecret,
            ["Sharemint__Api__DemoPartnerKeyId"] = DemoKeyId,
            ["Sharemint__Api__DemoPartnerSecret"] = DemoSecret,
            ["Sharemint__Market__Hours"] = "always",
        });
    }

    public SharemintClient Partner(string keyId, string secret, HttpMessageHandler? handler = null) =>
        new(handler is null ? Silo.CreateHttpClient() : new HttpClient(handler) { BaseAddress = Silo.BaseAddress },
            new SharemintClientOptions { KeyId = keyId, Secret = secret, RetryDelay = TimeSpan.FromMilliseconds(50) });

    public SharemintAdminClient Admin(HttpMessageHandler? handler = null) =>
        new(handler is null ? Silo.CreateHttpClient() : new HttpClient(handler) { BaseAddress = Silo.BaseAddress },
            new SharemintClientOptions { KeyId = AdminKeyId, Secret = AdminSecret, RetryDelay = TimeSpan.FromMilliseconds(50) });

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}

/// <summary>The SDK against a real silo over loopback.</summary>
public sealed class SdkTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Fact]
    public async Task Lists_and_reads_assets_without_a_key()
    {
        using var http = fixture.Silo.CreateHttpClient();
        var client = new SharemintClient(http);

        var assets = (await client.Assets.ListAsync()).Value;
        Assert.Equal(DemoCatalogueFile.Symbols.Count, assets.Count);
        var tesla = (await client.Assets.GetAsync("TSLAx")).Value;
        Assert.Equal("TSLA", tesla.UnderlyingTicker);
        Assert.Equal("US88160R1014", tesla.Isin);
        Assert.Equal(1m, tesla.Multiplier);
        Assert.Equal(0, tesla.IssuedUnits);
    }

    [Fact]
    public async Task Registered_through_dependency_injection_it_signs_as_the_partner()
    {
        var services = new ServiceCollection();
        services.AddSharemintClient(o =>
        {
            o.BaseAddress = fixture.Silo.BaseAddress;
            o.KeyId = SiloFixture.DemoKeyId;
            o.Secret = fixture.DemoSecret;
        });
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<SharemintClient>();

        var account = (await client.Account.GetAsync()).Value;
        Assert.Equal("partner-demo", account.AccountId);
        Assert.Equal("approved", account.Kyc);
        Assert.True(account.CashBalance >= 1_000_000m);
        // Many calls in a row: every one is signed afresh, so none is taken for a replay.
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("partner-demo", (await client.Account.GetAsync()).Value.AccountId);
        }
    }

    [Fact]
    public async Task Errors_are_typed_with_the_api_code()
    {
        using var http = fixture.Silo.CreateHttpClient();
        var error = await Assert.ThrowsAsync<SharemintApiException>(() => new SharemintClient(http).Assets.GetAsync("NOPEx"));
        Assert.Equal("asset_not_found", error.Code);
        Assert.Equal(HttpStatusCode.NotFound, error.Status);

        var wrong = fixture.Partner(SiloFixture.DemoKeyId, "sk_wrong_secret_wrong_secret");
        var unauthorized = await Assert.ThrowsAsync<SharemintApiException>(() => wrong.Account.GetAsync());
        Assert.Equal("signature_invalid", unauthorized.Code);

        var partner = fixture.Partner(SiloFixture.DemoKeyId, fixture.DemoSecret);
        var dust = await Assert.ThrowsAsync<SharemintApiException>(() => partner.Quotes.CreateAsync("TSLAx", QuoteSide.Mint, 0.000000001m));
        Assert.Equal("amount_has_dust", dust.Code);
        var missing = await Assert.ThrowsAsync<SharemintApiException>(() => partner.Orders.GetAsync("ord_00000000000000000000000000"));
        Assert.Equal("order_not_found", missing.Code);
    }

    [Fact]
    public void Requires_a_base_address_and_a_whole_key()
    {
        using var http = new HttpClient();
        Assert.Throws<ArgumentException>(() => new SharemintClient(http));
        using var rooted = new HttpClient { BaseAddress = new Uri("http://127.0.0.1:1/") };
        Assert.Throws<ArgumentException>(() => new SharemintClient(rooted, new SharemintClientOptions { KeyId = "pk_x" }));
    }

    [Fact]
    public async Task Quotes_are_signed_prices_and_a_retried_create_is_the_same_quote()
    {
        var admin = fixture.Admin();
        await admin.SetPriceAsync("AAPL", 200.10m);
        var partner = fixture.Partner(SiloFixture.DemoKeyId, fixture.DemoSecret);

        var created = await partner.Quotes.CreateAsync("AAPLx", QuoteSide.Mint, 3m, idempotencyKey: "sdk-quote-1");
        Assert.Equal(201, created.Status);
        Assert.False(created.IsReplay);
        var quote = created.Value;
        Assert.Equal(300_000_000, quote.AmountUnits);
        Assert.Equal(200.10m, quote.PricePerShare);
        Assert.Equal(quote.Gross + quote.Fee, quote.Total);
        Assert.True(quote.ExpiresAt > quote.CreatedAt);
        var replayed = await partner.Quotes.CreateAsync("AAPLx", QuoteSide.Mint, 3m, idempotencyKey: "sdk-quote-1");
        Assert.Equal(quote.QuoteId, replayed.Value.QuoteId);
        Assert.True(replayed.IsReplay);
        Assert.NotEqual(quote.QuoteId, (await partner.Quotes.CreateAsync("AAPLx", QuoteSide.Mint, 3m)).Value.QuoteId);
    }

    [Fact]
    public async Task A_lost_response_is_retried_under_the_same_idempotency_key_and_credits_once()
    {
        var admin = fixture.Admin();
        var id = "partner-" + Guid.NewGuid().ToString("N")[..8];
        await admin.OnboardPartnerAsync(new PartnerOnboarding(id, "Retry Exchange", "CH"));

        // The first attempt reaches the silo and is applied, but its answer is lost on the way back.
        using var lossy = new LoseFirstResponse(new SocketsHttpHandler());
        var flaky = fixture.Admin(lossy);
        var account = (await flaky.CreditCashAsync(id, 1234.56m)).Value;
        Assert.Equal(2, lossy.Attempts);
        Assert.Equal(1234.56m, account.CashBalance);
        Assert.Equal(1234.56m, (await admin.GetPartnerAsync(id)).Value.CashBalance);
    }

    [Fact]
    public async Task Partner_keys_issued_by_the_admin_client_work_and_stop_working_when_revoked()
    {
        var admin = fixture.Admin();
        var id = "partner-" + Guid.NewGuid().ToString("N")[..8];
        await admin.OnboardPartnerAsync(new PartnerOnboarding(id, "Key Exchange", "JP", Tier: "institutional"));
        await admin.SetKycAsync(id, "approved");
        await admin.AllowWalletAsync(id, "solana", "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T");
        var issued = (await admin.CreatePartnerKeyAsync(id, "sdk test")).Value;

        var partner = fixture.Partner(issued.Key.KeyId, issued.Secret);
        var account = (await partner.Account.GetAsync()).Value;
        Assert.Equal(id, account.AccountId);
        Assert.Equal("institutional", account.Tier);
        Assert.Single(account.Wallets);
        Assert.Contains(await admin.GetPartnerKeysAsync(id).ToListAsync(), k => k.KeyId == issued.Key.KeyId && k.RevokedAt is null);

        await admin.RevokeKeyAsync(issued.Key.KeyId);
        var refused = await Assert.ThrowsAsync<SharemintApiException>(() => partner.Account.GetAsync());
        Assert.Equal("signature_invalid", refused.Code);
    }

    [Fact]
    public async Task Reserves_attestations_verify_and_forgeries_do_not()
    {
        var admin = fixture.Admin();
        await admin.ReconcileAsync("METAx");
        using var http = fixture.Silo.CreateHttpClient();
        var reserves = new SharemintClient(http).Reserves;

        var verified = await reserves.VerifyAsync("METAx");
        Assert.True(verified.IsValid, verified.Reason);
        Assert.Equal("METAx", verified.Attestation.Report.Symbol);
        Assert.True(verified.Attestation.Report.Sequence >= 1);

        Assert.True((await reserves.VerifyAsync("METAx", trustedPublicKey: verified.Attestation.PublicKey)).IsValid);
        var stranger = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Assert.False((await reserves.VerifyAsync("METAx", trustedPublicKey: stranger)).IsValid);

        var attestation = verified.Attestation;
        var tampered = attestation with { Payload = attestation.Payload.Replace("\"sequence\":", "\"sequence\": ", StringComparison.Ordinal) };
        Assert.False(Reserves.ReservesClient.Verify(tampered).IsValid);
        var resigned = attestation with { Signature = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)) };
        Assert.False(Reserves.ReservesClient.Verify(resigned).IsValid);
        Assert.False(Reserves.ReservesClient.Verify(attestation, expectedSymbol: "TSLAx").IsValid);

        var missing = await Assert.ThrowsAsync<SharemintApiException>(() => reserves.GetAsync("HOODx"));
        Assert.Equal("attestation_not_found", missing.Code);
    }

    [Fact]
    public async Task Waiting_for_an_unknown_order_is_a_typed_error_not_a_hang()
    {
        var partner = fixture.Partner(SiloFixture.DemoKeyId, fixture.DemoSecret);
        var error = await Assert.ThrowsAsync<SharemintApiException>(() =>
            partner.Orders.WaitUntilCompletedAsync("ord_11111111111111111111111111", new OrderWaitOptions { Timeout = TimeSpan.FromSeconds(5) }));
        Assert.Equal("order_not_found", error.Code);
    }

    /// <summary>Passes every request to the silo but drops the first answer, as a dropped connection would.</summary>
    private sealed class LoseFirstResponse(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private int _attempts;

        public int Attempts => _attempts;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (Interlocked.Increment(ref _attempts) == 1)
            {
                response.Dispose();
                throw new HttpRequestException("connection reset after the request was sent");
            }
            return response;
        }
    }
}
