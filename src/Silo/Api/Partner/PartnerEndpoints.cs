using Microsoft.AspNetCore.Http.HttpResults;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Catalog;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Reserves;
using Sharemint.Silo.Api.Contracts;
using Sharemint.Silo.Api.Limits;
using Sharemint.Silo.Api.Paging;
using Sharemint.Silo.Api.Problems;
using Sharemint.Silo.Api.Security;

namespace Sharemint.Silo.Api.Partner;

/// <summary>
/// The partner API under <c>/v1</c>. Every route but the asset catalogue and the reserves is signed with a partner key,
/// and a partner sees and acts on its own account and orders only: another partner's order id answers 404.
/// </summary>
public static class PartnerEndpoints
{
    public static void MapPartnerApi(this IEndpointRouteBuilder endpoints)
    {
        var v1 = endpoints.MapGroup(ApiRoutes.PartnerPrefix)
            .ProducesCommonProblems();

        MapAssets(v1.MapGroup("/assets").WithTags("Assets"));
        Admin.CorporateActionsEndpoints.MapMultiplierHistory(v1.MapGroup("/assets").WithTags("Assets"));
        MapAccount(v1.MapGroup("/account").WithTags("Account").RequirePartnerKey());
        MapQuotes(v1.MapGroup("/quotes").WithTags("Quotes").RequirePartnerKey());
        MapOrders(v1.MapGroup("/orders").WithTags("Orders").RequirePartnerKey());
        MapTransfers(v1.MapGroup("/transfers").WithTags("Orders").RequirePartnerKey());
        MapOwnKey(v1.MapGroup("/keys").WithTags("Keys").RequirePartnerKey());
        MapReserves(v1.MapGroup("/reserves").WithTags("Reserves").AllowPublic());
        v1.MapPartnerLimits();
    }

    /// <summary>Every listed asset with its ledger figures.</summary>
    internal static async Task<AssetView[]> ListAssetsAsync(IGrainFactory grains)
    {
        var symbols = await grains.GetGrain<ICatalogGrain>(0).ListAssetsAsync();
        var snapshots = await Task.WhenAll(symbols.Select(s => grains.GetGrain<IAssetGrain>(s).GetAsync()));
        return snapshots.Select(AssetView.From).ToArray();
    }

    // The catalogue is public, like the reserves it backs: every figure in it is also in the signed attestations.
    private static void MapAssets(RouteGroupBuilder assets)
    {
        assets.AllowPublic();
        assets.MapGet("/", async (IGrainFactory grains) => TypedResults.Ok(await ListAssetsAsync(grains)))
            .WithName("ListAssets").WithSummary("List the assets with issued supply and custody.");
        assets.MapGet("/{symbol}", async (string symbol, IGrainFactory grains) =>
                TypedResults.Ok(AssetView.From(await grains.GetGrain<IAssetGrain>(ApiRoutes.Symbol(symbol)).GetAsync())))
            .WithName("GetAsset").WithSummary("One asset.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        assets.MapGet("/{symbol}/deployments", async (string symbol, IGrainFactory grains) =>
                TypedResults.Ok(await ListDeploymentsAsync(grains, symbol)))
            .WithName("ListAssetDeployments")
            .WithSummary("Where the asset is deployed: per chain the token address, decimals, ledger supply, and the issuer's redemption address (send tokens there to redeem).")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    internal static async Task<DeploymentView[]> ListDeploymentsAsync(IGrainFactory grains, string symbol)
    {
        _ = await grains.GetGrain<IAssetGrain>(ApiRoutes.Symbol(symbol)).GetAsync();
        var views = new List<DeploymentView>();
        foreach (var deployment in (await grains.GetGrain<Sharemint.Catalog.ICatalogGrain>(0).ListDeploymentsAsync()).Where(d => d.Symbol == symbol))
        {
            var ledger = await grains.GetGrain<Sharemint.Bridges.IChainBridgeGrain>(Sharemint.Bridges.DeploymentKey.For(symbol, deployment.Chain)).GetAsync();
            var signer = await grains.GetGrain<Sharemint.Signers.IChainSignerGrain>(deployment.Chain).GetInfoAsync();
            views.Add(new DeploymentView(deployment.Chain, ledger.Config.TokenAddress, ledger.Config.Decimals, ledger.Paused,
                ledger.Supply.ToString(), ledger.Supply.Units, signer.RedemptionAddress, signer.IssuerAddress));
        }
        return views.ToArray();
    }

    private static void MapAccount(RouteGroupBuilder account)
    {
        account.MapGet("/", async (ApiPrincipal principal, IGrainFactory grains) =>
                TypedResults.Ok(AccountView.From(await grains.GetGrain<IHolderAccountGrain>(principal.PartnerAccountId).GetAsync())))
            .RequireScope(ApiScope.Read)
            .WithName("GetAccount").WithSummary("The calling partner's account: KYC, wallets, cash.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        account.MapGet("/wallets/challenge", (string chain, string address, ApiPrincipal principal) =>
            {
                var canonical = ChainAddress.Canonicalize(chain, address);
                var scheme = ChainAddress.FamilyOf(chain) switch
                {
                    ChainAddress.Family.Evm => "eip191-personal-sign",
                    ChainAddress.Family.Tron => "tron-sign-message-v2",
                    _ => "ed25519",
                };
                return TypedResults.Ok(new WalletChallengeView(chain, canonical, WalletControlProof.Message(principal.PartnerAccountId, chain, canonical), scheme));
            })
            .RequireScope(ApiScope.Read)
            .WithName("GetWalletChallenge")
            .WithSummary("The message the holder signs with an allow-listed wallet's key to prove control; API redemptions and transfers burn only from proven wallets.");

        account.MapPost("/wallets/proof", async (WalletProofBody body, ApiPrincipal principal, HttpContext context, IGrainFactory grains) =>
            {
                var account = principal.PartnerAccountId;
                var canonical = ChainAddress.Canonicalize(body.Chain, body.Address);
                var operation = ApiRoutes.OperationFor(context, $"prove\n{account}\n{body.Chain}\n{canonical}");
                return TypedResults.Ok(AccountView.From(await grains.GetGrain<IHolderAccountGrain>(account)
                    .ProveWalletControlAsync(operation, body.Chain, canonical, body.Signature)));
            })
            .RequireScope(ApiScope.Trade)
            .WithName("ProveWallet")
            .WithSummary("Record the holder's signature of the wallet challenge: the wallet's consent to burns requested through the API.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static void MapOwnKey(RouteGroupBuilder keys)
    {
        keys.MapGet("/self", async (ApiPrincipal principal, ApiKeyStore store, HttpContext context) =>
                TypedResults.Ok(ApiKeyView.From(await store.FindAsync(principal.KeyId, context.RequestAborted)
                    ?? throw new ApiProblemException(StatusCodes.Status404NotFound, "key_not_found", "The key was removed."))))
            .RequireScope(ApiScope.None)
            .WithName("GetOwnKey").WithSummary("The key that signed this request: scopes, allowed addresses, rotation state (never the secret).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        // The body is required (an empty object for the default overlap), so a stray "null" cannot rotate a key.
        keys.MapPost("/self/rotate", async (RotateKeyBody body, ApiPrincipal principal, ApiKeyStore store, ApiKeyCache cache,
                Microsoft.Extensions.Options.IOptions<ApiOptions> options, HttpContext context) =>
            {
                var overlap = ApiRoutes.Overlap(body.OverlapSeconds, 3600, options.Value.MaxRotationOverlapSeconds);
                var issued = await store.RotateAsync(principal.KeyId, overlap, context.RequestAborted);
                cache.Invalidate(principal.KeyId);
                return TypedResults.Ok(IssuedKeyView.From(issued));
            })
            .RequireScope(ApiScope.None)
            .WithName("RotateOwnKey")
            .WithSummary("Replace this key's secret. The old secret keeps working for overlapSeconds (default 3600, 0 ends it now). The new secret is in this answer only.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static void MapQuotes(RouteGroupBuilder quotes)
    {
        quotes.MapPost("/", async (CreateQuoteBody body, ApiPrincipal principal, HttpContext context, IGrainFactory grains) =>
            {
                var account = principal.PartnerAccountId;
                var side = ApiRoutes.ParseEnum<QuoteSide>(body.Side, "side_invalid", "side");
                var key = ApiRoutes.OptionalIdempotencyKey(context);
                var quoteId = "q_" + (key is null ? Guid.NewGuid().ToString("N")[..26] : ApiRoutes.Hash($"quote\n{account}\n{key}"));
                var request = new QuoteRequest(account, ApiRoutes.Symbol(body.Symbol), side, ApiRoutes.Tokens(body.Amount));
                var replay = key is not null && await Idempotency.IsQuotedAsync(grains, quoteId);
                var quote = await grains.GetGrain<IQuoteGrain>(quoteId).CreateAsync(request);
                if (replay)
                {
                    context.Response.Headers[Idempotency.ReplayedHeader] = "true";
                }
                return TypedResults.Created($"{ApiRoutes.PartnerPrefix}/quotes/{quote.QuoteId}", QuoteView.From(quote));
            })
            .RequireScope(ApiScope.Trade)
            .WithName("CreateQuote").WithSummary("A signed price for minting or redeeming an amount, firm until it expires.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        quotes.MapGet("/{quoteId}", async (string quoteId, ApiPrincipal principal, IGrainFactory grains) =>
                TypedResults.Ok(QuoteView.From(await OwnQuoteAsync(grains, principal.PartnerAccountId, quoteId))))
            .RequireScope(ApiScope.Read)
            .WithName("GetQuote").WithSummary("One of the partner's quotes.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static void MapOrders(RouteGroupBuilder orders)
    {
        orders.MapPost("/mint", async (MintOrderBody body, ApiPrincipal principal, HttpContext context, IGrainFactory grains) =>
            {
                var account = principal.PartnerAccountId;
                var orderId = OrderIds.FromIdempotencyKey(account, ApiRoutes.RequireIdempotencyKey(context));
                var quote = await OwnQuoteAsync(grains, account, body.QuoteId);
                StartupDeployment(context)?.RequireDeployed(context, quote.Symbol, body.Chain);
                return await Idempotency.PlaceAsync(context, grains, account, orderId, body.ClientReference,
                    order => order.PlaceMintAsync(new MintOrderRequest(account, body.QuoteId, body.Chain, body.Wallet)));
            })
            .RequireScope(ApiScope.Trade)
            .WithName("Mint").WithSummary("Mint a quote's amount to an allow-listed wallet. Needs an Idempotency-Key.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        orders.MapPost("/redeem", async (RedeemOrderBody body, ApiPrincipal principal, HttpContext context, IGrainFactory grains) =>
            {
                var account = principal.PartnerAccountId;
                var orderId = OrderIds.FromIdempotencyKey(account, ApiRoutes.RequireIdempotencyKey(context));
                if (body.QuoteId is not null)
                {
                    await OwnQuoteAsync(grains, account, body.QuoteId);
                }
                var amount = ApiRoutes.Tokens(body.Amount);
                await RequireProvenWalletAsync(grains, account, body.Chain, body.Wallet);
                var request = new RedeemOrderRequest(account, ApiRoutes.Symbol(body.Symbol), body.Chain, body.Wallet, amount, body.QuoteId);
                StartupDeployment(context)?.RequireDeployed(context, request.Symbol, request.Chain);
                return await Idempotency.PlaceAsync(context, grains, account, orderId, body.ClientReference, order => order.PlaceRedeemAsync(request));
            })
            .RequireScope(ApiScope.Trade)
            .WithName("Redeem").WithSummary("Redeem tokens from an allow-listed wallet whose control was proven, for cash. Needs an Idempotency-Key.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        orders.MapGet("/", async ([AsParameters] OrderListParameters parameters, ApiPrincipal principal, HttpContext context) =>
            {
                var query = OrderListing.Query(context, parameters, principal.PartnerAccountId);
                var page = await OrderIndex(context).PageAsync(query, context.RequestAborted);
                return TypedResults.Ok(OrderListing.View(page, OrderSummaryView.From));
            })
            .RequireScope(ApiScope.Read)
            .WithName("ListOrders")
            .WithSummary("The partner's orders, newest first, a page at a time (data, has_more, next_cursor), filtered by status, kind, symbol, chain, creation time and client_reference.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        orders.MapGet("/{orderId}", async (string orderId, ApiPrincipal principal, IGrainFactory grains, Sharemint.Silo.Orders.ClientReferenceStore references, HttpContext context) =>
                TypedResults.Ok(OrderView.From(await OwnOrderAsync(grains, principal.PartnerAccountId, orderId),
                    await references.FindAsync(orderId, context.RequestAborted))))
            .RequireScope(ApiScope.Read)
            .WithName("GetOrder").WithSummary("One of the partner's orders with its steps.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        orders.MapPost("/{orderId}/cancel", async (string orderId, ApiPrincipal principal, IGrainFactory grains) =>
            {
                await OwnOrderAsync(grains, principal.PartnerAccountId, orderId);
                return TypedResults.Ok(OrderView.From(await grains.GetGrain<IOrderGrain>(orderId).CancelAsync()));
            })
            .RequireScope(ApiScope.Trade)
            .WithName("CancelOrder").WithSummary("Cancel a queued order with no effect yet.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static void MapTransfers(RouteGroupBuilder transfers)
    {
        transfers.MapPost("/", async (TransferBody body, ApiPrincipal principal, HttpContext context, IGrainFactory grains) =>
            {
                var account = principal.PartnerAccountId;
                var orderId = OrderIds.FromIdempotencyKey(account, ApiRoutes.RequireIdempotencyKey(context));
                var amount = ApiRoutes.Tokens(body.Amount);
                await RequireProvenWalletAsync(grains, account, body.FromChain, body.FromWallet);
                var request = new TransferOrderRequest(account, ApiRoutes.Symbol(body.Symbol), body.FromChain, body.FromWallet, body.ToChain, body.ToWallet, amount);
                StartupDeployment(context)?.RequireDeployed(context, request.Symbol, body.FromChain);
                StartupDeployment(context)?.RequireDeployed(context, request.Symbol, body.ToChain);
                return await Idempotency.PlaceAsync(context, grains, account, orderId, body.ClientReference, order => order.PlaceTransferAsync(request));
            })
            .RequireScope(ApiScope.Withdraw)
            .WithName("Transfer").WithSummary("Move tokens between chains (burn from a proven wallet, then mint). Needs an Idempotency-Key.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static void MapReserves(RouteGroupBuilder reserves)
    {
        reserves.MapGet("/{symbol}", async (string symbol, IGrainFactory grains) =>
            {
                var latest = await grains.GetGrain<IReservesGrain>(ApiRoutes.Symbol(symbol)).GetLatestAsync()
                    ?? throw new ApiProblemException(StatusCodes.Status404NotFound, "attestation_not_found", $"No reserves attestation for {symbol} yet.");
                return TypedResults.Ok(AttestationView.From(latest));
            })
            .WithName("GetReserves").WithSummary("The latest signed proof of reserves (public).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        reserves.MapGet("/{symbol}/history", async (string symbol, IGrainFactory grains, HttpContext context) =>
                TypedResults.Ok(Paging.KeysetPage.Of(context, "reserves:" + symbol,
                    await grains.GetGrain<IReservesGrain>(ApiRoutes.Symbol(symbol)).GetHistoryAsync(int.MaxValue),
                    r => Paging.KeysetPage.Descending(r.Sequence), ReserveReportView.From)))
            .WithName("GetReservesHistory").WithSummary("Past reconciliations kept by the silo, newest first, a page at a time (data, has_more, next_cursor; cursor, limit) (public).")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    /// <summary>The order if it is the partner's; 404 for another partner's (indistinguishable from a missing one).</summary>
    /// <summary>The silo's start-up deployment of the catalogue (absent on hosts that do not run one).</summary>
    private static Sharemint.Silo.Deployments.CatalogueDeploymentProgress? StartupDeployment(HttpContext context) =>
        context.RequestServices.GetService<Sharemint.Silo.Deployments.CatalogueDeploymentProgress>();

    private static async Task<OrderSnapshot> OwnOrderAsync(IGrainFactory grains, string accountId, string orderId)
    {
        var notFound = new LedgerException(LedgerError.OrderNotFound, $"No order '{orderId}'.");
        if (!ApiRoutes.IsOrderId(orderId))
        {
            throw notFound;
        }
        var order = await grains.GetGrain<IOrderGrain>(orderId).GetAsync();
        return order.AccountId == accountId ? order : throw notFound;
    }

    /// <summary>The quote if it is the partner's; 404 otherwise.</summary>
    private static async Task<Quote> OwnQuoteAsync(IGrainFactory grains, string accountId, string quoteId)
    {
        var notFound = new LedgerException(LedgerError.QuoteNotFound, $"No quote '{quoteId}'.");
        if (quoteId is not { Length: > 2 and <= 64 } || !quoteId.StartsWith("q_", StringComparison.Ordinal))
        {
            throw notFound;
        }
        var quote = await grains.GetGrain<IQuoteGrain>(quoteId).GetAsync();
        return quote.AccountId == accountId ? quote : throw notFound;
    }

    /// <summary>
    /// Holder consent: the API burns only from a wallet whose holder signed the control proof for this partner
    /// (403 <c>wallet_not_proven</c>), whatever the chain's own rules would allow the issuer to burn.
    /// </summary>
    private static async Task RequireProvenWalletAsync(IGrainFactory grains, string accountId, string chain, string wallet)
    {
        var canonical = ChainAddress.Canonicalize(chain, wallet);
        var account = await grains.GetGrain<IHolderAccountGrain>(accountId).GetAsync();
        var entry = new AllowListedWallet(chain, canonical);
        if (!account.Wallets.Contains(entry))
        {
            throw new LedgerException(LedgerError.WalletNotAllowListed, $"{canonical} is not allow-listed on {chain} for '{accountId}'.");
        }
        if (!account.ProvenWallets.Contains(entry))
        {
            throw new LedgerException(LedgerError.WalletNotProven,
                $"{canonical} on {chain} has not proven control: sign the message from GET {ApiRoutes.PartnerPrefix}/account/wallets/challenge with the wallet's key and POST it to {ApiRoutes.PartnerPrefix}/account/wallets/proof.");
        }
    }

    /// <summary>The order index, which the order grains' host registers.</summary>
    internal static IOrderIndex OrderIndex(HttpContext context) =>
        context.RequestServices.GetService<IOrderIndex>()
        ?? throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "orders_unavailable", "Order listing is not available on this silo.");
}
