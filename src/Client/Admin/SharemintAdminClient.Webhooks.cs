using Sharemint.Client.Webhooks;

namespace Sharemint.Client.Admin;

/// <summary>Operators manage partners' webhook endpoints and find the failing ones.</summary>
public partial class SharemintAdminClient
{
    /// <summary>A partner's endpoints.</summary>
    public virtual Task<IReadOnlyList<WebhookEndpoint>> ListWebhookEndpointsAsync(string accountId, CancellationToken ct = default) =>
        _t.SendAsync<IReadOnlyList<WebhookEndpoint>>(HttpMethod.Get, $"{Hooks(accountId)}/endpoints", null, null, ct);

    /// <summary>Registers an endpoint for a partner; the answer holds its secret, shown only here (hand it to the partner).</summary>
    public virtual Task<IssuedWebhookEndpoint> CreateWebhookEndpointAsync(string accountId, Uri url, IEnumerable<string> eventTypes, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(eventTypes);
        return _t.SendAsync<IssuedWebhookEndpoint>(HttpMethod.Post, $"{Hooks(accountId)}/endpoints",
            new { url = url.ToString(), eventTypes = eventTypes.ToArray() }, null, ct);
    }

    /// <summary>Removes a partner's endpoint; its undelivered events are no longer sent to it.</summary>
    public virtual async Task DeleteWebhookEndpointAsync(string accountId, string endpointId, CancellationToken ct = default)
    {
        using var response = await _t.SendRawAsync(HttpMethod.Delete, $"{Hooks(accountId)}/endpoints/{Esc(endpointId)}", null, null, ct);
        await SharemintApiException.ThrowIfFailedAsync(response, ct);
    }

    /// <summary>A partner endpoint's deliveries, newest first; <paramref name="status"/>: <c>pending</c>, <c>delivered</c> or <c>abandoned</c>.</summary>
    public virtual Task<IReadOnlyList<WebhookEndpointDelivery>> ListWebhookDeliveriesAsync(string accountId, string endpointId, string? status = null,
        int? limit = null, CancellationToken ct = default) =>
        _t.SendAsync<IReadOnlyList<WebhookEndpointDelivery>>(HttpMethod.Get, WebhookPaths.Deliveries(Hooks(accountId), endpointId, status, limit), null, null, ct);

    /// <summary>Sends a signed <c>webhook.test</c> event to a partner's endpoint and returns the receiver's answer.</summary>
    public virtual Task<WebhookTestResult> TestWebhookEndpointAsync(string accountId, string endpointId, CancellationToken ct = default) =>
        _t.SendAsync<WebhookTestResult>(HttpMethod.Post, $"{Hooks(accountId)}/endpoints/{Esc(endpointId)}/test", null, null, ct);

    /// <summary>Delivers a partner's event again to <paramref name="endpointId"/> or every subscribed endpoint (after a fix, for abandoned ones).</summary>
    public virtual Task<WebhookReplay> ReplayWebhookEventAsync(string accountId, string eventId, string? endpointId = null, CancellationToken ct = default) =>
        _t.SendAsync<WebhookReplay>(HttpMethod.Post, $"{Hooks(accountId)}/events/{Esc(eventId)}/replay", new { endpointId }, null, ct);

    /// <summary>Endpoints whose deliveries fail (retrying or abandoned), longest failing first; of one partner when <paramref name="accountId"/> is given.</summary>
    public virtual Task<IReadOnlyList<FailingWebhookEndpoint>> ListFailingWebhookEndpointsAsync(string? accountId = null, int? limit = null, CancellationToken ct = default)
    {
        var query = new List<string>();
        if (accountId is not null)
        {
            query.Add("accountId=" + Esc(accountId));
        }
        if (limit is { } l)
        {
            query.Add("limit=" + l.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return _t.SendAsync<IReadOnlyList<FailingWebhookEndpoint>>(HttpMethod.Get,
            "admin/v1/webhooks/failing" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), null, null, ct);
    }

    private static string Hooks(string accountId) => $"admin/v1/partners/{Esc(accountId)}/webhooks";
}
