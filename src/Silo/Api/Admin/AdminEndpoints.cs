using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Catalog;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Market;
using Sharemint.Orders;
using Sharemint.Reserves;
using Sharemint.Silo.Api.Contracts;
using Sharemint.Silo.Api.Limits;
using Sharemint.Silo.Api.Paging;
using Sharemint.Silo.Api.Partner;
using Sharemint.Silo.Api.Problems;
using Sharemint.Silo.Api.Security;

namespace Sharemint.Silo.Api.Admin;

/// <summary>
/// The operator API under <c>/admin/v1</c>: operator keys only (partner keys get 403). Viewers read; operators pause,
/// onboard, allow-list, credit, sanction, reconcile and set prices; admins also manage operator keys.
/// </summary>
public static class AdminEndpoints
{
    public static void MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup(ApiRoutes.AdminPrefix)
            .RequireOperatorRole(OperatorRole.Viewer)
            .ProducesCommonProblems();

        MapAssets(admin.MapGroup("/assets").WithTags("Admin: assets"));
        admin.MapGroup("/assets").MapCorporateActions();
        admin.MapGroup("/assets").WithTags("Admin: assets").MapAssetLifecycle();
        MapPartners(admin.MapGroup("/partners").WithTags("Admin: partners"));
        MapKeys(admin.MapGroup("/keys").WithTags("Admin: keys"));
        MapSanctions(admin.MapGroup("/sanctions").WithTags("Admin: sanctions"));
        MapOrders(admin.MapGroup("/orders").WithTags("Admin: orders"));
        MapReserves(admin.MapGroup("/reserves").WithTags("Admin: reserves"));
        MapPrices(admin.MapGroup("/prices").WithTags("Admin: prices"));
        DepositEndpoints.Map(admin.MapGroup("/deposits").WithTags("Admin: deposits"));
        admin.MapAdminLimits();
    }

    private static void MapAssets(RouteGroupBuilder assets)
    {
        assets.MapGet("/", async (IGrainFactory grains, HttpContext context) =>
                TypedResults.Ok(KeysetPage.Of(context, "assets", await PartnerEndpoints.ListAssetsAsync(grains), a => a.Symbol, a => a)))
            .WithName("AdminListAssets").WithSummary("The assets by symbol, a page at a time (data, has_more, next_cursor; cursor, limit).");

        assets.MapPost("/{symbol}/pause", async (string symbol, PauseBody? body, HttpContext context, IGrainFactory grains) =>
            {
                var status = (body?.Scope ?? "all") switch
                {
                    "mint" => AssetStatus.MintPaused,
                    "redeem" => AssetStatus.RedeemPaused,
                    "all" => AssetStatus.Halted,
                    _ => throw new ApiProblemException(StatusCodes.Status400BadRequest, "scope_invalid", "scope must be mint, redeem or all."),
                };
                var asset = grains.GetGrain<IAssetGrain>(ApiRoutes.Symbol(symbol));
                return TypedResults.Ok(AssetView.From(await asset.SetStatusAsync(ApiRoutes.OperationFor(context, $"pause\n{symbol}\n{status}"), status)));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("PauseAsset").WithSummary("Pause minting, redeeming or both.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        assets.MapPost("/{symbol}/resume", async (string symbol, HttpContext context, IGrainFactory grains) =>
                TypedResults.Ok(AssetView.From(await grains.GetGrain<IAssetGrain>(ApiRoutes.Symbol(symbol))
                    .SetStatusAsync(ApiRoutes.OperationFor(context, $"resume\n{symbol}"), AssetStatus.Active))))
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("ResumeAsset").WithSummary("Resume minting and redeeming.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static void MapPartners(RouteGroupBuilder partners)
    {
        partners.MapGet("/", async (IGrainFactory grains, HttpContext context) =>
            {
                // The page is cut from the index first, so only that page's account grains are read.
                var ids = await grains.GetGrain<ICatalogGrain>(0).ListAccountsAsync();
                var page = KeysetPage.Of(context, "partners", ids, id => id, id => id);
                var accounts = await Task.WhenAll(page.Data.Select(id => grains.GetGrain<IHolderAccountGrain>(id).GetAsync()));
                return TypedResults.Ok(new PageView<AccountView>(accounts.Select(AccountView.From).ToArray(), page.HasMore, page.NextCursor));
            })
            .WithName("ListPartners").WithSummary("Onboarded partners by account id, a page at a time (data, has_more, next_cursor; cursor, limit).");

        partners.MapGet("/{accountId}", async (string accountId, IGrainFactory grains) =>
                TypedResults.Ok(AccountView.From(await grains.GetGrain<IHolderAccountGrain>(ApiRoutes.Account(accountId)).GetAsync())))
            .WithName("GetPartner").WithSummary("One partner's account.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        partners.MapPost("/", async (OnboardPartnerBody body, IGrainFactory grains) =>
            {
                if (!ApiRoutes.IsAccountId(body.AccountId))
                {
                    throw new ApiProblemException(StatusCodes.Status400BadRequest, "account_id_invalid", "accountId must be 3-64 lower-case letters, digits or '-'.");
                }
                var tier = body.Tier is null ? PartnerTier.Standard : ApiRoutes.ParseEnum<PartnerTier>(body.Tier, "tier_invalid", "tier");
                var limits = new AccountLimits(
                    ApiRoutes.Cash(body.MaxOrderCash ?? AccountLimits.Default.MaxOrderCash, "maxOrderCash"),
                    ApiRoutes.Cash(body.MaxDailyCash ?? AccountLimits.Default.MaxDailyCash, "maxDailyCash"));
                var profile = new PartnerProfile(body.DisplayName, body.Jurisdiction, tier, body.FeeRate ?? DefaultFee(tier), limits);
                var account = await grains.GetGrain<ICatalogGrain>(0).RegisterAccountAsync(body.AccountId, profile);
                return TypedResults.Created($"{ApiRoutes.AdminPrefix}/partners/{account.AccountId}", AccountView.From(account));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("OnboardPartner").WithSummary("Onboard a partner (KYC pending). Idempotent for the same profile.")
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        partners.MapPost("/{accountId}/kyc", async (string accountId, KycBody body, HttpContext context, IGrainFactory grains) =>
            {
                var status = ApiRoutes.ParseEnum<KycStatus>(body.Status, "kyc_status_invalid", "status");
                return TypedResults.Ok(AccountView.From(await grains.GetGrain<IHolderAccountGrain>(ApiRoutes.Account(accountId))
                    .SetKycStatusAsync(ApiRoutes.OperationFor(context, $"kyc\n{accountId}\n{status}"), status)));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("SetPartnerKyc").WithSummary("Record a KYC outcome.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        partners.MapPost("/{accountId}/wallets", async (string accountId, WalletBody body, HttpContext context, IGrainFactory grains) =>
                TypedResults.Ok(AccountView.From(await grains.GetGrain<IHolderAccountGrain>(ApiRoutes.Account(accountId))
                    .AllowWalletAsync(ApiRoutes.OperationFor(context, $"allow\n{accountId}\n{body.Chain}\n{body.Address}"), body.Chain, body.Address))))
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("AllowWallet").WithSummary("Allow-list a wallet on a chain (refused for a sanctioned or malformed address).")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        partners.MapPost("/{accountId}/wallets/remove", async (string accountId, WalletBody body, HttpContext context, IGrainFactory grains) =>
                TypedResults.Ok(AccountView.From(await grains.GetGrain<IHolderAccountGrain>(ApiRoutes.Account(accountId))
                    .RemoveWalletAsync(ApiRoutes.OperationFor(context, $"remove\n{accountId}\n{body.Chain}\n{body.Address}"), body.Chain, body.Address))))
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("RemoveWallet").WithSummary("Remove a wallet from the allow-list.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        partners.MapPost("/{accountId}/cash", async (string accountId, CashBody body, HttpContext context, IGrainFactory grains) =>
            {
                var key = ApiRoutes.RequireIdempotencyKey(context);
                return TypedResults.Ok(AccountView.From(await grains.GetGrain<IHolderAccountGrain>(ApiRoutes.Account(accountId))
                    .CreditCashAsync(ApiRoutes.OperationFor(context, $"credit\n{accountId}\n{key}"), ApiRoutes.Cash(body.Amount, "amount"))));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("CreditCash").WithSummary("Credit cash to a partner. Needs an Idempotency-Key.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        partners.MapGet("/{accountId}/keys", async (string accountId, ApiKeyStore keys, HttpContext context) =>
                TypedResults.Ok(KeysetPage.Of(context, "keys:" + accountId, await keys.ListAsync(ApiRoutes.Account(accountId), context.RequestAborted),
                    k => k.KeyId, ApiKeyView.From)))
            .WithName("ListPartnerKeys").WithSummary("A partner's API keys by key id (never their secrets), a page at a time (data, has_more, next_cursor; cursor, limit).");

        partners.MapPost("/{accountId}/keys", async (string accountId, CreatePartnerKeyBody? body, ApiKeyStore keys, IGrainFactory grains, HttpContext context) =>
            {
                var scopes = ApiKeyStore.ParseScopes(body?.Scopes);
                var allowed = ApiKeyStore.ParseNetworks(body?.AllowedIps);
                await grains.GetGrain<IHolderAccountGrain>(ApiRoutes.Account(accountId)).GetAsync();
                var issued = await keys.CreatePartnerKeyAsync(accountId, body?.Label ?? "", scopes, allowed, context.RequestAborted);
                return TypedResults.Created($"{ApiRoutes.AdminPrefix}/keys/{issued.Key.KeyId}", IssuedKeyView.From(issued));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("CreatePartnerKey").WithSummary("Create a partner API key with scopes (read, trade, withdraw) and optional allowed IPs. The secret is in this answer only.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static void MapKeys(RouteGroupBuilder keys)
    {
        keys.MapGet("/", async (ApiKeyStore store, HttpContext context) =>
                TypedResults.Ok(KeysetPage.Of(context, "keys", await store.ListAsync(null, context.RequestAborted), k => k.KeyId, ApiKeyView.From)))
            .RequireOperatorRole(OperatorRole.Admin)
            .WithName("ListKeys").WithSummary("Every API key by key id (never their secrets), a page at a time (data, has_more, next_cursor; cursor, limit).");

        keys.MapPost("/", async (CreateOperatorKeyBody body, ApiKeyStore store, HttpContext context) =>
            {
                var issued = await store.CreateOperatorKeyAsync(ApiKeyStore.ParseRole(body.Role), body.Label ?? "", ApiKeyStore.ParseNetworks(body.AllowedIps), context.RequestAborted);
                return TypedResults.Created($"{ApiRoutes.AdminPrefix}/keys/{issued.Key.KeyId}", IssuedKeyView.From(issued));
            })
            .RequireOperatorRole(OperatorRole.Admin)
            .WithName("CreateOperatorKey").WithSummary("Create an operator key with a role. The secret is in this answer only.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        keys.MapPost("/{keyId}/rotate", async (string keyId, RotateKeyBody? body, ApiPrincipal principal, ApiKeyStore store, ApiKeyCache cache,
                Microsoft.Extensions.Options.IOptions<ApiOptions> options, HttpContext context) =>
            {
                var overlap = ApiRoutes.Overlap(body?.OverlapSeconds, 0, options.Value.MaxRotationOverlapSeconds);
                await RequireKeyManagerAsync(store, principal, keyId, context.RequestAborted);
                var issued = await store.RotateAsync(keyId, overlap, context.RequestAborted);
                cache.Invalidate(keyId);
                return TypedResults.Ok(IssuedKeyView.From(issued));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("RotateKey").WithSummary("Replace a key's secret; the old one stops working now, or after overlapSeconds. The new secret is in this answer only.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        keys.MapPost("/{keyId}/revoke", async (string keyId, ApiPrincipal principal, ApiKeyStore store, ApiKeyCache cache, HttpContext context) =>
            {
                await RequireKeyManagerAsync(store, principal, keyId, context.RequestAborted);
                var revoked = await store.RevokeAsync(keyId, context.RequestAborted);
                cache.Invalidate(keyId);
                return TypedResults.Ok(ApiKeyView.From(revoked));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("RevokeKey").WithSummary("Revoke a key for good.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>Operators manage partner keys; operator keys only admins.</summary>
    private static async Task RequireKeyManagerAsync(ApiKeyStore store, ApiPrincipal principal, string keyId, CancellationToken cancellationToken)
    {
        var key = ApiKeyStore.IsValidKeyId(keyId) ? await store.FindAsync(keyId, cancellationToken) : null;
        if (key is null)
        {
            throw new ApiProblemException(StatusCodes.Status404NotFound, "key_not_found", $"No key '{keyId}'.");
        }
        if (key.Kind == ApiKeyKind.Operator && principal.Role < OperatorRole.Admin)
        {
            throw new ApiProblemException(StatusCodes.Status403Forbidden, "role_insufficient", "Only admins manage operator keys.");
        }
    }

    private static void MapSanctions(RouteGroupBuilder sanctions)
    {
        sanctions.MapGet("/", async (IGrainFactory grains, HttpContext context) =>
                TypedResults.Ok(KeysetPage.Of(context, "sanctions", await grains.GetGrain<ISanctionsListGrain>(0).ListAsync(),
                    s => s.Chain + "\n" + s.Address, SanctionView.From)))
            .WithName("ListSanctions").WithSummary("Sanctioned addresses by chain and address, a page at a time (data, has_more, next_cursor; cursor, limit).");

        sanctions.MapPost("/", async (SanctionBody body, HttpContext context, IGrainFactory grains) =>
            {
                var address = ChainAddress.Canonicalize(body.Chain, body.Address);
                await grains.GetGrain<ISanctionsListGrain>(0).AddAsync(ApiRoutes.OperationFor(context, $"sanction\n{body.Chain}\n{address}"), body.Chain, address, body.Reason);
                return TypedResults.Ok(new WalletView(body.Chain, address));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("AddSanction").WithSummary("List a sanctioned address.")
            .ProducesProblem(StatusCodes.Status409Conflict);

        sanctions.MapPost("/remove", async (WalletBody body, HttpContext context, IGrainFactory grains) =>
            {
                var address = ChainAddress.Canonicalize(body.Chain, body.Address);
                await grains.GetGrain<ISanctionsListGrain>(0).RemoveAsync(ApiRoutes.OperationFor(context, $"unsanction\n{body.Chain}\n{address}"), body.Chain, address);
                return TypedResults.Ok(new WalletView(body.Chain, address));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("RemoveSanction").WithSummary("De-list an address.")
            .ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static void MapOrders(RouteGroupBuilder orders)
    {
        orders.MapGet("/", async (string? account, [AsParameters] OrderListParameters parameters, HttpContext context) =>
            {
                if (account is not null && !ApiRoutes.IsAccountId(account))
                {
                    throw new ApiProblemException(StatusCodes.Status400BadRequest, "account_id_invalid", "account must be 3-64 lower-case letters, digits or '-'.");
                }
                var query = OrderListing.Query(context, parameters, account, "account");
                var page = await PartnerEndpoints.OrderIndex(context).PageAsync(query, context.RequestAborted);
                return TypedResults.Ok(OrderListing.View(page, OrderSummaryView.From));
            })
            .WithName("AdminListOrders")
            .WithSummary("Orders, newest first, a page at a time (data, has_more, next_cursor), filtered by account, status, kind, symbol, chain, creation time and client_reference.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        orders.MapGet("/{orderId}", async (string orderId, IGrainFactory grains, Sharemint.Silo.Orders.ClientReferenceStore references, HttpContext context) =>
            {
                if (!ApiRoutes.IsOrderId(orderId))
                {
                    throw new LedgerException(LedgerError.OrderNotFound, $"No order '{orderId}'.");
                }
                return TypedResults.Ok(OrderView.From(await grains.GetGrain<IOrderGrain>(orderId).GetAsync(),
                    await references.FindAsync(orderId, context.RequestAborted)));
            })
            .WithName("AdminGetOrder").WithSummary("Any order with its steps.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static void MapReserves(RouteGroupBuilder reserves)
    {
        reserves.MapPost("/{symbol}/reconcile", async (string symbol, IGrainFactory grains) =>
            {
                await grains.GetGrain<IAssetGrain>(ApiRoutes.Symbol(symbol)).GetAsync();
                return TypedResults.Ok(AttestationView.From(await grains.GetGrain<IReservesGrain>(symbol).ReconcileAsync()));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("ReconcileReserves").WithSummary("Reconcile an asset now and publish a signed attestation.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static void MapPrices(RouteGroupBuilder prices)
    {
        prices.MapGet("/{ticker}", async (string ticker, HttpContext context) =>
            {
                var known = ApiRoutes.Ticker(ticker);
                try
                {
                    var price = await MarketData(context).GetLastPriceAsync(known, context.RequestAborted);
                    return TypedResults.Ok(new PriceView(price.Ticker, price.Price, price.AsOf));
                }
                catch (LedgerException ex) when (ex.Error == LedgerError.PriceUnavailable)
                {
                    // Asking for a ticker nobody priced is the caller's mistake, not an outage.
                    throw new ApiProblemException(StatusCodes.Status404NotFound, "price_not_found", ex.Message);
                }
            })
            .WithName("GetPrice").WithSummary("The last price of an underlying.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        prices.MapPut("/{ticker}", async (string ticker, PriceBody body, HttpContext context) =>
            {
                var market = MarketData(context);
                await market.SetLastPriceAsync(ApiRoutes.Ticker(ticker), ApiRoutes.Price(body.Price), context.RequestAborted);
                var price = await market.GetLastPriceAsync(ticker, context.RequestAborted);
                return TypedResults.Ok(new PriceView(price.Ticker, price.Price, price.AsOf));
            })
            .RequireOperatorRole(OperatorRole.Operator)
            .WithName("SetPrice").WithSummary("Set the last price of an underlying (paper market data, operator override).")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static IMarketData MarketData(HttpContext context) =>
        context.RequestServices.GetService<IMarketData>()
        ?? throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "market_data_unavailable", "Market data is not available on this silo.");

    private static decimal DefaultFee(PartnerTier tier) => Limits.FeeSchedule.DefaultFee(tier);
}
