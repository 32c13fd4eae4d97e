using Microsoft.AspNetCore.Http.HttpResults;
using Sharemint.Errors;
using Sharemint.Orders;
using Sharemint.Silo.Api.Contracts;

namespace Sharemint.Silo.Api.Partner;

/// <summary>
/// Idempotency-Key replays. A key names its order for good: the order id is derived from (partner, key), so the same key
/// returns the same order however much later it is sent, and a different request under it is 409
/// <c>idempotency_conflict</c>. Keys never expire, so a key must never be reused for a new request (use a UUID).
/// </summary>
public static class Idempotency
{
    /// <summary>The response header set to <c>true</c> when the answer is an order an earlier request with the same key placed.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>
    /// Whether an order with this id was already placed. Read before placing, so a sequential retry is always reported as
    /// a replay; of two identical requests racing, both may be answered as new (they still place one order).
    /// </summary>
    public static async Task<bool> IsPlacedAsync(IGrainFactory grains, string orderId) =>
        await grains.GetGrain<IOrderGrain>(orderId).FindAsync() is not null;

    /// <summary>Whether a quote with this id was already made (as <see cref="IsPlacedAsync"/>, for quotes).</summary>
    public static async Task<bool> IsQuotedAsync(IGrainFactory grains, string quoteId) =>
        await grains.GetGrain<Sharemint.Quotes.IQuoteGrain>(quoteId).FindAsync() is not null;

    /// <summary>202 with the order and its location, marked as a replay when it is one.</summary>
    public static Accepted<OrderView> Accepted(HttpContext context, OrderSnapshot order, bool replay, string? clientReference)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(order);
        if (replay)
        {
            context.Response.Headers[ReplayedHeader] = "true";
        }
        return TypedResults.Accepted($"{ApiRoutes.PartnerPrefix}/orders/{order.OrderId}", OrderView.From(order, clientReference));
    }

    /// <summary>
    /// Places an order under the partner's optional <paramref name="clientReference"/>: the reference is claimed for the
    /// order id first (409 <c>client_reference_conflict</c> when it names another order), and given back when the
    /// placement is refused, so a refused order leaves nothing behind.
    /// </summary>
    public static async Task<Accepted<OrderView>> PlaceAsync(HttpContext context, IGrainFactory grains, string accountId, string orderId,
        string? clientReference, Func<IOrderGrain, Task<OrderSnapshot>> place)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(place);
        var store = context.RequestServices.GetRequiredService<Sharemint.Silo.Orders.ClientReferenceStore>();
        var reference = clientReference is null ? null : Paging.ClientReferences.Require(clientReference);
        var claim = reference is null ? (Sharemint.Silo.Orders.ReferenceClaim?)null
            : await store.ClaimAsync(accountId, reference, orderId, context.RequestAborted);
        if (claim == Sharemint.Silo.Orders.ReferenceClaim.Conflict)
        {
            throw new Problems.ApiProblemException(StatusCodes.Status409Conflict, "client_reference_conflict",
                $"client_reference '{reference}' already names another of your orders (or this order has another reference).");
        }
        var replay = await IsPlacedAsync(grains, orderId);
        OrderSnapshot order;
        try
        {
            order = await place(grains.GetGrain<IOrderGrain>(orderId));
        }
        catch (LedgerException) when (claim == Sharemint.Silo.Orders.ReferenceClaim.Claimed && !replay)
        {
            // A refusal changed nothing (LedgerException's contract): the order does not exist, so neither does its reference.
            await store.ReleaseAsync(accountId, reference!, orderId, CancellationToken.None);
            throw;
        }
        return Accepted(context, order, replay, reference ?? (replay ? await store.FindAsync(orderId, context.RequestAborted) : null));
    }
}
