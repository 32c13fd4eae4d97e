using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharemint.Client.Account;
using Sharemint.Client.Assets;
using Sharemint.Client.Http;
using Sharemint.Client.Orders;
using Sharemint.Client.Reserves;

namespace Sharemint.Client.Admin;

/// <summary>An API key without its secret.</summary>
public sealed record ApiKey(string KeyId, string Kind, string? AccountId, string? Role, string Label,
    DateTimeOffset CreatedAt, DateTimeOffset? RotatedAt, DateTimeOffset? RevokedAt,
    IReadOnlyList<string>? Scopes = null, IReadOnlyList<string>? AllowedIps = null, DateTimeOffset? OverlapEndsAt = null);

/// <summary>A key with its secret: the API shows the secret in this answer only.</summary>
public sealed record IssuedApiKey(ApiKey Key, string Secret);

/// <summary>A sanctioned address.</summary>
public sealed record SanctionedAddress(string Chain, string Address, string Reason, DateTimeOffset ListedAt);

/// <summary>The last price of an underlying (USD per share).</summary>
public sealed record MarketPrice(string Ticker, decimal Price, DateTimeOffset AsOf);

/// <summary>What onboarding a partner needs; the rest defaults by tier.</summary>
public sealed record PartnerOnboarding(
    string AccountId, string DisplayName, string Jurisdiction, string? Tier = null, decimal? FeeRate = null,
    decimal? MaxOrderCash = null, decimal? MaxDailyCash = null);

/// <summary>
/// The operators' API (<c>/admin/v1</c>), signed with an operator key: viewers read, operators act, admins also manage
/// operator keys. Used by the <c>sharemint</c> CLI.
/// </summary>
public partial class SharemintAdminClient
{
    private readonly ApiTransport _t;

    /// <summary>For mocking.</summary>
    protected SharemintAdminClient() => _t = null!;

    /// <summary>A client signing with an operator key (<see cref="SharemintAdminClientOptions"/>, or plain options), logging when given a logger.</summary>
    public SharemintAdminClient(HttpClient http, SharemintClientOptions options, ILogger<SharemintAdminClient>? logger = null) =>
        _t = new ApiTransport(http, options, logger);

    [ActivatorUtilitiesConstructor]
    public SharemintAdminClient(HttpClient http, IOptions<SharemintAdminClientOptions> options, ILogger<SharemintAdminClient> logger) : this(http, options.Value, logger)
    {
    }

    // Assets

    /// <summary>Every asset by symbol, fetched a page at a time.</summary>
    public virtual AsyncPageable<Asset> GetAssetsAsync(CancellationToken ct = default) => _t.Pageable<Asset>("admin/v1/assets", ct);

    /// <summary>Pauses <c>mint</c>, <c>redeem</c> or <c>all</c>.</summary>
    public virtual Task<Response<Asset>> PauseAssetAsync(string symbol, string scope = "all", CancellationToken ct = default) =>
        _t.SendForResponseAsync<Asset>(HttpMethod.Post, $"admin/v1/assets/{Esc(symbol)}/pause", new { scope }, ApiTransport.NewIdempotencyKey(), ct);

    public virtual Task<Response<Asset>> ResumeAssetAsync(string symbol, CancellationToken ct = default) =>
        _t.SendForResponseAsync<Asset>(HttpMethod.Post, $"admin/v1/assets/{Esc(symbol)}/resume", null, ApiTransport.NewIdempotencyKey(), ct);

    // Partners

    /// <summary>Every onboarded partner by account id, fetched a page at a time.</summary>
    public virtual AsyncPageable<PartnerAccount> GetPartnersAsync(CancellationToken ct = default) => _t.Pageable<PartnerAccount>("admin/v1/partners", ct);

    public virtual Task<Response<PartnerAccount>> GetPartnerAsync(string accountId, CancellationToken ct = default) =>
        _t.SendForResponseAsync<PartnerAccount>(HttpMethod.Get, $"admin/v1/partners/{Esc(accountId)}", null, null, ct);

    /// <summary>Onboards a partner (KYC pending). Idempotent for the same profile.</summary>
    public virtual Task<Response<PartnerAccount>> OnboardPartnerAsync(PartnerOnboarding partner, CancellationToken ct = default) =>
        _t.SendForResponseAsync<PartnerAccount>(HttpMethod.Post, "admin/v1/partners", partner, ApiTransport.NewIdempotencyKey(), ct);

    /// <summary>Records KYC: <c>pending</c>, <c>approved</c> or <c>rejected</c>.</summary>
    public virtual Task<Response<PartnerAccount>> SetKycAsync(string accountId, string status, CancellationToken ct = default) =>
        _t.SendForResponseAsync<PartnerAccount>(HttpMethod.Post, $"admin/v1/partners/{Esc(accountId)}/kyc", new { status }, ApiTransport.NewIdempotencyKey(), ct);

    public virtual Task<Response<PartnerAccount>> AllowWalletAsync(string accountId, string chain, string address, CancellationToken ct = default) =>
        _t.SendForResponseAsync<PartnerAccount>(HttpMethod.Post, $"admin/v1/partners/{Esc(accountId)}/wallets", new { chain, address }, ApiTransport.NewIdempotencyKey(), ct);

    public virtual Task<Response<PartnerAccount>> RemoveWalletAsync(string accountId, string chain, string address, CancellationToken ct = default) =>
        _t.SendForResponseAsync<PartnerAccount>(HttpMethod.Post, $"admin/v1/partners/{Esc(accountId)}/wallets/remove", new { chain, address }, ApiTransport.NewIdempotencyKey(), ct);

    /// <summary>Credits cash (USD). The idempotency key (generated unless given) makes a retry credit once.</summary>
    public virtual Task<Response<PartnerAccount>> CreditCashAsync(string accountId, decimal amount, string? idempotencyKey = null, CancellationToken ct = default) =>
        _t.SendForResponseAsync<PartnerAccount>(HttpMethod.Post, $"admin/v1/partners/{Esc(accountId)}/cash", new { amount }, idempotencyKey ?? ApiTransport.NewIdempotencyKey(), ct);

    /// <summary>A partner's keys by key id (never their secrets), fetched a page at a time.</summary>
    public virtual AsyncPageable<ApiKey> GetPartnerKeysAsync(string accountId, CancellationToken ct = default) =>
        _t.Pageable<ApiKey>($"admin/v1/partners/{Esc(accountId)}/keys", ct);

    /// <summary>Creates a partner key; the secret is in the answer only.</summary>
    public virtual Task<Response<IssuedApiKey>> CreatePartnerKeyAsync(string accountId, string? label = null, CancellationToken ct = default) =>
        CreatePartnerKeyAsync(accountId, label, null, null, ct);

    /// <summary>
    /// Creates a partner key limited to <paramref name="scopes"/> (<c>read</c>, <c>trade</c>, <c>withdraw</c>; all when null)
    /// and usable only from <paramref name="allowedIps"/> (IPs or CIDR ranges; anywhere when null). The secret is in this answer only.
    /// </summary>
    public virtual Task<Response<IssuedApiKey>> CreatePartnerKeyAsync(string accountId, string? label, IReadOnlyList<string>? scopes, IReadOnlyList<string>? allowedIps, CancellationToken ct = default) =>
        _t.SendForResponseAsync<IssuedApiKey>(HttpMethod.Post, $"admin/v1/partners/{Esc(accountId)}/keys", new { label, scopes, allowedIps }, null, ct);

    // Keys

    /// <summary>Every key by key id (never their secrets), fetched a page at a time; admins only.</summary>
    public virtual AsyncPageable<ApiKey> GetKeysAsync(CancellationToken ct = default) => _t.Pageable<ApiKey>("admin/v1/keys", ct);

    /// <summary>Creates an operator key with a role (<c>viewer</c>, <c>operator</c>, <c>admin</c>); admins only.</summary>
    public virtual Task<Response<IssuedApiKey>> CreateOperatorKeyAsync(string role, string? label = null, CancellationToken ct = default) =>
        CreateOperatorKeyAsync(role, label, null, ct);

    /// <summary>Creates an operator key usable only from <paramref name="allowedIps"/> (anywhere when null).</summary>
    public virtual Task<Response<IssuedApiKey>> CreateOperatorKeyAsync(string role, string? label, IReadOnlyList<string>? allowedIps, CancellationToken ct = default) =>
        _t.SendForResponseAsync<IssuedApiKey>(HttpMethod.Post, "admin/v1/keys", new { role, label, allowedIps }, null, ct);

    /// <summary>Replaces a key's secret; the new one is in the answer only.</summary>
    public virtual Task<Response<IssuedApiKey>> RotateKeyAsync(string keyId, CancellationToken ct = default) => RotateKeyAsync(keyId, null, ct);

    /// <summary>Replaces a key's secret; the old one keeps working for <paramref name="overlap"/> (none when null).</summary>
    public virtual Task<Response<IssuedApiKey>> RotateKeyAsync(string keyId, TimeSpan? overlap, CancellationToken ct = default) =>
        _t.SendForResponseAsync<IssuedApiKey>(HttpMethod.Post, $"admin/v1/keys/{Esc(keyId)}/rotate",
            overlap is { } o ? new { overlapSeconds = (int)o.TotalSeconds } : null, null, ct);

    public virtual Task<Response<ApiKey>> RevokeKeyAsync(string keyId, CancellationToken ct = default) =>
        _t.SendForResponseAsync<ApiKey>(HttpMethod.Post, $"admin/v1/keys/{Esc(keyId)}/revoke", null, null, ct);

    // Sanctions

    /// <summary>Every sanctioned address by chain and address, fetched a page at a time.</summary>
    public virtual AsyncPageable<SanctionedAddress> GetSanctionsAsync(CancellationToken ct = default) => _t.Pageable<SanctionedAddress>("admin/v1/sanctions", ct);

    public virtual Task<Response<Wallet>> AddSanctionAsync(string chain, string address, string reason, CancellationToken ct = default) =>
        _t.SendForResponseAsync<Wallet>(HttpMethod.Post, "admin/v1/sanctions", new { chain, address, reason }, ApiTransport.NewIdempotencyKey(), ct);

    public virtual Task<Response<Wallet>> RemoveSanctionAsync(string chain, string address, CancellationToken ct = default) =>
        _t.SendForResponseAsync<Wallet>(HttpMethod.Post, "admin/v1/sanctions/remove", new { chain, address }, ApiTransport.NewIdempotencyKey(), ct);

    // Orders

    /// <summary>A partner's limits and fees for an asset, as the partner sees them.</summary>
    public virtual Task<Response<AssetLimits>> GetPartnerLimitsAsync(string accountId, string symbol, CancellationToken ct = default) =>
        _t.SendForResponseAsync<AssetLimits>(HttpMethod.Get, $"admin/v1/partners/{Esc(accountId)}/limits/{Esc(symbol)}", null, null, ct);

    /// <summary>Orders of every partner (or of <paramref name="account"/>) matching <paramref name="filter"/>, newest first, page by page.</summary>
    public virtual AsyncPageable<OrderSummary> GetOrdersAsync(string? account = null, OrderListFilter? filter = null, CancellationToken ct = default) =>
        _t.Pageable<OrderSummary>("admin/v1/orders" + (filter ?? new OrderListFilter()).ToQuery(("account", account)), ct);

    public virtual Task<Response<Order>> GetOrderAsync(string orderId, CancellationToken ct = default) =>
        _t.SendForResponseAsync<Order>(HttpMethod.Get, $"admin/v1/orders/{Esc(orderId)}", null, null, ct);

    // Deposits

    /// <summary>Deposits parked by the watchers (no order placed) and redemption orders held for operators.</summary>
    public virtual Task<Response<HeldDeposits>> ListHeldDepositsAsync(string? symbol = null, string? chain = null, int limit = 50, CancellationToken ct = default) =>
        _t.SendForResponseAsync<HeldDeposits>(HttpMethod.Get,
            $"admin/v1/deposits/held?limit={limit}" + (symbol is null ? "" : "&symbol=" + Esc(symbol)) + (chain is null ? "" : "&chain=" + Esc(chain)), null, null, ct);

    /// <summary>Every deployment's deposit watcher (one answer: one per deployment), by symbol then chain.</summary>
    public virtual async Task<Response<IReadOnlyList<DepositWatcher>>> ListDepositWatchersAsync(CancellationToken ct = default)
    {
        var response = await _t.SendForResponseAsync<DepositWatcher[]>(HttpMethod.Get, "admin/v1/deposits/watchers", null, null, ct);
        return new Response<IReadOnlyList<DepositWatcher>>(response.Value, response);
    }

    // Reserves and prices

    /// <summary>Reconciles an asset now and returns the new signed attestation.</summary>
    public virtual Task<Response<ReserveAttestation>> ReconcileAsync(string symbol, CancellationToken ct = default) =>
        _t.SendForResponseAsync<ReserveAttestation>(HttpMethod.Post, $"admin/v1/reserves/{Esc(symbol)}/reconcile", null, ApiTransport.NewIdempotencyKey(), ct);

    public virtual Task<Response<MarketPrice>> GetPriceAsync(string ticker, CancellationToken ct = default) =>
        _t.SendForResponseAsync<MarketPrice>(HttpMethod.Get, $"admin/v1/prices/{Esc(ticker)}", null, null, ct);

    public virtual Task<Response<MarketPrice>> SetPriceAsync(string ticker, decimal price, CancellationToken ct = default) =>
        _t.SendForResponseAsync<MarketPrice>(HttpMethod.Put, $"admin/v1/prices/{Esc(ticker)}", new { price }, ApiTransport.NewIdempotencyKey(), ct);

    private static string Esc(string value) => Uri.EscapeDataString(value);
}
