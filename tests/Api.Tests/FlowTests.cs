using Sharemint.Fixtures;
using System.Net;
using System.Net.Http.Json;
using Sharemint.Client.Reserves;

namespace Sharemint.Api.Tests;

/// <summary>Prices, quotes, orders and reserves through the HTTP API against the real grains.</summary>
public sealed class FlowTests(ApiSilo api) : IClassFixture<ApiSilo>
{
    [Fact]
    public async Task Operator_sets_a_price_partner_gets_a_signed_quote_that_no_other_partner_can_see_or_use()
    {
        var price = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Put, "admin/v1/prices/TSLA", """{"price":250.125}"""));
        Assert.Equal(250.125m, price.GetProperty("price").GetAmount());

        var created = await api.PartnerAsync(HttpMethod.Post, "v1/quotes", """{"symbol":"TSLAx","side":"mint","amount":2.5}""", "quote-flow-1");
        var quote = await Problems.JsonAsync(created, HttpStatusCode.Created);
        var quoteId = quote.GetProperty("quoteId").GetString()!;
        Assert.Equal(250_000_000, quote.GetProperty("amountUnits").GetUnits());
        Assert.Equal(250.125m, quote.GetProperty("pricePerShare").GetAmount());
        Assert.True(quote.GetProperty("total").GetAmount() > quote.GetProperty("gross").GetAmount());
        Assert.False(string.IsNullOrEmpty(quote.GetProperty("signature").GetString()));

        // The same idempotency key names the same quote.
        Assert.False(created.Headers.Contains("Idempotent-Replayed"));
        var repeated = await api.PartnerAsync(HttpMethod.Post, "v1/quotes", """{"symbol":"TSLAx","side":"mint","amount":2.5}""", "quote-flow-1");
        var again = await Problems.JsonAsync(repeated, HttpStatusCode.Created);
        Assert.Equal(quoteId, again.GetProperty("quoteId").GetString());
        Assert.Equal("true", Assert.Single(repeated.Headers.GetValues("Idempotent-Replayed")));

        var other = await OtherPartnerAsync();
        using (var peek = ApiSilo.Signed(HttpMethod.Get, $"v1/quotes/{quoteId}", null, other.Id, other.Secret))
        {
            await Problems.AssertAsync(await api.Http.SendAsync(peek), HttpStatusCode.NotFound, "quote_not_found");
        }
        using (var steal = ApiSilo.Signed(HttpMethod.Post, "v1/orders/mint", $$"""{"quoteId":"{{quoteId}}","chain":"ethereum","wallet":"0x00000000000000000000000000000000000000aa"}""",
                   other.Id, other.Secret, idempotencyKey: "steal-1"))
        {
            await Problems.AssertAsync(await api.Http.SendAsync(steal), HttpStatusCode.NotFound, "quote_not_found");
        }
        Assert.Equal(quoteId, (await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Get, $"v1/quotes/{quoteId}"))).GetProperty("quoteId").GetString());
    }

    [Fact]
    public async Task A_refused_mint_is_a_typed_error_and_records_no_order()
    {
        await api.AdminAsync(HttpMethod.Put, "admin/v1/prices/NVDA", """{"price":180}""");
        var quote = await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Post, "v1/quotes", """{"symbol":"NVDAx","side":"mint","amount":1}""", "nv-1"), HttpStatusCode.Created);
        var body = $$"""{"quoteId":"{{quote.GetProperty("quoteId").GetString()}}","chain":"ethereum","wallet":"0x00000000000000000000000000000000000000aa","clientReference":"desk-7/nv-1"}""";

        // No deployment of NVDAx on ethereum in this silo: refused before anything is recorded.
        var refused = await api.PartnerAsync(HttpMethod.Post, "v1/orders/mint", body, "mint-nv-1");
        Assert.True(refused.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Forbidden or HttpStatusCode.UnprocessableEntity,
            $"unexpected {(int)refused.StatusCode}: {await refused.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);

        var orderId = SecurityTests.OrderIdFor("partner-demo", "mint-nv-1");
        await Problems.AssertAsync(await api.PartnerAsync(HttpMethod.Get, $"v1/orders/{orderId}"), HttpStatusCode.NotFound, "order_not_found");
        var listed = await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Get, "v1/orders"));
        Assert.DoesNotContain(listed.GetProperty("data").EnumerateArray(), o => o.GetProperty("orderId").GetString() == orderId);
        // The reference claimed for the refused order was given back: it names nothing.
        var byReference = await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Get, "v1/orders?client_reference=desk-7%2Fnv-1"));
        Assert.Empty(byReference.GetProperty("data").EnumerateArray());
        await using var data = Npgsql.NpgsqlDataSource.Create(api.ConnectionString);
        await using var count = data.CreateCommand("SELECT count(*) FROM order_client_references WHERE client_reference = 'desk-7/nv-1'");
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Reconcile_publishes_a_public_attestation_whose_signature_verifies()
    {
        await Problems.AssertAsync(await api.Http.GetAsync("v1/reserves/SPYx"), HttpStatusCode.NotFound, "attestation_not_found");

        var reconciled = await api.AdminAsync(HttpMethod.Post, "admin/v1/reserves/SPYx/reconcile");
        var attestation = await Problems.JsonAsync(reconciled);
        Assert.Equal("SPYx", attestation.GetProperty("report").GetProperty("symbol").GetString());

        var published = await api.Http.GetFromJsonAsync<ReserveAttestation>("v1/reserves/SPYx", Sharemint.Client.SharemintJson.Options);
        Assert.NotNull(published);
        var verification = ReservesClient.Verify(published, "SPYx");
        Assert.True(verification.IsValid, verification.Reason);

        var forged = published with { Payload = published.Payload.Replace("SPYx", "QQQx", StringComparison.Ordinal) };
        Assert.False(ReservesClient.Verify(forged).IsValid);

        var history = await Problems.JsonAsync(await api.Http.GetAsync("v1/reserves/SPYx/history?limit=5"));
        Assert.Equal(1, history.GetProperty("data").GetArrayLength());
        Assert.False(history.GetProperty("has_more").GetBoolean());
        await Problems.AssertAsync(await api.Http.GetAsync("v1/reserves/SPYx/history?limit=100000"), HttpStatusCode.BadRequest, "limit_invalid");
    }

    [Fact]
    public async Task Operators_onboard_allow_list_sanction_and_credit()
    {
        var id = "partner-" + Guid.NewGuid().ToString("N")[..8];
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/partners", $$"""{"accountId":"{{id}}","displayName":"Flow Exchange","jurisdiction":"SG","tier":"premium"}"""), HttpStatusCode.Created);
        var kyc = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{id}/kyc", """{"status":"approved"}"""));
        Assert.Equal("approved", kyc.GetProperty("kyc").GetString());
        Assert.Equal("premium", kyc.GetProperty("tier").GetString());

        const string wallet = "0x00000000000000000000000000000000000000bb";
        var allowed = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{id}/wallets", $$"""{"chain":"base","address":"{{wallet}}"}"""));
        Assert.Contains(allowed.GetProperty("wallets").EnumerateArray(), w => w.GetProperty("address").GetString() == wallet);
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{id}/wallets", """{"chain":"base","address":"0x12"}"""),
            HttpStatusCode.BadRequest, "address_invalid");

        const string bad = "0x00000000000000000000000000000000000000cc";
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/sanctions", $$"""{"chain":"base","address":"{{bad}}","reason":"OFAC SDN"}"""));
        var list = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/sanctions"));
        Assert.Contains(list.GetProperty("data").EnumerateArray(), s => s.GetProperty("address").GetString() == bad);
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{id}/wallets", $$"""{"chain":"base","address":"{{bad}}"}"""),
            HttpStatusCode.Forbidden, "address_sanctioned");
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/sanctions/remove", $$"""{"chain":"base","address":"{{bad}}"}"""));
        Assert.DoesNotContain((await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/sanctions"))).GetProperty("data").EnumerateArray(), s => s.GetProperty("address").GetString() == bad);

        var removed = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{id}/wallets/remove", $$"""{"chain":"base","address":"{{wallet}}"}"""));
        Assert.Equal(0, removed.GetProperty("wallets").GetArrayLength());

        var credited = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{id}/cash", """{"amount":5000}""", "wire-1"));
        Assert.Equal(5000m, credited.GetProperty("cashBalance").GetAmount());
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/partners/partner-nobody"), HttpStatusCode.NotFound, "account_not_found");
    }

    private async Task<(string Id, string Secret)> OtherPartnerAsync()
    {
        var id = "partner-" + Guid.NewGuid().ToString("N")[..8];
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/partners", $$"""{"accountId":"{{id}}","displayName":"Other","jurisdiction":"FR"}"""), HttpStatusCode.Created);
        var issued = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{id}/keys"), HttpStatusCode.Created);
        return (issued.GetProperty("key").GetProperty("keyId").GetString()!, issued.GetProperty("secret").GetString()!);
    }
}
