using System.Net;
using System.Text.Json;
using Sharemint.Client;
using Sharemint.Client.Admin;
using Sharemint.Client.Quotes;
using Sharemint.Fixtures;

namespace Sharemint.Api.Tests;

/// <summary>
/// What a JavaScript partner reads: exact amounts as strings, one enum casing, and every remaining list paged by a keyset
/// cursor that refuses what it did not issue.
/// </summary>
public sealed class ResponseShapeTests(ApiSilo api) : IClassFixture<ApiSilo>
{
    [Fact]
    public async Task Amounts_are_exact_strings_and_enums_lower_snake_case_and_the_sdk_reads_them_at_8_decimals()
    {
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Put, "admin/v1/prices/NVDA", """{"price":"180.1"}"""));
        var created = await api.PartnerAsync(HttpMethod.Post, "v1/quotes", """{"symbol":"NVDAx","side":"mint","amount":"1.23456789"}""", "shape-quote-1");
        var raw = await created.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var quote = JsonDocument.Parse(raw).RootElement;
        // Shortest exact text: no exponent, no trailing zeros.
        Assert.Equal("1.23456789", quote.GetProperty("amount").GetString());
        Assert.Equal("123456789", quote.GetProperty("amountUnits").GetString());
        Assert.Equal("180.1", quote.GetProperty("pricePerShare").GetString());
        Assert.Equal("mint", quote.GetProperty("side").GetString());
        foreach (var field in new[] { "multiplier", "shares", "gross", "fee", "total" })
        {
            var text = quote.GetProperty(field).GetString()!;
            Assert.Matches("^-?(0|[1-9][0-9]*)(\\.[0-9]*[1-9])?$", text);
        }

        var account = await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Get, "v1/account"));
        Assert.Equal(JsonValueKind.String, account.GetProperty("cashBalance").ValueKind);
        Assert.Equal("approved", account.GetProperty("kyc").GetString());
        var asset = await Problems.JsonAsync(await api.Http.GetAsync("v1/assets/NVDAx"));
        Assert.Equal(JsonValueKind.String, asset.GetProperty("issuedUnits").ValueKind);
        Assert.Equal("active", asset.GetProperty("status").GetString());

        // The remaining clients answer Response<T>: the value, the status and the request id the silo stamped.
        var accountResponse = await Partner().Account.GetAsync();
        Assert.Equal(200, accountResponse.Status);
        Assert.Equal(account.GetProperty("cashBalance").GetAmount(), accountResponse.Value.CashBalance);
        Assert.False(string.IsNullOrEmpty(accountResponse.RequestId));
        var assetResponse = await Partner().Assets.GetAsync("NVDAx");
        Assert.Equal("active", assetResponse.Value.Status);
        Assert.NotEqual(accountResponse.RequestId, assetResponse.RequestId);
        Assert.Equal(200, (await Partner().Keys.GetSelfAsync()).Status);
        var refused = await api.AdminAsync(HttpMethod.Get, "admin/v1/keys?limit=501");
        Assert.False(string.IsNullOrEmpty(Assert.Single(refused.Headers.GetValues("X-Request-Id"))));

        // The SDK's public types keep decimal and read every digit.
        var sdk = Partner().Quotes;
        Quote read = await sdk.GetAsync(quote.GetProperty("quoteId").GetString()!);
        Assert.Equal(1.23456789m, read.Amount);
        Assert.Equal(123_456_789, read.AmountUnits);
        Assert.Equal(quote.GetProperty("total").GetAmount(), read.Total);
    }

    [Fact]
    public async Task Admin_lists_page_by_keyset_each_row_once_and_refuse_bad_cursors()
    {
        var ids = Enumerable.Range(0, 7).Select(i => $"page-partner-{i:00}").ToList();
        foreach (var id in ids)
        {
            await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/partners", $$"""{"accountId":"{{id}}","displayName":"Paged","jurisdiction":"DE"}"""),
                HttpStatusCode.Created);
        }

        // By hand: pages of 3 in account-id order, each partner once, has_more false and no cursor on the last page.
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/partners?limit=3" + (cursor is null ? "" : "&cursor=" + cursor)));
            var data = page.GetProperty("data").EnumerateArray().Select(p => p.GetProperty("accountId").GetString()!).ToList();
            Assert.InRange(data.Count, 1, 3);
            seen.AddRange(data);
            cursor = page.GetProperty("next_cursor").GetString();
            Assert.Equal(cursor is not null, page.GetProperty("has_more").GetBoolean());
            pages++;
        }
        while (cursor is not null);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Superset(ids.ToHashSet(), seen.ToHashSet());
        Assert.Equal((seen.Count + 2) / 3, pages);

        // Through the SDK: the same rows, page by page.
        var admin = Admin();
        var sdkPages = await admin.GetPartnersAsync().AsPages(pageSizeHint: 2).ToListAsync();
        Assert.Equal(seen, sdkPages.SelectMany(p => p.Values).Select(p => p.AccountId));
        Assert.All(sdkPages.SkipLast(1), p => Assert.Equal(2, p.Values.Count));
        Assert.Equal(200, sdkPages[0].RawResponse.Status);

        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/sanctions", """{"chain":"base","address":"0x00000000000000000000000000000000000000d1","reason":"test"}"""));
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/sanctions", """{"chain":"base","address":"0x00000000000000000000000000000000000000d2","reason":"test"}"""));
        var sanctions = await admin.GetSanctionsAsync().AsPages(pageSizeHint: 1).ToListAsync();
        Assert.True(sanctions.Count >= 2);
        var addresses = sanctions.SelectMany(p => p.Values).Select(s => s.Chain + "\n" + s.Address).ToList();
        Assert.Equal(addresses.Order(StringComparer.Ordinal), addresses);
        Assert.Equal(addresses.Distinct().Count(), addresses.Count);

        var keys = await admin.GetKeysAsync().AsPages(pageSizeHint: 1).ToListAsync();
        Assert.Contains(keys.SelectMany(p => p.Values), k => k.KeyId == ApiSilo.AdminKeyId);
        var assets = await admin.GetAssetsAsync().ToListAsync();
        Assert.Equal(assets.Select(a => a.Symbol).Order(StringComparer.Ordinal), assets.Select(a => a.Symbol));
        Assert.Contains(assets, a => a.Symbol == "NVDAx");

        // Cursors: garbage, another listing's, and unknown parameters are refused with stable codes.
        var sanctionsCursor = (await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/sanctions?limit=1"))).GetProperty("next_cursor").GetString();
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/partners?cursor=" + sanctionsCursor), HttpStatusCode.BadRequest, "cursor_invalid");
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/partners?cursor=not*a*cursor"), HttpStatusCode.BadRequest, "cursor_invalid");
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/keys?limit=0"), HttpStatusCode.BadRequest, "limit_invalid");
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Get, "admin/v1/sanctions?chian=base"), HttpStatusCode.BadRequest, "filter_unknown");
        await Problems.AssertAsync(await api.Http.GetAsync("v1/reserves/NVDAx/history?cursor=" + sanctionsCursor), HttpStatusCode.BadRequest, "cursor_invalid");
    }

    private SharemintClient Partner() =>
        new(api.Silo.CreateHttpClient(), new SharemintClientOptions { KeyId = ApiSilo.DemoKeyId, Secret = api.DemoSecret, MaxRetries = 8 });

    private SharemintAdminClient Admin() =>
        new(api.Silo.CreateHttpClient(), new SharemintClientOptions { KeyId = ApiSilo.AdminKeyId, Secret = api.AdminSecret, MaxRetries = 8 });
}
