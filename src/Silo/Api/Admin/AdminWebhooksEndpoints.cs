using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Sharemint.Accounts;
using Sharemint.Silo.Api.Contracts;
using Sharemint.Silo.Api.Partner;
using Sharemint.Silo.Api.Security;
using Sharemint.Silo.Webhooks;

namespace Sharemint.Silo.Api.Admin;

/// <summary>
/// Operators manage a partner's webhooks under <c>/admin/v1/partners/{accountId}/webhooks</c>: the same rules and answers
/// as the partner's own routes. Viewers read; operators change.
/// </summary>
public static class AdminWebhooksEndpoints
{
    public static void MapAdminWebhooksApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup(ApiRoutes.AdminPrefix + "/webhooks").WithTags("Admin: webhooks").RequireOperatorRole(OperatorRole.Viewer)
            .ProducesCommonProblems()
            .MapGet("/failing", ListFailingEndpoints).WithName("AdminListFailingWebhookEndpoints")
            .WithSummary("Endpoints whose deliveries fail (retrying or abandoned), longest failing first; accountId narrows to one partner.");
        var webhooks = endpoints.MapGroup(ApiRoutes.AdminPrefix + "/partners/{accountId}/webhooks")
            .WithTags("Admin: webhooks").RequireOperatorRole(OperatorRole.Viewer).ProducesCommonProblems()
            .ProducesProblem(StatusCodes.Status404NotFound);

        webhooks.MapPost("/endpoints", CreatePartnerEndpoint).RequireOperatorRole(OperatorRole.Operator)
            .WithName("AdminCreateWebhookEndpoint").WithSummary("Register an endpoint for a partner; the secret is in this answer only.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        webhooks.MapGet("/endpoints", ListPartnerEndpoints)
            .WithName("AdminListWebhookEndpoints").WithSummary("A partner's endpoints.");
        webhooks.MapGet("/endpoints/{endpointId}", GetPartnerEndpoint)
            .WithName("AdminGetWebhookEndpoint").WithSummary("One of a partner's endpoints.");
        webhooks.MapDelete("/endpoints/{endpointId}", DeletePartnerEndpoint).RequireOperatorRole(OperatorRole.Operator)
            .WithName("AdminDeleteWebhookEndpoint").WithSummary("Remove a partner's endpoint.");
        webhooks.MapPost("/endpoints/{endpointId}/rotate", RotatePartnerEndpoint).RequireOperatorRole(OperatorRole.Operator)
            .WithName("AdminRotateWebhookSecret").WithSummary("Replace a partner endpoint's secret.");
        webhooks.MapGet("/endpoints/{endpointId}/deliveries", ListPartnerDeliveries)
            .WithName("AdminListWebhookDeliveries").WithSummary("A partner endpoint's deliveries, newest first; status filters pending, delivered or abandoned.");
        webhooks.MapPost("/endpoints/{endpointId}/test", TestPartnerEndpoint).RequireOperatorRole(OperatorRole.Operator)
            .WithName("AdminTestWebhookEndpoint").WithSummary("Send a signed webhook.test event to a partner's endpoint and report the answer.");
        webhooks.MapGet("/events", ListPartnerEvents)
            .WithName("AdminListWebhookEvents").WithSummary("A partner's events after a cursor, with delivery state.");
        webhooks.MapPost("/events/{eventId}/replay", ReplayPartnerEvent).RequireOperatorRole(OperatorRole.Operator)
            .WithName("AdminReplayWebhookEvent").WithSummary("Deliver a partner's event again.")
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Ok<FailingWebhookEndpointView[]>> ListFailingEndpoints(string? accountId, int? limit, WebhookStore store, HttpContext context)
    {
        var size = ApiRoutes.Limit(limit);
        var failing = await store.ListFailingAsync(accountId is null ? null : ApiRoutes.Account(accountId), size, context.RequestAborted);
        return TypedResults.Ok(failing.Select(FailingWebhookEndpointView.From).ToArray());
    }

    private static Task<Ok<WebhookEndpointDeliveryView[]>> ListPartnerDeliveries(string accountId, string endpointId, string? status, int? limit,
        WebhookStore store, HttpContext context) =>
        WebhooksEndpoints.ListDeliveriesAsync(ApiRoutes.Account(accountId), endpointId, status, limit, store, context.RequestAborted);

    private static Task<Ok<WebhookTestView>> TestPartnerEndpoint(string accountId, string endpointId, WebhookStore store, WebhookHttp http,
        TimeProvider clock, HttpContext context) =>
        WebhooksEndpoints.TestAsync(ApiRoutes.Account(accountId), endpointId, store, http, clock, context.RequestAborted);

    private static async Task<Created<IssuedWebhookEndpointView>> CreatePartnerEndpoint(string accountId, CreateWebhookEndpointBody body,
        IGrainFactory grains, WebhookStore store, WebhookTargetCheck targets, IOptions<WebhookOptions> options, HttpContext context)
    {
        // The account must exist (404 account_not_found): an endpoint for nobody would never receive anything.
        _ = await grains.GetGrain<IHolderAccountGrain>(ApiRoutes.Account(accountId)).GetAsync();
        return await WebhooksEndpoints.CreateAsync(accountId, body, store, targets, options.Value,
            $"{ApiRoutes.AdminPrefix}/partners/{accountId}/webhooks/endpoints", context.RequestAborted);
    }

    private static Task<Ok<WebhookEndpointView[]>> ListPartnerEndpoints(string accountId, WebhookStore store, HttpContext context) =>
        WebhooksEndpoints.ListAsync(ApiRoutes.Account(accountId), store, context.RequestAborted);

    private static Task<Ok<WebhookEndpointView>> GetPartnerEndpoint(string accountId, string endpointId, WebhookStore store, HttpContext context) =>
        WebhooksEndpoints.GetAsync(ApiRoutes.Account(accountId), endpointId, store, context.RequestAborted);

    private static Task<NoContent> DeletePartnerEndpoint(string accountId, string endpointId, WebhookStore store, HttpContext context) =>
        WebhooksEndpoints.DeleteAsync(ApiRoutes.Account(accountId), endpointId, store, context.RequestAborted);

    private static Task<Ok<IssuedWebhookEndpointView>> RotatePartnerEndpoint(string accountId, string endpointId, RotateWebhookSecretBody body,
        WebhookStore store, IOptions<ApiOptions> options, HttpContext context) =>
        WebhooksEndpoints.RotateAsync(ApiRoutes.Account(accountId), endpointId, body, store, options.Value, context.RequestAborted);

    private static Task<Ok<WebhookEventPage>> ListPartnerEvents(string accountId, string? after, int? limit, string? type, WebhookStore store,
        HttpContext context) =>
        WebhooksEndpoints.ListEventsAsync(ApiRoutes.Account(accountId), after, limit, type, store, context.RequestAborted);

    private static Task<Ok<WebhookReplayView>> ReplayPartnerEvent(string accountId, string eventId, ReplayWebhookEventBody? body,
        WebhookStore store, WebhookSignal signal, HttpContext context) =>
        WebhooksEndpoints.ReplayAsync(ApiRoutes.Account(accountId), eventId, body, store, signal, context.RequestAborted);
}
