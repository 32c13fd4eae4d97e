using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Sharemint.Api.Tests;

/// <summary>Delisting through the admin API on a real silo: a redemption-only window, then the asset is closed.</summary>
public sealed class DelistTests(ApiSilo api) : IClassFixture<ApiSilo>
{
    private const string Symbol = "AMDx";

    [Fact]
    public async Task Delisting_allows_only_redemptions_until_the_window_ends_then_refuses_everything()
    {
        // AMDx is in the demo catalogue, used by no other test of this silo.
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Put, "admin/v1/prices/AMD", """{"price":150}"""));
        await Problems.JsonAsync(await QuoteAsync("mint"), HttpStatusCode.Created);

        // Bad input is refused and changes nothing.
        await Problems.AssertAsync(await DelistAsync("{}"), HttpStatusCode.BadRequest, "field_required");
        await Problems.AssertAsync(await DelistAsync(Body(DateTimeOffset.UtcNow.AddMinutes(-1))), HttpStatusCode.BadRequest, "invalid_argument");
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/assets/NOPEx/delist", Body(DateTimeOffset.UtcNow.AddMinutes(1)), "delist-nope"),
            HttpStatusCode.NotFound, "asset_not_found");
        Assert.Equal("active", (await AssetAsync()).GetProperty("status").GetString());

        var until = DateTimeOffset.UtcNow.AddSeconds(8);
        var delisting = await Problems.JsonAsync(await DelistAsync(Body(until)));
        Assert.Equal("delisting", delisting.GetProperty("status").GetString());
        Assert.Equal(until.UtcTicks / 10_000, delisting.GetProperty("redeemUntil").GetDateTimeOffset().UtcTicks / 10_000);
        // The same time again (another request) changes nothing; another time, a pause or a resume is refused.
        Assert.Equal("delisting", (await Problems.JsonAsync(await DelistAsync(Body(until)))).GetProperty("status").GetString());
        await Problems.AssertAsync(await DelistAsync(Body(until.AddDays(1))), HttpStatusCode.UnprocessableEntity, "asset_delisting");
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/assets/{Symbol}/resume", null, "delist-resume"),
            HttpStatusCode.UnprocessableEntity, "asset_delisting");

        // Inside the window: no mint, redemptions still priced.
        await Problems.AssertAsync(await QuoteAsync("mint"), HttpStatusCode.UnprocessableEntity, "asset_delisting");
        await Problems.JsonAsync(await QuoteAsync("redeem"), HttpStatusCode.Created);

        var closed = await WaitForStatusAsync("delisted", until.AddSeconds(30));
        Assert.Equal(until.UtcTicks / 10_000, closed.GetProperty("redeemUntil").GetDateTimeOffset().UtcTicks / 10_000);
        await Problems.AssertAsync(await QuoteAsync("redeem"), HttpStatusCode.UnprocessableEntity, "asset_delisted");
        await Problems.AssertAsync(await QuoteAsync("mint"), HttpStatusCode.UnprocessableEntity, "asset_delisted");
        await Problems.AssertAsync(await DelistAsync(Body(DateTimeOffset.UtcNow.AddDays(1))), HttpStatusCode.UnprocessableEntity, "asset_delisted");
        await Problems.AssertAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/assets/{Symbol}/pause", """{"scope":"all"}""", "delist-pause"),
            HttpStatusCode.UnprocessableEntity, "asset_delisted");
        Assert.Equal("delisted", (await AssetAsync()).GetProperty("status").GetString());
    }

    private static string Body(DateTimeOffset until) =>
        $$"""{"redeemUntil":"{{until.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)}}"}""";

    private Task<HttpResponseMessage> DelistAsync(string body) =>
        api.AdminAsync(HttpMethod.Post, $"admin/v1/assets/{Symbol}/delist", body, $"delist-{Guid.NewGuid():N}");

    private Task<HttpResponseMessage> QuoteAsync(string side) =>
        api.PartnerAsync(HttpMethod.Post, "v1/quotes", $$"""{"symbol":"{{Symbol}}","side":"{{side}}","amount":1}""", $"delist-quote-{Guid.NewGuid():N}");

    private async Task<JsonElement> AssetAsync() => await Problems.JsonAsync(await api.PartnerAsync(HttpMethod.Get, $"v1/assets/{Symbol}"));

    private async Task<JsonElement> WaitForStatusAsync(string status, DateTimeOffset deadline)
    {
        while (true)
        {
            var asset = await AssetAsync();
            if (asset.GetProperty("status").GetString() == status)
            {
                return asset;
            }
            Assert.True(DateTimeOffset.UtcNow < deadline, $"{Symbol} still {asset.GetProperty("status").GetString()}, expected {status}");
            await Task.Delay(250);
        }
    }
}
