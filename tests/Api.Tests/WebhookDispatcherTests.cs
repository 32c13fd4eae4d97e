using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Sharemint.Fixtures;
using Sharemint.Orders;
using Sharemint.Silo.Api;
using Sharemint.Silo.Api.Contracts;
using Sharemint.Silo.Api.Security;
using Sharemint.Silo.Orders;
using Sharemint.Silo.Webhooks;
using Sharemint.Units;
using Sharemint.Webhooks;

namespace Sharemint.Api.Tests;

/// <summary>
/// The dispatcher on a real PostgreSQL with a clock the test moves: a delivery retried for 72 hours is abandoned (and
/// never tried again until replayed) without waiting 72 hours; and a delivery whose host now resolves to a private
/// address is refused at connection time.
/// </summary>
public sealed class WebhookDispatcherTests : IAsyncLifetime
{
    private PostgresServer? _postgres;
    private NpgsqlDataSource _data = null!;
    private WebhookStore _store = null!;
    private PostgresOrderIndex _index = null!;
    private readonly WebhookSignal _signal = new();
    private readonly List<IDisposable> _disposables = [];

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        _data = NpgsqlDataSource.Create(await _postgres.CreateMigratedDatabaseAsync("dispatcher"));
        var protector = new SecretProtector(Options.Create(new ApiOptions { SecretEncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));
        _store = new WebhookStore(_data, protector);
        _index = new PostgresOrderIndex(_data, new OrderWebhookEvents(Options.Create(new WebhookOptions()), _signal));
    }

    public async Task DisposeAsync()
    {
        _disposables.ForEach(d => d.Dispose());
        await _data.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_delivery_failing_for_72_hours_is_abandoned_and_a_replay_delivers_it()
    {
        var port = FreePort.Next();
        var endpoint = (await _store.CreateAsync("partner-down", $"http://127.0.0.1:{port}/hooks/sharemint", [WebhookEventTypes.OrderSettled], 10, default))!;
        const string orderId = "ord_00000000000000000000000072";
        await _index.UpsertAsync(Order(orderId, "partner-down"));
        var windowStart = await ScalarAsync<DateTimeOffset>("SELECT window_start FROM webhook_deliveries WHERE endpoint_id = $1", endpoint.Endpoint.EndpointId);
        var clock = new SettableClock(windowStart.AddSeconds(1));
        using var dispatcher = Dispatcher(clock, allowPrivate: true);

        // The receiver is down: the first attempt fails, and nothing is due again until the backoff has passed.
        Assert.Equal(1, await dispatcher.DeliverDueAsync(default));
        var first = await DeliveryAsync(endpoint.Endpoint.EndpointId);
        Assert.Equal(("pending", 1), (first.Status, first.Attempts));
        Assert.NotNull(first.LastError);
        Assert.Equal(0, await dispatcher.DeliverDueAsync(default));

        // A minute short of 72 hours it is still retried and kept.
        clock.Set(windowStart + TimeSpan.FromHours(72) - TimeSpan.FromMinutes(1));
        Assert.Equal(1, await dispatcher.DeliverDueAsync(default));
        var kept = await DeliveryAsync(endpoint.Endpoint.EndpointId);
        Assert.Equal(("pending", 2), (kept.Status, kept.Attempts));

        // The first failure after 72 hours gives up: abandoned, at that moment, and never claimed again.
        clock.Set(windowStart + TimeSpan.FromHours(72) + TimeSpan.FromSeconds(5));
        Assert.Equal(1, await dispatcher.DeliverDueAsync(default));
        var abandoned = await DeliveryAsync(endpoint.Endpoint.EndpointId);
        Assert.Equal(("abandoned", 3), (abandoned.Status, abandoned.Attempts));
        Assert.Null(abandoned.NextAttemptAt);
        Assert.Equal(clock.GetUtcNow(), await ScalarAsync<DateTimeOffset>("SELECT abandoned_at FROM webhook_deliveries WHERE endpoint_id = $1", endpoint.Endpoint.EndpointId));
        clock.Set(windowStart + TimeSpan.FromDays(10));
        Assert.Equal(0, await dispatcher.DeliverDueAsync(default));
        Assert.Equal(3, (await DeliveryAsync(endpoint.Endpoint.EndpointId)).Attempts);

        // A replay opens a fresh window: with the receiver back, the same event is delivered.
        await using var receiver = new WebhookReceiver(port);
        await receiver.StartAsync();
        var eventId = (await _store.ListEventsAsync("partner-down", 0, 10, null, default)).Single().EventId;
        Assert.Equal([endpoint.Endpoint.EndpointId], await _store.ReplayAsync("partner-down", eventId, null, default));
        clock.Set(DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(1, await dispatcher.DeliverDueAsync(default));
        Assert.Equal("delivered", (await DeliveryAsync(endpoint.Endpoint.EndpointId)).Status);
        Assert.Equal(eventId, Assert.Single(receiver.Received).EventId);
    }

    [Fact]
    public async Task A_host_that_now_resolves_to_a_private_address_is_refused_when_delivering()
    {
        // A receiver really listens on loopback; the partner's name resolved publicly at registration but points there now.
        var port = FreePort.Next();
        await using var receiver = new WebhookReceiver(port);
        await receiver.StartAsync();
        var lookups = 0;
        WebhookHostLookup rebinding = (host, _) =>
        {
            Interlocked.Increment(ref lookups);
            return Task.FromResult(host == "hooks.partner.test" ? new[] { IPAddress.Loopback } : throw new System.Net.Sockets.SocketException(11001));
        };
        var rebound = (await _store.CreateAsync("partner-rebound", $"https://hooks.partner.test:{port}/hooks/sharemint", [WebhookEventTypes.OrderSettled], 10, default))!;
        var plain = (await _store.CreateAsync("partner-rebound", $"http://203.0.113.7:{port}/hooks/sharemint", [WebhookEventTypes.OrderSettled], 10, default))!;
        await _index.UpsertAsync(Order("ord_00000000000000000000000073", "partner-rebound"));
        using var dispatcher = Dispatcher(new SettableClock(DateTimeOffset.UtcNow.AddSeconds(1)), allowPrivate: false, rebinding);

        Assert.Equal(2, await dispatcher.DeliverDueAsync(default));
        var refused = await DeliveryAsync(rebound.Endpoint.EndpointId);
        Assert.Equal("pending", refused.Status);
        Assert.Equal("refused: the host 'hooks.partner.test' resolves to 127.0.0.1, a loopback address", refused.LastError);
        Assert.Equal(1, lookups);
        Assert.Equal("refused: the endpoint is not https", (await DeliveryAsync(plain.Endpoint.EndpointId)).LastError);
        Assert.Empty(receiver.Received);
    }

    private WebhookDispatcher Dispatcher(TimeProvider clock, bool allowPrivate, WebhookHostLookup? lookup = null)
    {
        var options = Options.Create(new WebhookOptions { AllowPrivateNetworks = allowPrivate, DeliveryTimeout = TimeSpan.FromSeconds(5) });
        var http = new WebhookHttp(new WebhookTargetCheck(options, lookup ?? SystemWebhookHostLookup.LookupAsync), options);
        _disposables.Add(http);
        return new WebhookDispatcher(_data, _store, _signal, http, clock, options, NullLogger<WebhookDispatcher>.Instance);
    }

    private async Task<WebhookDeliveryView> DeliveryAsync(string endpointId)
    {
        foreach (var account in new[] { "partner-down", "partner-rebound" })
        {
            foreach (var e in await _store.ListEventsAsync(account, 0, 100, null, default))
            {
                if (e.Deliveries.FirstOrDefault(d => d.EndpointId == endpointId) is { } delivery)
                {
                    return WebhookDeliveryView.From(delivery);
                }
            }
        }
        throw new InvalidOperationException($"No delivery for {endpointId}.");
    }

    private static OrderSnapshot Order(string orderId, string account) => new(
        orderId, OrderKind.Mint, OrderStatus.Settled, account, "TSLAx", "ethereum", null,
        "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", null, CanonicalAmount.FromUnits(1_000_000), 2.5m, null, [], [], null, null,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(3), 3);

    private async Task<T> ScalarAsync<T>(string sql, string parameter)
    {
        await using var command = _data.CreateCommand(sql);
        command.Parameters.AddWithValue(parameter);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return reader.GetFieldValue<T>(0);
    }

    private sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Set(DateTimeOffset now) => _now = now;
    }
}
