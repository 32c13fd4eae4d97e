using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Sharemint.Silo.Api.Contracts;
using Sharemint.Silo.Api.Problems;
using Sharemint.Silo.Api.Security;
using Sharemint.Silo.Webhooks;
using Sharemint.Webhooks;

namespace Sharemint.Silo.Api.Partner;

/// <summary>
/// Self-service webhooks under <c>/v1/webhooks</c>: a partner registers, lists, rotates and removes its endpoints, and
/// lists and replays its events. Another partner's endpoint or event id answers 404, as an unknown one does.
/// </summary>
public static partial class WebhooksEndpoints
{
    /// <summary>How long the old secret keeps signing after a rotation unless the request says otherwise.</summary>
    public const int DefaultOverlapSeconds = 86_400;

    public static void MapWebhooksApi(this IEndpointRouteBuilder endpoints)
    {
        var webhooks = endpoints.MapGroup(ApiRoutes.PartnerPrefix + "/webhooks")
            .WithTags("Webhooks").RequirePartnerKey().ProducesCommonProblems()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        webhooks.MapPost("/endpoints", CreateOwnEndpoint).RequireScope(ApiScope.Trade)
            .WithName("CreateWebhookEndpoint")
            .WithSummary("Register an endpoint for event types. The answer carries the endpoint's signing secret, shown only here.");
        webhooks.MapGet("/endpoints", ListOwnEndpoints).RequireScope(ApiScope.Read)
            .WithName("ListWebhookEndpoints").WithSummary("The partner's endpoints.");
        webhooks.MapGet("/endpoints/{endpointId}", GetOwnEndpoint).RequireScope(ApiScope.Read)
            .WithName("GetWebhookEndpoint").WithSummary("One endpoint.");
        webhooks.MapDelete("/endpoints/{endpointId}", DeleteOwnEndpoint).RequireScope(ApiScope.Trade)
            .WithName("DeleteWebhookEndpoint").WithSummary("Remove an endpoint; its pending deliveries are dropped.");
        webhooks.MapPost("/endpoints/{endpointId}/rotate", RotateOwnEndpoint).RequireScope(ApiScope.Trade)
            .WithName("RotateWebhookSecret")
            .WithSummary("Replace the endpoint's secret; deliveries carry a signature with the old one too for overlapSeconds (default 86400).");
        webhooks.MapGet("/endpoints/{endpointId}/deliveries", ListOwnDeliveries).RequireScope(ApiScope.Read)
            .WithName("ListWebhookDeliveries")
            .WithSummary("The endpoint's deliveries, newest first; status filters pending, delivered or abandoned.");
        webhooks.MapPost("/endpoints/{endpointId}/test", TestOwnEndpoint).RequireScope(ApiScope.Trade)
            .WithName("TestWebhookEndpoint")
            .WithSummary("Send a signed webhook.test event to the endpoint now and report what the receiver answered (nothing is recorded or retried).");
        webhooks.MapGet("/events", ListOwnEvents).RequireScope(ApiScope.Read)
            .WithName("ListWebhookEvents")
            .WithSummary("The partner's events after a cursor, oldest first, with each endpoint's delivery state (data, has_more, next_cursor).");
        webhooks.MapGet("/events/{eventId}", GetOwnEvent).RequireScope(ApiScope.Read)
            .WithName("GetWebhookEvent").WithSummary("One event and its deliveries.");
        webhooks.MapPost("/events/{eventId}/replay", ReplayOwnEvent).RequireScope(ApiScope.Trade)
            .WithName("ReplayWebhookEvent")
            .WithSummary("Deliver an event again (same id, same body, freshly signed), to one endpoint or all subscribed ones.");
    }

    private static Task<Created<IssuedWebhookEndpointView>> CreateOwnEndpoint(CreateWebhookEndpointBody body, ApiPrincipal principal,
        WebhookStore store, WebhookTargetCheck targets, IOptions<WebhookOptions> options, HttpContext context) =>
        CreateAsync(principal.PartnerAccountId, body, store, targets, options.Value, ApiRoutes.PartnerPrefix + "/webhooks/endpoints", context.RequestAborted);

    private static Task<Ok<WebhookEndpointView[]>> ListOwnEndpoints(ApiPrincipal principal, WebhookStore store, HttpContext context) =>
        ListAsync(principal.PartnerAccountId, store, context.RequestAborted);

    private static Task<Ok<WebhookEndpointView>> GetOwnEndpoint(string endpointId, ApiPrincipal principal, WebhookStore store, HttpContext context) =>
        GetAsync(principal.PartnerAccountId, endpointId, store, context.RequestAborted);

    private static Task<NoContent> DeleteOwnEndpoint(string endpointId, ApiPrincipal principal, WebhookStore store, HttpContext context) =>
        DeleteAsync(principal.PartnerAccountId, endpointId, store, context.RequestAborted);

    private static Task<Ok<IssuedWebhookEndpointView>> RotateOwnEndpoint(string endpointId, RotateWebhookSecretBody body, ApiPrincipal principal,
        WebhookStore store, IOptions<ApiOptions> options, HttpContext context) =>
        RotateAsync(principal.PartnerAccountId, endpointId, body, store, options.Value, context.RequestAborted);

    private static Task<Ok<WebhookEndpointDeliveryView[]>> ListOwnDeliveries(string endpointId, string? status, int? limit, ApiPrincipal principal,
        WebhookStore store, HttpContext context) =>
        ListDeliveriesAsync(principal.PartnerAccountId, endpointId, status, limit, store, context.RequestAborted);

    private static Task<Ok<WebhookTestView>> TestOwnEndpoint(string endpointId, ApiPrincipal principal, WebhookStore store, WebhookHttp http,
        TimeProvider clock, HttpContext context) =>
        TestAsync(principal.PartnerAccountId, endpointId, store, http, clock, context.RequestAborted);

    private static Task<Ok<WebhookEventPage>> ListOwnEvents(string? after, int? limit, string? type, ApiPrincipal principal, WebhookStore store,
        HttpContext context) =>
        ListEventsAsync(principal.PartnerAccountId, after, limit, type, store, context.RequestAborted);

    private static Task<Ok<WebhookEventView>> GetOwnEvent(string eventId, ApiPrincipal principal, WebhookStore store, HttpContext context) =>
        GetEventAsync(principal.PartnerAccountId, eventId, store, context.RequestAborted);

    private static Task<Ok<WebhookReplayView>> ReplayOwnEvent(string eventId, ReplayWebhookEventBody? body, ApiPrincipal principal,
        WebhookStore store, WebhookSignal signal, HttpContext context) =>
        ReplayAsync(principal.PartnerAccountId, eventId, body, store, signal, context.RequestAborted);

    // ------------------------------------------------------------ shared with the operators' routes

    internal static async Task<Created<IssuedWebhookEndpointView>> CreateAsync(string accountId, CreateWebhookEndpointBody body, WebhookStore store,
        WebhookTargetCheck targets, WebhookOptions options, string location, CancellationToken cancellationToken)
    {
        var url = Url(body.Url, targets.AllowsPrivateNetworks);
        var types = EventTypes(body.EventTypes);
        if (await targets.RefusalAsync(new Uri(url), cancellationToken) is { } refusal)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "webhook_url_private",
                $"url must reach a public address: {refusal}.");
        }
        var issued = await store.CreateAsync(accountId, url, types, options.MaxEndpointsPerPartner, cancellationToken)
            ?? throw new ApiProblemException(StatusCodes.Status409Conflict, "webhook_endpoint_limit",
                $"An account may have at most {options.MaxEndpointsPerPartner} webhook endpoints; remove one first.");
        return TypedResults.Created($"{location}/{issued.Endpoint.EndpointId}", IssuedWebhookEndpointView.From(issued));
    }

    internal static async Task<Ok<WebhookEndpointView[]>> ListAsync(string accountId, WebhookStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ListAsync(accountId, cancellationToken)).Select(WebhookEndpointView.From).ToArray());

    internal static async Task<Ok<WebhookEndpointView>> GetAsync(string accountId, string endpointId, WebhookStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(WebhookEndpointView.From(
            (IsEndpointId(endpointId) ? await store.FindAsync(accountId, endpointId, cancellationToken) : null) ?? throw EndpointNotFound()));

    internal static async Task<NoContent> DeleteAsync(string accountId, string endpointId, WebhookStore store, CancellationToken cancellationToken) =>
        IsEndpointId(endpointId) && await store.DeleteAsync(accountId, endpointId, cancellationToken) ? TypedResults.NoContent() : throw EndpointNotFound();

    internal static async Task<Ok<IssuedWebhookEndpointView>> RotateAsync(string accountId, string endpointId, RotateWebhookSecretBody body,
        WebhookStore store, ApiOptions options, CancellationToken cancellationToken)
    {
        var overlap = ApiRoutes.Overlap(body.OverlapSeconds, DefaultOverlapSeconds, options.MaxRotationOverlapSeconds);
        var issued = (IsEndpointId(endpointId) ? await store.RotateAsync(accountId, endpointId, overlap, cancellationToken) : null)
            ?? throw EndpointNotFound();
        return TypedResults.Ok(IssuedWebhookEndpointView.From(issued));
    }

    internal static async Task<Ok<WebhookEndpointDeliveryView[]>> ListDeliveriesAsync(string accountId, string endpointId, string? status, int? limit,
        WebhookStore store, CancellationToken cancellationToken)
    {
        var size = ApiRoutes.Limit(limit);
        if (status is not null and not ("pending" or "delivered" or "abandoned"))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "webhook_delivery_status_invalid",
                "status must be pending, delivered or abandoned.");
        }
        if (!IsEndpointId(endpointId) || await store.FindAsync(accountId, endpointId, cancellationToken) is null)
        {
            throw EndpointNotFound();
        }
        var deliveries = await store.ListDeliveriesAsync(accountId, endpointId, status, size, cancellationToken);
        return TypedResults.Ok(deliveries.Select(WebhookEndpointDeliveryView.From).ToArray());
    }

    internal static async Task<Ok<WebhookTestView>> TestAsync(string accountId, string endpointId, WebhookStore store, WebhookHttp http,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var target = (IsEndpointId(endpointId) ? await store.SigningTargetAsync(accountId, endpointId, now, cancellationToken) : null)
            ?? throw EndpointNotFound();
        var eventId = "evt_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(13));
        var body = WebhookEventBody.Serialize(eventId, WebhookEventTypes.EndpointTest, now, new { endpointId });
        var started = clock.GetTimestamp();
        var result = await http.SendAsync(target.Url, eventId, body, () => target.Secrets, now, cancellationToken);
        return TypedResults.Ok(new WebhookTestView(endpointId, eventId, result.Delivered, result.Status, result.Error,
            (long)clock.GetElapsedTime(started).TotalMilliseconds));
    }

    internal static async Task<Ok<WebhookEventPage>> ListEventsAsync(string accountId, string? after, int? limit, string? type, WebhookStore store,
        CancellationToken cancellationToken)
    {
        var size = ApiRoutes.Limit(limit);
        long cursor = 0;
        if (after is not null && (!long.TryParse(after, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out cursor)))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "cursor_invalid", "after must be a cursor from an earlier page (next_cursor or an event's cursor).");
        }
        if (type is not null && !WebhookEventTypes.IsKnown(type))
        {
            throw UnknownType(type);
        }
        var events = await store.ListEventsAsync(accountId, cursor, size + 1, type, cancellationToken);
        var page = events.Take(size).Select(WebhookEventView.From).ToArray();
        var more = events.Count > size;
        return TypedResults.Ok(new WebhookEventPage(page, more, more ? page[^1].Cursor : null));
    }

    internal static async Task<Ok<WebhookEventView>> GetEventAsync(string accountId, string eventId, WebhookStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(WebhookEventView.From(
            (IsEventId(eventId) ? await store.FindEventAsync(accountId, eventId, cancellationToken) : null) ?? throw EventNotFound()));

    internal static async Task<Ok<WebhookReplayView>> ReplayAsync(string accountId, string eventId, ReplayWebhookEventBody? body, WebhookStore store,
        WebhookSignal signal, CancellationToken cancellationToken)
    {
        var endpointId = body?.EndpointId;
        if (!IsEventId(eventId) || await store.FindEventAsync(accountId, eventId, cancellationToken) is null)
        {
            throw EventNotFound();
        }
        if (endpointId is not null && (!IsEndpointId(endpointId) || await store.FindAsync(accountId, endpointId, cancellationToken) is null))
        {
            throw EndpointNotFound();
        }
        var queued = await store.ReplayAsync(accountId, eventId, endpointId, cancellationToken);
        if (queued.Count == 0)
        {
            throw new ApiProblemException(StatusCodes.Status409Conflict, "webhook_no_subscriber",
                "No endpoint of this account (or not the one named) is subscribed to this event's type.");
        }
        signal.Wake();
        return TypedResults.Ok(new WebhookReplayView(eventId, queued));
    }

    /// <summary>
    /// An endpoint URL: absolute, https (http too only when private networks are allowed, for tests and run-local), no
    /// credentials or fragment, at most 2048 characters; 400 <c>webhook_url_invalid</c> otherwise. Where it points is
    /// checked separately (<see cref="WebhookTargetCheck"/>).
    /// </summary>
    public static string Url(string? url, bool allowPrivateNetworks)
    {
        if (url is null || url.Length > 2048 || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "webhook_url_invalid", "url must be an absolute https URL of at most 2048 characters.");
        }
        if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && allowPrivateNetworks))
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "webhook_url_invalid", "url must use https.");
        }
        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "webhook_url_invalid", "url must not carry credentials or a fragment.");
        }
        return uri.AbsoluteUri;
    }

    /// <summary>The event types of an endpoint: at least one, each known; 400 <c>webhook_event_type_invalid</c> otherwise.</summary>
    public static IReadOnlyList<string> EventTypes(IReadOnlyList<string>? types)
    {
        if (types is null || types.Count == 0)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "webhook_event_type_invalid",
                $"eventTypes must name at least one of: {string.Join(", ", WebhookEventTypes.All)}.");
        }
        foreach (var type in types)
        {
            if (!WebhookEventTypes.IsKnown(type))
            {
                throw UnknownType(type);
            }
        }
        return types.Distinct(StringComparer.Ordinal).ToArray();
    }

    private static ApiProblemException UnknownType(string? type) =>
        new(StatusCodes.Status400BadRequest, "webhook_event_type_invalid",
            $"Unknown event type '{(type is { Length: <= 64 } ? type : "…")}'; known: {string.Join(", ", WebhookEventTypes.All)}.");

    private static ApiProblemException EndpointNotFound() =>
        new(StatusCodes.Status404NotFound, "webhook_endpoint_not_found", "No such webhook endpoint.");

    private static ApiProblemException EventNotFound() =>
        new(StatusCodes.Status404NotFound, "webhook_event_not_found", "No such webhook event.");

    private static bool IsEndpointId(string id) => EndpointIdPattern().IsMatch(id);

    private static bool IsEventId(string id) => EventIdPattern().IsMatch(id);

    [GeneratedRegex("^we_[0-9a-f]{26}$")]
    private static partial Regex EndpointIdPattern();

    [GeneratedRegex("^evt_[0-9a-f]{26}$")]
    private static partial Regex EventIdPattern();
}
