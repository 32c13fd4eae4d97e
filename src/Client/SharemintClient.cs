using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sharemint.Client.Account;
using Sharemint.Client.Assets;
using Sharemint.Client.Http;
using Sharemint.Client.Orders;
using Sharemint.Client.Quotes;
using Sharemint.Client.Reserves;

namespace Sharemint.Client;

/// <summary>
/// Entry point of the partner SDK. Every request is signed with the configured key; GETs and money-moving calls (which
/// carry idempotency keys) are retried on transient failures; refusals throw <see cref="SharemintApiException"/> with the
/// API's stable code. Register with <c>services.AddSharemintClient(o => …)</c> or construct with an HttpClient.
/// </summary>
public sealed class SharemintClient
{
    /// <summary>An unauthenticated client (public routes only) on an HttpClient whose BaseAddress is the API root.</summary>
    public SharemintClient(HttpClient http) : this(http, new SharemintClientOptions())
    {
    }

    /// <summary>A client signing with <paramref name="options"/>' key.</summary>
    public SharemintClient(HttpClient http, SharemintClientOptions options) : this(new ApiTransport(http, options))
    {
    }

    [ActivatorUtilitiesConstructor]
    public SharemintClient(HttpClient http, IOptions<SharemintClientOptions> options) : this(http, options.Value)
    {
    }

    private SharemintClient(ApiTransport transport)
    {
        Assets = new AssetsClient(transport);
        Account = new AccountClient(transport);
        Quotes = new QuotesClient(transport);
        Orders = new OrdersClient(transport);
        Transfers = new TransfersClient(transport);
        Reserves = new ReservesClient(transport);
        Keys = new Sharemint.Client.Keys.KeysClient(transport);
        Webhooks = new Sharemint.Client.Webhooks.WebhooksClient(transport);
    }

    /// <summary>Webhook endpoints and events (verify deliveries with <see cref="Webhooks.WebhookVerifier"/>).</summary>
    public Sharemint.Client.Webhooks.WebhooksClient Webhooks { get; }

    /// <summary>The asset catalogue.</summary>
    public AssetsClient Assets { get; }

    /// <summary>The partner's own account.</summary>
    public AccountClient Account { get; }

    /// <summary>Quotes for mints and redemptions.</summary>
    public QuotesClient Quotes { get; }

    /// <summary>Mints, redemptions, and order tracking.</summary>
    public OrdersClient Orders { get; }

    /// <summary>Moves between chains.</summary>
    public TransfersClient Transfers { get; }

    /// <summary>Proof of reserves.</summary>
    public ReservesClient Reserves { get; }

    /// <summary>The partner's own key: scopes, allowed addresses, self-service rotation.</summary>
    public Sharemint.Client.Keys.KeysClient Keys { get; }
}

/// <summary>Dependency-injection registration of the SDK.</summary>
public static class SharemintServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SharemintClient"/> (and the operators' <see cref="Admin.SharemintAdminClient"/>) as typed
    /// HttpClients configured by <paramref name="configure"/>: <c>o.BaseAddress</c>, <c>o.KeyId</c>, <c>o.Secret</c>.
    /// </summary>
    public static IServiceCollection AddSharemintClient(this IServiceCollection services, Action<SharemintClientOptions> configure)
    {
        services.Configure(configure);
        services.AddHttpClient<SharemintClient>(ConfigureHttp);
        services.AddHttpClient<Admin.SharemintAdminClient>(ConfigureHttp);
        return services;
    }

    private static void ConfigureHttp(IServiceProvider services, HttpClient http)
    {
        var options = services.GetRequiredService<IOptions<SharemintClientOptions>>().Value;
        http.BaseAddress = options.BaseAddress ?? throw new InvalidOperationException("SharemintClientOptions.BaseAddress is required.");
        http.Timeout = options.Timeout;
    }
}
