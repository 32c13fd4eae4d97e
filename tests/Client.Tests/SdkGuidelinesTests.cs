using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sharemint.Client.Http;
using Sharemint.Client.Orders;

namespace Sharemint.Client.Tests;

/// <summary>
/// The SDK as the .NET (Azure) SDK guidelines shape it: configuration binding and the HttpClient builder, responses with
/// status and headers, extensible enums, retries with jitter, a cap and Retry-After dates, logs and traces, mockable
/// clients, and a wait that a webhook receiver can wake.
/// </summary>
public sealed partial class SdkGuidelinesTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Fact]
    public async Task Registered_from_configuration_it_returns_the_http_client_builder_and_signs_as_the_partner()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sharemint:BaseAddress"] = fixture.Silo.BaseAddress.ToString(),
            ["Sharemint:KeyId"] = SiloFixture.DemoKeyId,
            ["Sharemint:Secret"] = fixture.DemoSecret,
            ["Sharemint:MaxRetries"] = "5",
            ["Sharemint:MaxRetryDelay"] = "00:00:02",
        }).Build();
        var services = new ServiceCollection();
        var seen = new List<HttpStatusCode>();
        IHttpClientBuilder builder = services.AddSharemintClient(configuration.GetSection("Sharemint"));
        builder.AddHttpMessageHandler(() => new Recording(seen));
        services.AddSharemintAdminClient(o =>
        {
            o.BaseAddress = fixture.Silo.BaseAddress;
            o.KeyId = SiloFixture.AdminKeyId;
            o.Secret = fixture.AdminSecret;
        });
        await using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<SharemintClientOptions>>().Value;
        Assert.Equal(5, options.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(2), options.MaxRetryDelay);
        var account = (await provider.GetRequiredService<SharemintClient>().Account.GetAsync()).Value;
        Assert.Equal("partner-demo", account.AccountId);
        Assert.Equal([HttpStatusCode.OK], seen);

        // The operator client has its own options: its key is not the partner's.
        var admin = provider.GetRequiredService<Admin.SharemintAdminClient>();
        Assert.NotEmpty(await admin.GetAssetsAsync().ToListAsync());
        Assert.NotNull(provider.GetRequiredService<OrderUpdateNotifier>());
    }

    [Fact]
    public async Task Limits_and_fees_are_readable_per_partner_and_asset()
    {
        var partner = fixture.Partner(SiloFixture.DemoKeyId, fixture.DemoSecret);
        var response = await partner.Account.GetLimitsAsync("TSLAx");
        Assert.Equal(200, response.Status);
        var limits = response.Value;
        var account = (await partner.Account.GetAsync()).Value;
        Assert.Equal(("partner-demo", "TSLAx"), (limits.AccountId, limits.Symbol));
        Assert.Equal(account.FeeRate, limits.FeeRate);
        Assert.Equal(account.Tier, limits.Tier);
        Assert.Equal("ceiling_cent", limits.FeeRounding);
        Assert.Equal([("standard", 0.005m), ("premium", 0.003m), ("institutional", 0.001m)], limits.FeeSchedule.Select(f => (f.Tier.ToString(), f.FeeRate)));
        Assert.Equal(account.MaxOrderCash, limits.MaxOrderCash);
        Assert.Equal(account.MaxDailyCash - account.SpentToday, limits.RemainingToday);
        Assert.Equal(DateTimeOffset.UtcNow.UtcDateTime.Date.AddDays(1), limits.DailyLimitResetsAt.UtcDateTime);
        Assert.Equal(0.00000001m, limits.MinOrderAmount);
        Assert.Equal(1_000_000_000m, limits.MaxOrderAmount);
        Assert.True(limits.MintAllowed && limits.RedeemAllowed);

        // The operator reads the same view; an unknown asset is the usual 404.
        var admin = fixture.Admin();
        var seenByOperator = (await admin.GetPartnerLimitsAsync("partner-demo", "TSLAx")).Value;
        Assert.Equal(JsonSerializer.Serialize(limits with { DailyLimitResetsAt = default }), JsonSerializer.Serialize(seenByOperator with { DailyLimitResetsAt = default }));
        var missing = await Assert.ThrowsAsync<SharemintApiException>(() => partner.Account.GetLimitsAsync("NOPEx"));
        Assert.Equal("asset_not_found", missing.Code);
    }

    [Fact]
    public void Backoff_is_jittered_exponential_capped_and_honours_retry_after()
    {
        var options = new SharemintClientOptions { RetryDelay = TimeSpan.FromMilliseconds(100), MaxRetryDelay = TimeSpan.FromSeconds(1) };
        Assert.Equal(TimeSpan.Zero, ApiTransport.Backoff(options, 0, null, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(100), ApiTransport.Backoff(options, 0, null, 1));
        Assert.Equal(TimeSpan.FromMilliseconds(200), ApiTransport.Backoff(options, 2, null, 0.5));
        // The ceiling doubles per attempt but never passes the cap, even far out.
        Assert.Equal(TimeSpan.FromSeconds(1), ApiTransport.Backoff(options, 10, null, 1));
        Assert.Equal(TimeSpan.FromSeconds(1), ApiTransport.Backoff(options, 1000, null, 1));
        // A server's Retry-After wins over a shorter jittered wait, and is capped too.
        Assert.Equal(TimeSpan.FromMilliseconds(700), ApiTransport.Backoff(options, 0, TimeSpan.FromMilliseconds(700), 0.1));
        Assert.Equal(TimeSpan.FromSeconds(1), ApiTransport.Backoff(options, 0, TimeSpan.FromMinutes(5), 0.1));
        // Jitter spreads clients: 200 draws at one attempt are not all the same.
        var draws = Enumerable.Range(0, 200).Select(_ => ApiTransport.Backoff(options, 3, null, Random.Shared.NextDouble())).Distinct().Count();
        Assert.True(draws > 100, $"only {draws} distinct waits");
    }

    [Fact]
    public async Task A_429_with_a_retry_after_date_is_retried_after_that_date_and_traced_and_logged()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is ApiTransport.ActivitySourceName or "Sharemint.Client.Tests",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (activities)
                {
                    activities.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var logs = new ListLogger();
        var handler = new RefuseFirst(new SocketsHttpHandler(), DateTimeOffset.UtcNow.AddSeconds(2));
        var client = new SharemintClient(new HttpClient(handler) { BaseAddress = fixture.Silo.BaseAddress },
            new SharemintClientOptions { KeyId = SiloFixture.DemoKeyId, Secret = fixture.DemoSecret, RetryDelay = TimeSpan.FromMilliseconds(1) }, logs);

        // Other tests run alongside: this test's spans are the children of its own root.
        using var testSource = new ActivitySource("Sharemint.Client.Tests");
        using var root = testSource.StartActivity("test")!;
        var started = Stopwatch.StartNew();
        var account = (await client.Account.GetAsync()).Value;
        Assert.Equal("partner-demo", account.AccountId);
        Assert.Equal(2, handler.Attempts);
        // The HTTP date has whole seconds: the wait is at least the part of the second that remained, not the 1 ms delay.
        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {started.Elapsed}");

        Activity span;
        lock (activities)
        {
            span = Assert.Single(activities, a => a.ParentSpanId == root.SpanId && a.Source.Name == ApiTransport.ActivitySourceName);
        }
        Assert.Equal("v1/account", span.GetTagItem("url.path"));
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("200", span.GetTagItem("http.response.status_code")?.ToString());
        Assert.Equal("2", span.GetTagItem("sharemint.attempts")?.ToString());
        Assert.Contains(span.Events, e => e.Name == "retry");
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains("HTTP 429", StringComparison.Ordinal));
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Debug && l.Message.Contains("v1/account: 200 after 2 attempt(s)", StringComparison.Ordinal));
    }

    [Fact]
    public void Order_status_and_kind_are_extensible_enums_in_one_casing()
    {
        var order = JsonSerializer.Deserialize<OrderSummary>("""
            {"orderId":"ord_1","kind":"transfer","status":"in_progress","accountId":"a","symbol":"TSLAx","chain":"solana",
             "amount":1.5,"amountUnits":150000000,"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}
            """, SharemintJson.Options)!;
        Assert.Equal(OrderStatus.InProgress, order.Status);
        Assert.True(order.Status == "InProgress" && order.Status == "in_progress");
        Assert.Equal(OrderKind.Transfer, order.Kind);
        Assert.False(order.Status.IsTerminal);
        Assert.True(OrderStatus.Settled.IsTerminal && OrderStatus.Cancelled.IsTerminal && !OrderStatus.Held.IsTerminal);
        // A value this SDK does not know yet arrives as it is, rather than failing the whole answer.
        var future = JsonSerializer.Deserialize<OrderStatus>("\"awaiting_review\"", SharemintJson.Options);
        Assert.Equal("awaiting_review", future.ToString());
        Assert.NotEqual(OrderStatus.Held, future);
        Assert.Equal("\"in_progress\"", JsonSerializer.Serialize(OrderStatus.InProgress, SharemintJson.Options));
    }

    [Fact]
    public async Task A_pushed_update_ends_the_wait_at_once_without_waiting_for_the_next_poll()
    {
        var notifier = new OrderUpdateNotifier();
        var orders = new ScriptedOrders();
        var waiting = orders.WaitUntilCompletedAsync("ord_pushed", new OrderWaitOptions { Timeout = TimeSpan.FromMinutes(1), FallbackPollInterval = TimeSpan.FromMinutes(10) }, notifier);
        await orders.FirstRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, notifier.WaiterCount("ord_pushed"));
        Assert.False(waiting.IsCompleted);

        // The receiver verified a webhook for another order, then for this one: only this one's waiter reads again.
        orders.Settle();
        notifier.Publish("ord_other");
        notifier.Publish("ord_pushed");
        var done = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(OrderStatus.Settled, done.Value.Status);
        Assert.Equal(2, orders.Reads);
        Assert.Equal(0, notifier.WaiterCount("ord_pushed"));

        // Without a notifier it polls at PollInterval.
        var polled = new ScriptedOrders();
        var polling = polled.WaitUntilCompletedAsync("ord_polled", new OrderWaitOptions { PollInterval = TimeSpan.FromMilliseconds(20), Timeout = TimeSpan.FromSeconds(30) });
        await polled.FirstRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
        polled.Settle();
        Assert.Equal(OrderStatus.Settled, (await polling).Value.Status);
    }

    [Fact]
    public async Task A_verified_webhook_event_wakes_the_waiter_of_its_order()
    {
        var notifier = new OrderUpdateNotifier();
        var orders = new ScriptedOrders();
        var waiting = orders.WaitUntilCompletedAsync("ord_hooked", new OrderWaitOptions { Timeout = TimeSpan.FromMinutes(1), FallbackPollInterval = TimeSpan.FromMinutes(10) }, notifier);
        await orders.FirstRead.Task.WaitAsync(TimeSpan.FromSeconds(10));
        orders.Settle();
        using var assetEvent = JsonDocument.Parse("""{"symbol":"TSLAx","multiplier":"1.01"}""");
        Assert.Null(notifier.Publish(new Webhooks.WebhookEvent("evt_1", "asset.multiplier_changed", DateTimeOffset.UtcNow, assetEvent.RootElement.Clone())));
        using var orderEvent = JsonDocument.Parse("""{"orderId":"ord_hooked","status":"settled"}""");
        Assert.Equal("ord_hooked", notifier.Publish(new Webhooks.WebhookEvent("evt_2", "order.settled", DateTimeOffset.UtcNow, orderEvent.RootElement.Clone())));
        Assert.Equal(OrderStatus.Settled, (await waiting.WaitAsync(TimeSpan.FromSeconds(10))).Value.Status);
    }

    /// <summary>An OrdersClient mocked by overriding one virtual method, as a partner's own tests would.</summary>
    private sealed class ScriptedOrders : OrdersClient
    {
        private volatile bool _settled;
        private int _reads;

        public TaskCompletionSource FirstRead { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Reads => _reads;

        public void Settle() => _settled = true;

        public override Task<Response<Order>> GetAsync(string orderId, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            FirstRead.TrySetResult();
            var status = _settled ? OrderStatus.Settled : OrderStatus.InProgress;
            var order = new Order(orderId, OrderKind.Mint, status, "partner-demo", "TSLAx", "ethereum", "0x1", null, null, 1m, 100_000_000, 100m, null,
                [], [], null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, status.IsTerminal);
            return Task.FromResult(new Response<Order>(order, 200, new Dictionary<string, IReadOnlyList<string>>()));
        }
    }

    private sealed class Recording(List<HttpStatusCode> seen) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            lock (seen)
            {
                seen.Add(response.StatusCode);
            }
            return response;
        }
    }

    /// <summary>Answers the first request with 429 and a Retry-After date, as a proxy in front of the API might.</summary>
    private sealed class RefuseFirst(HttpMessageHandler inner, DateTimeOffset retryAt) : DelegatingHandler(inner)
    {
        private int _attempts;

        public int Attempts => _attempts;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _attempts) == 1)
            {
                var refused = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
                refused.Headers.RetryAfter = new RetryConditionHeaderValue(retryAt);
                return Task.FromResult(refused);
            }
            return base.SendAsync(request, cancellationToken);
        }
    }

    private sealed class ListLogger : ILogger<SharemintClient>
    {
        private readonly List<(LogLevel Level, string Message)> _lines = [];

        public IReadOnlyList<(LogLevel Level, string Message)> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
