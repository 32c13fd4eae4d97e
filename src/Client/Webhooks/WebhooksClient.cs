using Sharemint.Client.Http;

namespace Sharemint.Client.Webhooks;

/// <summary>
/// The partner's webhooks: endpoints that receive signed events (verify them with <see cref="WebhookVerifier"/>), and the
/// events themselves, to list by cursor and to replay.
/// </summary>
public class WebhooksClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected WebhooksClient() => _transport = null!;

    public WebhooksClient(ApiTransport transport) => _transport = transport;

    /// <summary>
    /// Registers an endpoint (https, on a public address) for <paramref name="eventTypes"/>. The answer holds the
    /// endpoint's secret, shown only here.
    /// </summary>
    public virtual Task<IssuedWebhookEndpoint> CreateEndpointAsync(Uri url, IEnumerable<string> eventTypes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(eventTypes);
        return _transport.SendAsync<IssuedWebhookEndpoint>(HttpMethod.Post, "v1/webhooks/endpoints",
            new { url = url.ToString(), eventTypes = eventTypes.ToArray() }, null, cancellationToken);
    }

    /// <summary>The partner's endpoints.</summary>
    public virtual Task<IReadOnlyList<WebhookEndpoint>> ListEndpointsAsync(CancellationToken cancellationToken = default) =>
        _transport.SendAsync<IReadOnlyList<WebhookEndpoint>>(HttpMethod.Get, "v1/webhooks/endpoints", null, null, cancellationToken);

    /// <summary>One endpoint.</summary>
    public virtual Task<WebhookEndpoint> GetEndpointAsync(string endpointId, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<WebhookEndpoint>(HttpMethod.Get, $"v1/webhooks/endpoints/{Uri.EscapeDataString(endpointId)}", null, null, cancellationToken);

    /// <summary>Removes an endpoint; its undelivered events are no longer sent to it.</summary>
    public virtual async Task DeleteEndpointAsync(string endpointId, CancellationToken cancellationToken = default)
    {
        using var response = await _transport.SendRawAsync(HttpMethod.Delete, $"v1/webhooks/endpoints/{Uri.EscapeDataString(endpointId)}", null, null, cancellationToken);
        await SharemintApiException.ThrowIfFailedAsync(response, cancellationToken);
    }

    /// <summary>
    /// Replaces the endpoint's secret. For <paramref name="overlap"/> (the server's default, a day, when null) deliveries
    /// carry a signature with the old secret too, so the receiver can switch without refusing any.
    /// </summary>
    public virtual Task<IssuedWebhookEndpoint> RotateSecretAsync(string endpointId, TimeSpan? overlap = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<IssuedWebhookEndpoint>(HttpMethod.Post, $"v1/webhooks/endpoints/{Uri.EscapeDataString(endpointId)}/rotate",
            new { overlapSeconds = overlap is { } o ? (int?)o.TotalSeconds : null }, null, cancellationToken);

    /// <summary>
    /// The endpoint's deliveries, newest first, at most <paramref name="limit"/> (50 when null, up to 500);
    /// <paramref name="status"/> keeps only <c>pending</c>, <c>delivered</c> or <c>abandoned</c> ones.
    /// </summary>
    public virtual Task<IReadOnlyList<WebhookEndpointDelivery>> ListDeliveriesAsync(string endpointId, string? status = null, int? limit = null,
        CancellationToken cancellationToken = default) =>
        _transport.SendAsync<IReadOnlyList<WebhookEndpointDelivery>>(HttpMethod.Get,
            WebhookPaths.Deliveries("v1/webhooks", endpointId, status, limit), null, null, cancellationToken);

    /// <summary>
    /// Sends a signed <c>webhook.test</c> event to the endpoint now and returns what the receiver answered. Nothing is
    /// recorded or retried; a receiver that is down is a result with <see cref="WebhookTestResult.Delivered"/> false.
    /// </summary>
    public virtual Task<WebhookTestResult> TestEndpointAsync(string endpointId, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<WebhookTestResult>(HttpMethod.Post, $"v1/webhooks/endpoints/{Uri.EscapeDataString(endpointId)}/test", null, null,
            cancellationToken);

    /// <summary>One page of events after <paramref name="after"/> (a cursor; from the start when null), oldest first.</summary>
    public virtual Task<WebhookEventPage> ListEventsAsync(string? after = null, int? limit = null, string? type = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (after is not null)
        {
            query.Add("after=" + Uri.EscapeDataString(after));
        }
        if (limit is { } l)
        {
            query.Add("limit=" + l.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (type is not null)
        {
            query.Add("type=" + Uri.EscapeDataString(type));
        }
        var path = "v1/webhooks/events" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
        return _transport.SendAsync<WebhookEventPage>(HttpMethod.Get, path, null, null, cancellationToken);
    }

    /// <summary>
    /// Every event after <paramref name="after"/> (a cursor; from the start when null), oldest first, fetched page by page:
    /// <c>await foreach</c> over the events, or <c>AsPages(cursor)</c> to resume from a saved page token.
    /// </summary>
    public virtual AsyncPageable<WebhookEventRecord> GetEventsAsync(string? after = null, string? type = null, CancellationToken cancellationToken = default) =>
        AsyncPageable<WebhookEventRecord>.FromPages(async (cursor, size, ct) =>
        {
            var page = await ListEventsAsync(cursor ?? after, size ?? 500, type, ct);
            return new Page<WebhookEventRecord>(page.Data, page.HasMore ? page.NextCursor : null,
                new Response(200, new Dictionary<string, IReadOnlyList<string>>()));
        }, cancellationToken);

    /// <summary>Every event after <paramref name="after"/>, page by page (as <see cref="GetEventsAsync"/>).</summary>
    public virtual IAsyncEnumerable<WebhookEventRecord> ListAllEventsAsync(string? after = null, string? type = null, CancellationToken cancellationToken = default) =>
        GetEventsAsync(after, type, cancellationToken);

    /// <summary>One event and its deliveries.</summary>
    public virtual Task<WebhookEventRecord> GetEventAsync(string eventId, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<WebhookEventRecord>(HttpMethod.Get, $"v1/webhooks/events/{Uri.EscapeDataString(eventId)}", null, null, cancellationToken);

    /// <summary>Delivers an event again (same id and body, freshly signed) to <paramref name="endpointId"/> or every subscribed endpoint.</summary>
    public virtual Task<WebhookReplay> ReplayEventAsync(string eventId, string? endpointId = null, CancellationToken cancellationToken = default) =>
        _transport.SendAsync<WebhookReplay>(HttpMethod.Post, $"v1/webhooks/events/{Uri.EscapeDataString(eventId)}/replay",
            new { endpointId }, null, cancellationToken);
}
