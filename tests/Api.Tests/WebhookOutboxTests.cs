using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Npgsql;
using Sharemint.Fixtures;
using Sharemint.Orders;
using Sharemint.Silo.Api;
using Sharemint.Silo.Api.Security;
using Sharemint.Silo.Orders;
using Sharemint.Silo.Webhooks;
using Sharemint.Units;
using Sharemint.Webhooks;

namespace Sharemint.Api.Tests;

/// <summary>
/// The outbox on a real PostgreSQL: which events an order's index write records (deposits included), that a partner
/// without endpoints gets no rows, that an older status never adds events, and the asset events other features publish.
/// </summary>
public sealed class WebhookOutboxTests : IAsyncLifetime
{
    private PostgresServer? _postgres;
    private NpgsqlDataSource _data = null!;
    private WebhookStore _store = null!;
    private PostgresOrderIndex _index = null!;
    private WebhookOutbox _outbox = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        _data = NpgsqlDataSource.Create(await _postgres.CreateMigratedDatabaseAsync("outbox"));
        var protector = new SecretProtector(Options.Create(new ApiOptions { SecretEncryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) }));
        _store = new WebhookStore(_data, protector);
        var signal = new WebhookSignal();
        _index = new PostgresOrderIndex(_data, new OrderWebhookEvents(Options.Create(new WebhookOptions()), signal));
        _outbox = new WebhookOutbox(_data, signal);
    }

    public async Task DisposeAsync()
    {
        await _data.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_order_s_status_writes_its_events_once_in_order_and_only_for_partners_with_endpoints()
    {
        var endpoint = await _store.CreateAsync("partner-hooked", "https://hooks.example/x", WebhookEventTypes.All, 10, default);
        Assert.NotNull(endpoint);

        // A holder's deposit became a redemption on the partner's account, then settled.
        const string deposit = "dep_0123456789abcdef0123456789";
        await _index.UpsertAsync(Order(deposit, "partner-hooked", OrderStatus.Accepted, 1));
        await _index.UpsertAsync(Order(deposit, "partner-hooked", OrderStatus.InProgress, 2));
        await _index.UpsertAsync(Order(deposit, "partner-hooked", OrderStatus.Settled, 5));
        // A retried older write changes nothing, and adds no event.
        await _index.UpsertAsync(Order(deposit, "partner-hooked", OrderStatus.Accepted, 1));
        Assert.Equal(
            [(WebhookEventTypes.OrderAccepted, 1), (WebhookEventTypes.DepositRedemptionCreated, 2), (WebhookEventTypes.OrderSettled, 3)],
            await EventsAsync(deposit));
        Assert.Equal(3, await CountAsync("SELECT count(*) FROM webhook_deliveries WHERE order_key = $1", deposit));

        // A held deposit: one event, deposit.held.
        const string held = "dep_fedcba9876543210fedcba9876";
        await _index.UpsertAsync(Order(held, "partner-hooked", OrderStatus.Held, 1));
        Assert.Equal([(WebhookEventTypes.DepositHeld, 3)], await EventsAsync(held));

        // An order whose first status write was lost still gets its acceptance, before its outcome.
        const string skipped = "ord_00000000000000000000000001";
        await _index.UpsertAsync(Order(skipped, "partner-hooked", OrderStatus.Failed, 4));
        Assert.Equal([(WebhookEventTypes.OrderAccepted, 1), (WebhookEventTypes.OrderFailed, 3)], await EventsAsync(skipped));

        // A mint refused after its first write never existed: its acceptance is withdrawn with the index row.
        const string refused = "ord_00000000000000000000000002";
        await _index.UpsertAsync(Order(refused, "partner-hooked", OrderStatus.Accepted, 1));
        Assert.Single(await EventsAsync(refused));
        await _index.RemoveAsync(refused);
        Assert.Empty(await EventsAsync(refused));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM webhook_deliveries WHERE order_key = $1", refused));

        // A partner without endpoints costs no rows at all.
        const string plain = "ord_00000000000000000000000003";
        await _index.UpsertAsync(Order(plain, "partner-plain", OrderStatus.Accepted, 1));
        await _index.UpsertAsync(Order(plain, "partner-plain", OrderStatus.Settled, 3));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM webhook_events WHERE account_id = $1", "partner-plain"));
        Assert.Equal("Settled", await ScalarAsync<string>("SELECT status FROM order_index WHERE order_id = $1", plain));

        // An endpoint subscribed to settlements only gets no acceptance rows.
        await _store.CreateAsync("partner-narrow", "https://hooks.example/y", [WebhookEventTypes.OrderSettled], 10, default);
        const string narrow = "ord_00000000000000000000000004";
        await _index.UpsertAsync(Order(narrow, "partner-narrow", OrderStatus.Accepted, 1));
        await _index.UpsertAsync(Order(narrow, "partner-narrow", OrderStatus.Settled, 3));
        Assert.Equal([(WebhookEventTypes.OrderSettled, 3)], await EventsAsync(narrow));
    }

    [Fact]
    public async Task An_asset_event_reaches_subscribed_partners_that_hold_the_asset_once_per_key()
    {
        await _store.CreateAsync("partner-holder", "https://hooks.example/a", [WebhookEventTypes.AssetMultiplierChanged], 10, default);
        await _store.CreateAsync("partner-stranger", "https://hooks.example/b", [WebhookEventTypes.AssetMultiplierChanged], 10, default);
        await _store.CreateAsync("partner-uninterested", "https://hooks.example/c", [WebhookEventTypes.OrderSettled], 10, default);
        await _index.UpsertAsync(Order("ord_00000000000000000000000010", "partner-holder", OrderStatus.Settled, 3, "NVDAx"));
        await _index.UpsertAsync(Order("ord_00000000000000000000000011", "partner-uninterested", OrderStatus.Settled, 3, "NVDAx"));
        await _index.UpsertAsync(Order("ord_00000000000000000000000012", "partner-stranger", OrderStatus.Settled, 3, "AAPLx"));

        var change = new { symbol = "NVDAx", oldMultiplier = "1000000000000000000", newMultiplier = "1010000000000000000", effectiveAt = DateTimeOffset.UnixEpoch };
        Assert.Equal(1, await _outbox.PublishAssetEventAsync("NVDAx", WebhookEventTypes.AssetMultiplierChanged, "multiplier/1", change));
        Assert.Equal(0, await _outbox.PublishAssetEventAsync("NVDAx", WebhookEventTypes.AssetMultiplierChanged, "multiplier/1", change));

        var events = await _store.ListEventsAsync("partner-holder", 0, 10, WebhookEventTypes.AssetMultiplierChanged, default);
        var recorded = Assert.Single(events);
        Assert.Single(recorded.Deliveries);
        using var body = System.Text.Json.JsonDocument.Parse(recorded.Body);
        Assert.Equal(recorded.EventId, body.RootElement.GetProperty("id").GetString());
        Assert.Equal("1010000000000000000", body.RootElement.GetProperty("data").GetProperty("newMultiplier").GetString());
        Assert.Empty(await _store.ListEventsAsync("partner-stranger", 0, 10, null, default));
        await Assert.ThrowsAsync<ArgumentException>(() => _outbox.PublishAssetEventAsync("NVDAx", "asset.exploded", "k", change));
    }

    private static OrderSnapshot Order(string orderId, string account, OrderStatus status, long version, string symbol = "TSLAx") => new(
        orderId, orderId.StartsWith("dep_", StringComparison.Ordinal) ? OrderKind.Redeem : OrderKind.Mint, status, account, symbol, "ethereum", null,
        "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", null, CanonicalAmount.FromUnits(1_000_000), 2.5m, null, [], [], null, null,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(version), version);

    private async Task<List<(string, int)>> EventsAsync(string orderId)
    {
        await using var command = _data.CreateCommand("SELECT type, rank FROM webhook_events WHERE order_key = $1 ORDER BY rank, seq");
        command.Parameters.AddWithValue(orderId);
        var events = new List<(string, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetString(0), reader.GetInt32(1)));
        }
        return events;
    }

    private async Task<long> CountAsync(string sql, string parameter) => await ScalarAsync<long>(sql, parameter);

    private async Task<T> ScalarAsync<T>(string sql, string parameter)
    {
        await using var command = _data.CreateCommand(sql);
        command.Parameters.AddWithValue(parameter);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
