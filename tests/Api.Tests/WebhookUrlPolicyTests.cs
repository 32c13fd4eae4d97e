using System.Net;
using Microsoft.Extensions.Options;
using Sharemint.Silo.Webhooks;

namespace Sharemint.Api.Tests;

/// <summary>
/// Webhook URLs in production mode (no AllowPrivateNetworks): https only, and never an address inside a network (loopback,
/// private, link-local, metadata), whether written as a literal, hidden in an IPv6 form, or behind a name.
/// </summary>
public sealed class WebhookUrlPolicyTests(ApiSilo platform) : IClassFixture<ApiSilo>
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.255.0.9", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "metadata")]
    [InlineData("169.254.10.1", "link-local")]
    [InlineData("100.64.0.1", "shared (carrier-grade NAT)")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd00:ec2::254", "private (unique local)")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("64:ff9b::a9fe:a9fe", "NAT64 of a metadata address")]
    [InlineData("2002:c0a8:0101::1", "6to4 of a private address")]
    [InlineData("::7f00:1", "IPv4-compatible")]
    public void Addresses_inside_a_network_are_not_public(string address, string reason) =>
        Assert.Equal(reason, WebhookAddressPolicy.NonPublicReason(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("64:ff9b::808:808")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.Null(WebhookAddressPolicy.NonPublicReason(IPAddress.Parse(address)));

    [Fact]
    public async Task A_name_is_judged_by_every_address_it_resolves_to()
    {
        var names = new Dictionary<string, IPAddress[]>
        {
            ["hooks.public.test"] = [IPAddress.Parse("8.8.4.4"), IPAddress.Parse("2606:4700::1")],
            ["hooks.mixed.test"] = [IPAddress.Parse("8.8.4.4"), IPAddress.Parse("10.0.0.8")],
        };
        var check = new WebhookTargetCheck(Options.Create(new WebhookOptions()), (host, _) =>
            names.TryGetValue(host, out var found) ? Task.FromResult(found) : Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException(11001)));
        Assert.Null(await check.RefusalAsync(new Uri("https://hooks.public.test/x"), default));
        Assert.Equal("the host 'hooks.mixed.test' resolves to 10.0.0.8, a private address", await check.RefusalAsync(new Uri("https://hooks.mixed.test/x"), default));
        // Not resolvable yet: accepted now, checked again by every delivery.
        Assert.Null(await check.RefusalAsync(new Uri("https://hooks.later.test/x"), default));
        await Assert.ThrowsAsync<WebhookTargetRefusedException>(() => check.ResolveForDeliveryAsync("hooks.mixed.test", default));
        Assert.Equal(2, (await check.ResolveForDeliveryAsync("hooks.public.test", default)).Length);

        // A resolver that never answers does not hold the registration beyond its timeout.
        var silent = new WebhookTargetCheck(Options.Create(new WebhookOptions()), async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return [];
        });
        Assert.Null(await silent.RefusalAsync(new Uri("https://hooks.silent.test/x"), default).WaitAsync(TimeSpan.FromSeconds(30)));

        var permissive = new WebhookTargetCheck(Options.Create(new WebhookOptions { AllowPrivateNetworks = true }), (_, _) => Task.FromResult(new[] { IPAddress.Loopback }));
        Assert.Null(await permissive.RefusalAsync(new Uri("https://hooks.mixed.test/x"), default));
        Assert.Equal([IPAddress.Loopback], await permissive.ResolveForDeliveryAsync("hooks.local.test", default));
    }

    [Fact]
    public async Task The_api_refuses_plain_http_and_private_targets_and_registers_nothing()
    {
        var before = await Problems.JsonAsync(await platform.PartnerAsync(HttpMethod.Get, "v1/webhooks/endpoints"));
        string[] invalid = ["http://hooks.example.com/sharemint", "http://127.0.0.1:8080/hooks"];
        foreach (var url in invalid)
        {
            await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Post, "v1/webhooks/endpoints",
                $$"""{"url":"{{url}}","eventTypes":["order.settled"]}"""), HttpStatusCode.BadRequest, "webhook_url_invalid");
        }
        string[] inside = ["https://127.0.0.1/hooks", "https://localhost:8443/hooks", "https://api.localhost/x", "https://169.254.169.254/latest/meta-data",
            "https://metadata.google.internal/computeMetadata/v1", "https://[::1]/x", "https://[::ffff:192.168.0.10]/x", "https://10.0.0.1/x", "https://[fd00:ec2::254]/x"];
        foreach (var url in inside)
        {
            var problem = await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Post, "v1/webhooks/endpoints",
                $$"""{"url":"{{url}}","eventTypes":["order.settled"]}"""), HttpStatusCode.BadRequest, "webhook_url_private");
            Assert.Contains("public address", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        // Operators registering for a partner are held to the same rule.
        await Problems.AssertAsync(await platform.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{DemoAccount}/webhooks/endpoints",
            """{"url":"https://192.168.1.20/x","eventTypes":["order.settled"]}"""), HttpStatusCode.BadRequest, "webhook_url_private");

        var after = await Problems.JsonAsync(await platform.PartnerAsync(HttpMethod.Get, "v1/webhooks/endpoints"));
        Assert.Equal(before.GetRawText(), after.GetRawText());

        // A public literal is accepted.
        var created = await Problems.JsonAsync(await platform.PartnerAsync(HttpMethod.Post, "v1/webhooks/endpoints",
            """{"url":"https://203.0.114.9/hooks","eventTypes":["order.settled"]}"""), HttpStatusCode.Created);
        Assert.Equal("https://203.0.114.9/hooks", created.GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await platform.PartnerAsync(HttpMethod.Delete, $"v1/webhooks/endpoints/{created.GetProperty("endpointId").GetString()}")).StatusCode);
    }

    private const string DemoAccount = "partner-demo";
}
