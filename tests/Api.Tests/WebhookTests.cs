using System.Net;
using Sharemint.Client;
using Sharemint.Client.Orders;
using Sharemint.Client.Quotes;
using Sharemint.Client.Webhooks;
using Sharemint.Fixtures;

namespace Sharemint.Api.Tests;

/// <summary>
/// Webhooks against a real silo that mints on anvil, delivered to a real HTTP receiver: signed, in order per order,
/// once per event id across a receiver that is down and a silo that is killed; bad input refused with problem codes.
/// </summary>
public sealed class WebhookTests(WebhookSilo platform) : IClassFixture<WebhookSilo>
{
    private static readonly string[] OrderOutcomes = [WebhookEventTypes.OrderAccepted, WebhookEventTypes.OrderSettled, WebhookEventTypes.OrderFailed];

    [Fact]
    public async Task Bad_webhook_input_is_refused_with_problem_codes_and_changes_nothing()
    {
        var before = await Problems.JsonAsync(await platform.PartnerAsync(HttpMethod.Get, "v1/webhooks/endpoints"));

        // (Plain http and private addresses are refused without AllowPrivateNetworks: WebhookUrlPolicyTests.)
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Post, "v1/webhooks/endpoints",
            """{"url":"ftp://hooks.example.com/x","eventTypes":["order.settled"]}"""), HttpStatusCode.BadRequest, "webhook_url_invalid");
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Post, "v1/webhooks/endpoints",
            """{"url":"/relative","eventTypes":["order.settled"]}"""), HttpStatusCode.BadRequest, "webhook_url_invalid");
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Post, "v1/webhooks/endpoints",
            """{"url":"https://user:pw@hooks.example.com/x","eventTypes":["order.settled"]}"""), HttpStatusCode.BadRequest, "webhook_url_invalid");
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Post, "v1/webhooks/endpoints",
            """{"url":"https://hooks.example.com/x","eventTypes":["order.exploded"]}"""), HttpStatusCode.BadRequest, "webhook_event_type_invalid");
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Post, "v1/webhooks/endpoints",
            """{"url":"https://hooks.example.com/x","eventTypes":[]}"""), HttpStatusCode.BadRequest, "webhook_event_type_invalid");

        // Another partner's endpoint, registered by an operator: invisible and untouchable for the demo partner.
        const string other = "partner-webhook-other";
        await Problems.JsonAsync(await platform.AdminAsync(HttpMethod.Post, "admin/v1/partners",
            $$"""{"accountId":"{{other}}","displayName":"Other Exchange","jurisdiction":"SG"}"""), HttpStatusCode.Created);
        var foreign = await Problems.JsonAsync(await platform.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{other}/webhooks/endpoints",
            """{"url":"https://hooks.other.example/x","eventTypes":["order.settled"]}"""), HttpStatusCode.Created);
        var foreignId = foreign.GetProperty("endpointId").GetString()!;
        Assert.StartsWith("whsec_", foreign.GetProperty("secret").GetString(), StringComparison.Ordinal);
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Get, $"v1/webhooks/endpoints/{foreignId}"), HttpStatusCode.NotFound, "webhook_endpoint_not_found");
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Delete, $"v1/webhooks/endpoints/{foreignId}"), HttpStatusCode.NotFound, "webhook_endpoint_not_found");
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Post, $"v1/webhooks/endpoints/{foreignId}/rotate", "{}"), HttpStatusCode.NotFound, "webhook_endpoint_not_found");
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Get, "v1/webhooks/endpoints/we_nonsense"), HttpStatusCode.NotFound, "webhook_endpoint_not_found");
        await Problems.AssertAsync(await platform.AdminAsync(HttpMethod.Post, "admin/v1/partners/partner-nobody/webhooks/endpoints",
            """{"url":"https://hooks.example.com/x","eventTypes":["order.settled"]}"""), HttpStatusCode.NotFound, "account_not_found");

        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Get, "v1/webhooks/events?after=abc"), HttpStatusCode.BadRequest, "cursor_invalid");
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Get, "v1/webhooks/events?type=order.exploded"), HttpStatusCode.BadRequest, "webhook_event_type_invalid");
        await Problems.AssertAsync(await platform.PartnerAsync(HttpMethod.Post, $"v1/webhooks/events/evt_{new string('0', 26)}/replay", "{}"),
            HttpStatusCode.NotFound, "webhook_event_not_found");

        // The foreign endpoint is still there, and the demo partner's list did not change.
        var stillThere = await Problems.JsonAsync(await platform.AdminAsync(HttpMethod.Get, $"admin/v1/partners/{other}/webhooks/endpoints/{foreignId}"));
        Assert.Equal("https://hooks.other.example/x", stillThere.GetProperty("url").GetString());
        var after = await Problems.JsonAsync(await platform.PartnerAsync(HttpMethod.Get, "v1/webhooks/endpoints"));
        Assert.Equal(before.GetRawText(), after.GetRawText());
    }

    [Fact]
    public async Task A_mint_s_events_reach_a_real_receiver_signed_and_in_order_and_the_sdk_refuses_tampered_ones()
    {
        var client = platform.Partner();
        await using var receiver = new WebhookReceiver(FreePort.Next());
        await receiver.StartAsync();
        var endpoint = await client.Webhooks.CreateEndpointAsync(receiver.Url, OrderOutcomes);
        try
        {
            var orderId = await MintAsync(client);
            await receiver.WaitUntilAsync(r => ForOrder(r, endpoint.Secret, orderId).Count == 2, TimeSpan.FromSeconds(30), "accepted and settled");
            var events = ForOrder(receiver.Received, endpoint.Secret, orderId);
            Assert.Equal([WebhookEventTypes.OrderAccepted, WebhookEventTypes.OrderSettled], events.Select(e => e.Event.Type));
            Assert.Equal("Settled", events[1].Event.GetOrder().Status);
            Assert.Equal(orderId, events[0].Event.GetOrder().OrderId);

            // The listing shows both, delivered to this endpoint, with the exact delivered payload.
            var listed = await EventsOfAsync(client, orderId);
            Assert.Equal(events.Select(e => e.Event.Id), listed.Select(e => e.EventId));
            Assert.All(listed, e => Assert.Equal("delivered", Assert.Single(e.Deliveries, d => d.EndpointId == endpoint.EndpointId).Status));

            // The SDK's verifier refuses anything but the delivery as sent.
            var genuine = events[1].Delivery;
            var verifier = new WebhookVerifier(endpoint.Secret);
            Assert.Equal(genuine.EventId, verifier.Verify(genuine.EventId, genuine.Timestamp, genuine.Signature, genuine.Body).Id);
            AssertRefused("signature_invalid", () => verifier.Verify(genuine.EventId, genuine.Timestamp, genuine.Signature, genuine.Body.Replace("\"settled\"", "\"failed\"", StringComparison.Ordinal)));
            AssertRefused("signature_invalid", () => verifier.Verify(genuine.EventId, (long.Parse(genuine.Timestamp!, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), genuine.Signature, genuine.Body));
            AssertRefused("signature_invalid", () => verifier.Verify(events[0].Event.Id, genuine.Timestamp, genuine.Signature, genuine.Body));
            AssertRefused("signature_invalid", () => new WebhookVerifier("whsec_" + new string('1', 64)).Verify(genuine.EventId, genuine.Timestamp, genuine.Signature, genuine.Body));
            var flipped = genuine.Signature![..^1] + (genuine.Signature[^1] == '0' ? '1' : '0');
            AssertRefused("signature_invalid", () => verifier.Verify(genuine.EventId, genuine.Timestamp, flipped, genuine.Body));
            AssertRefused("headers_missing", () => verifier.Verify(genuine.EventId, genuine.Timestamp, null, genuine.Body));
            var later = new ShiftedClock(TimeSpan.FromMinutes(10));
            AssertRefused("timestamp_out_of_tolerance", () => new WebhookVerifier(endpoint.Secret, clock: later).Verify(genuine.EventId, genuine.Timestamp, genuine.Signature, genuine.Body));

            // A replay sends the same event (same id and body) again, freshly signed.
            var replay = await client.Webhooks.ReplayEventAsync(genuine.EventId!, endpoint.EndpointId);
            Assert.Equal([endpoint.EndpointId], replay.EndpointIds);
            await receiver.WaitUntilAsync(r => r.Count(d => d.EventId == genuine.EventId) == 2, TimeSpan.FromSeconds(30), "the replayed event");
            var again = receiver.Received.Last(d => d.EventId == genuine.EventId);
            Assert.Equal(genuine.Body, again.Body);
            Assert.Equal(genuine.EventId, verifier.Verify(again.EventId, again.Timestamp, again.Signature, again.Body).Id);

            // After a rotation with overlap, deliveries verify under the new secret and, during the overlap, the old one.
            var rotated = await client.Webhooks.RotateSecretAsync(endpoint.EndpointId, TimeSpan.FromMinutes(5));
            Assert.NotEqual(endpoint.Secret, rotated.Secret);
            await client.Webhooks.ReplayEventAsync(genuine.EventId!, endpoint.EndpointId);
            await receiver.WaitUntilAsync(r => r.Count(d => d.EventId == genuine.EventId) == 3, TimeSpan.FromSeconds(30), "the replay after rotation");
            var third = receiver.Received.Last(d => d.EventId == genuine.EventId);
            Assert.Equal(genuine.EventId, new WebhookVerifier(rotated.Secret).Verify(third.EventId, third.Timestamp, third.Signature, third.Body).Id);
            Assert.Equal(genuine.EventId, verifier.Verify(third.EventId, third.Timestamp, third.Signature, third.Body).Id);
        }
        finally
        {
            await client.Webhooks.DeleteEndpointAsync(endpoint.EndpointId);
        }
    }

    [Fact]
    public async Task A_receiver_that_was_down_gets_every_event_once_and_in_order_when_it_is_back()
    {
        var client = platform.Partner();
        await using var receiver = new WebhookReceiver(FreePort.Next());
        var endpoint = await client.Webhooks.CreateEndpointAsync(receiver.Url, OrderOutcomes);
        try
        {
            var orders = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                orders.Add(await MintAsync(client));
            }
            // While the receiver is down each order's first event is tried again and again and kept; its later event waits
            // behind it, never attempted, so it cannot overtake.
            await WaitForListingAsync(client, orders, endpoint.EndpointId, events => HeldBack(events, endpoint.EndpointId, 6),
                "failed attempts while the receiver is down");
            Assert.Empty(receiver.Received);

            // The endpoint's log shows the six pending deliveries, and operators see the endpoint among the failing ones.
            var pending = await client.Webhooks.ListDeliveriesAsync(endpoint.EndpointId, "pending");
            Assert.Equal(6, pending.Count);
            Assert.All(pending, d => Assert.Equal("pending", d.Status));
            Assert.Contains(pending, d => d.Attempts >= 2 && d.LastError is not null);
            var failing = await Problems.JsonAsync(await platform.AdminAsync(HttpMethod.Get, "admin/v1/webhooks/failing?accountId=partner-demo"));
            var mine = Assert.Single(failing.EnumerateArray(), f => f.GetProperty("endpointId").GetString() == endpoint.EndpointId);
            Assert.Equal(3, mine.GetProperty("failing").GetInt32());
            Assert.Equal(0, mine.GetProperty("abandoned").GetInt32());
            Assert.False(string.IsNullOrEmpty(mine.GetProperty("lastError").GetString()));

            await receiver.StartAsync();
            await WaitForListingAsync(client, orders, endpoint.EndpointId,
                events => events.Count == 6 && events.All(e => e.Deliveries.Single(d => d.EndpointId == endpoint.EndpointId).Status == "delivered"),
                "every delivery acknowledged");
            AssertOncePerEventAndInOrder(receiver.Received, endpoint.Secret, orders);
            Assert.Empty(await client.Webhooks.ListDeliveriesAsync(endpoint.EndpointId, "pending"));
            Assert.Equal(6, (await client.Webhooks.ListDeliveriesAsync(endpoint.EndpointId, "delivered")).Count);
            var recovered = await Problems.JsonAsync(await platform.AdminAsync(HttpMethod.Get, "admin/v1/webhooks/failing?accountId=partner-demo"));
            Assert.DoesNotContain(recovered.EnumerateArray(), f => f.GetProperty("endpointId").GetString() == endpoint.EndpointId);
        }
        finally
        {
            await client.Webhooks.DeleteEndpointAsync(endpoint.EndpointId);
        }
    }

    [Fact]
    public async Task Deliveries_pending_when_the_silo_is_killed_are_delivered_after_it_restarts()
    {
        var client = platform.Partner();
        await using var receiver = new WebhookReceiver(FreePort.Next());
        var endpoint = await client.Webhooks.CreateEndpointAsync(receiver.Url, OrderOutcomes);
        var orders = new List<string> { await MintAsync(client), await MintAsync(client) };
        await WaitForListingAsync(client, orders, endpoint.EndpointId, events => HeldBack(events, endpoint.EndpointId, 4), "pending deliveries");

        // An order's saved state, its listing row and its status's events are one statement (its state lives in its index
        // row), so no crash can leave a settled order without its events: the stored state and the listed status agree.
        await using (var data = Npgsql.NpgsqlDataSource.Create(platform.ConnectionString))
        {
            await using var agree = data.CreateCommand("""
                SELECT count(*) FROM order_index
                 WHERE order_id = ANY($1) AND state IS NOT NULL AND convert_from(state, 'UTF8')::jsonb->>'status' IS NOT NULL
                """);
            agree.Parameters.AddWithValue(orders.ToArray());
            Assert.Equal(2L, await agree.ExecuteScalarAsync());
        }

        await platform.KillAndRestartAsync();
        await receiver.StartAsync();
        client = platform.Partner();
        try
        {
            await WaitForListingAsync(client, orders, endpoint.EndpointId,
                events => events.Count == 4 && events.All(e => e.Deliveries.Single(d => d.EndpointId == endpoint.EndpointId).Status == "delivered"),
                "every delivery acknowledged after the restart");
            AssertOncePerEventAndInOrder(receiver.Received, endpoint.Secret, orders);
            var listed = await client.Orders.GetOrdersAsync().ToListAsync();
            Assert.All(orders, id => Assert.Equal(OrderStatus.Settled, listed.Single(o => o.OrderId == id).Status));
        }
        finally
        {
            await client.Webhooks.DeleteEndpointAsync(endpoint.EndpointId);
        }
    }

    [Fact]
    public async Task A_multiplier_change_reaches_partners_holding_the_asset_once()
    {
        var client = platform.Partner();
        await using var receiver = new WebhookReceiver(FreePort.Next());
        await receiver.StartAsync();
        var endpoint = await client.Webhooks.CreateEndpointAsync(receiver.Url, [WebhookEventTypes.AssetMultiplierChanged]);
        try
        {
            // The partner holds TSLAx; the split takes effect a few seconds from now (the fixture's short corporate-action lead).
            await MintAsync(client);
            var actionId = "split-" + Guid.NewGuid().ToString("N")[..8];
            var at = DateTimeOffset.UtcNow.AddSeconds(12).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            var declared = await Problems.JsonAsync(await platform.AdminAsync(HttpMethod.Post, "admin/v1/assets/TSLAx/corporate-actions",
                $$"""{"actionId":"{{actionId}}","kind":"split","effectiveAt":"{{at}}","newShares":2,"oldShares":1}"""), HttpStatusCode.Created);
            var oldMultiplier = declared.GetProperty("oldMultiplier").GetString()!;
            var newMultiplier = declared.GetProperty("newMultiplier").GetString()!;

            await receiver.WaitUntilAsync(r => r.Count > 0, TimeSpan.FromSeconds(90), "the multiplier change");
            var delivered = Assert.Single(receiver.Received);
            var change = new WebhookVerifier(endpoint.Secret).Verify(delivered.EventId, delivered.Timestamp, delivered.Signature, delivered.Body);
            Assert.Equal(WebhookEventTypes.AssetMultiplierChanged, change.Type);
            Assert.Equal("TSLAx", change.Data.GetProperty("symbol").GetString());
            Assert.Equal(actionId, change.Data.GetProperty("actionId").GetString());
            Assert.Equal(oldMultiplier, change.Data.GetProperty("oldMultiplier").GetString());
            Assert.Equal(newMultiplier, change.Data.GetProperty("newMultiplier").GetString());
            Assert.Equal(2m * decimal.Parse(oldMultiplier, System.Globalization.CultureInfo.InvariantCulture),
                decimal.Parse(newMultiplier, System.Globalization.CultureInfo.InvariantCulture));

            // The action runs on to completion (more ticks, chains re-checked) without a second event.
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while ((await Problems.JsonAsync(await platform.AdminAsync(HttpMethod.Get, $"admin/v1/assets/TSLAx/corporate-actions/{actionId}")))
                   .GetProperty("stage").GetString() != "completed")
            {
                Assert.True(DateTime.UtcNow < deadline, "the split did not complete");
                await Task.Delay(250);
            }
            var listed = await client.Webhooks.ListAllEventsAsync(type: WebhookEventTypes.AssetMultiplierChanged).ToListAsync();
            var recorded = Assert.Single(listed, e => e.Payload.GetProperty("data").GetProperty("actionId").GetString() == actionId);
            Assert.Equal(delivered.EventId, recorded.EventId);
            Assert.Equal("delivered", Assert.Single(recorded.Deliveries).Status);
            Assert.Single(receiver.Received);
        }
        finally
        {
            await client.Webhooks.DeleteEndpointAsync(endpoint.EndpointId);
        }
    }

    private static async Task<string> MintAsync(SharemintClient client)
    {
        Quote quote = await client.Quotes.CreateAsync("TSLAx", QuoteSide.Mint, 0.01m);
        Order order = await client.Orders.MintAsync(quote.QuoteId, "ethereum", WebhookSilo.Wallet, "webhook-" + Guid.NewGuid().ToString("N"));
        Order done = await client.Orders.WaitUntilCompletedAsync(order.OrderId, new OrderWaitOptions { Timeout = TimeSpan.FromSeconds(60) });
        Assert.Equal(OrderStatus.Settled, done.Status);
        return order.OrderId;
    }

    private sealed record Verified(ReceivedDelivery Delivery, WebhookEvent Event);

    /// <summary>The deliveries of one order, verified, in arrival order.</summary>
    private static List<Verified> ForOrder(IReadOnlyList<ReceivedDelivery> received, string secret, string orderId)
    {
        var verifier = new WebhookVerifier(secret);
        return received.Select(d => new Verified(d, verifier.Verify(d.EventId, d.Timestamp, d.Signature, d.Body)))
            .Where(v => v.Event.GetOrder().OrderId == orderId).ToList();
    }

    private static void AssertOncePerEventAndInOrder(IReadOnlyList<ReceivedDelivery> received, string secret, IReadOnlyList<string> orders)
    {
        foreach (var orderId in orders)
        {
            var events = ForOrder(received, secret, orderId);
            Assert.Equal([WebhookEventTypes.OrderAccepted, WebhookEventTypes.OrderSettled], events.Select(e => e.Event.Type));
        }
        var ids = received.Select(r => r.EventId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(orders.Count * 2, ids.Count);
    }

    private static async Task<List<WebhookEventRecord>> EventsOfAsync(SharemintClient client, string orderId)
    {
        var events = new List<WebhookEventRecord>();
        await foreach (var record in client.Webhooks.ListAllEventsAsync())
        {
            // Asset events (a multiplier change) carry no order.
            if (record.Payload.GetProperty("data").TryGetProperty("orderId", out var id) && id.GetString() == orderId)
            {
                events.Add(record);
            }
        }
        return events;
    }

    private static async Task WaitForListingAsync(SharemintClient client, IReadOnlyList<string> orders, string endpointId,
        Func<IReadOnlyList<WebhookEventRecord>, bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var events = new List<WebhookEventRecord>();
            foreach (var orderId in orders)
            {
                events.AddRange((await EventsOfAsync(client, orderId)).Where(e => e.Deliveries.Any(d => d.EndpointId == endpointId)));
            }
            if (done(events))
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}: " +
                string.Join("; ", events.Select(e => $"{e.Type} {string.Join(",", e.Deliveries.Select(d => $"{d.EndpointId}:{d.Status}/{d.Attempts}/{d.LastError}"))}")));
            await Task.Delay(200);
        }
    }

    /// <summary>All <paramref name="count"/> events pending: each acceptance failed at least twice, each settlement not yet tried.</summary>
    private static bool HeldBack(IReadOnlyList<WebhookEventRecord> events, string endpointId, int count) =>
        events.Count == count && events.All(e => e.Deliveries.Single(d => d.EndpointId == endpointId) is { Status: "pending" } d
            && (e.Type == WebhookEventTypes.OrderAccepted ? d.Attempts >= 2 && d.LastError is not null : d.Attempts == 0));

    private static void AssertRefused(string code, Action verify) =>
        Assert.Equal(code, Assert.Throws<WebhookSignatureException>(verify).Code);

    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
