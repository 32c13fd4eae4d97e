using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
/// API's stable code. Calls that place or read an order return <see cref="Response{T}"/> (value, status, headers);
/// listings are <see cref="AsyncPageable{T}"/>. Every member is virtual, so code using the SDK can be tested with mocks.
/// Register with <c>services.AddSharemintClient(configuration.GetSection("Sharemint"))</c> or construct with an HttpClient.
/// </summary>
public class SharemintClient
{
    /// <summary>For mocking.</summary>
    protected SharemintClient()
    {
        Assets = null!;
        Account = null!;
        Quotes = null!;
        Orders = null!;
        Transfers = null!;
        Reserves = null!;
        Keys = null!;
        Webhooks = null!;
        Statements = null!;
    }

    /// <summary>An unauthenticated client (public routes only) on an HttpClient whose BaseAddress is the API root.</summary>
    public SharemintClient(HttpClient http) : this(http, new SharemintClientOptions())
    {
    }

    /// <summary>A client signing with <paramref name="options"/>' key, logging to <paramref name="logger"/> when given.</summary>
    public SharemintClient(HttpClient http, SharemintClientOptions options, ILogger<SharemintClient>? logger = null)
        : this(new ApiTransport(http, options, logger))
    {
    }

    [ActivatorUtilitiesConstructor]
    public SharemintClient(HttpClient http, IOptions<SharemintClientOptions> options, ILogger<SharemintClient> logger) : this(http, options.Value, logger)
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
        Statements = new Sharemint.Client.Statements.StatementsClient(transport);
    }

    /// <summary>Statements for reconciliation: the cash journal by time range, as pages or CSV.</summary>
    public virtual Sharemint.Client.Statements.StatementsClient Statements { get; }

    /// <summary>Webhook endpoints and events (verify deliveries with <see cref="Webhooks.WebhookVerifier"/>).</summary>
    public virtual Sharemint.Client.Webhooks.WebhooksClient Webhooks { get; }

    /// <summary>The asset catalogue.</summary>
    public virtual AssetsClient Assets { get; }

    /// <summary>The partner's own account.</summary>
    public virtual AccountClient Account { get; }

    /// <summary>Quotes for mints and redemptions.</summary>
    public virtual QuotesClient Quotes { get; }

    /// <summary>Mints, redemptions, and order tracking.</summary>
    public virtual OrdersClient Orders { get; }

    /// <summary>Moves between chains.</summary>
    public virtual TransfersClient Transfers { get; }

    /// <summary>Proof of reserves.</summary>
    public virtual ReservesClient Reserves { get; }

    /// <summary>The partner's own key: scopes, allowed addresses, self-service rotation.</summary>
    public virtual Sharemint.Client.Keys.KeysClient Keys { get; }
}

/// <summary>Dependency-injection registration of the SDK.</summary>
public static class SharemintServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SharemintClient"/> as a typed HttpClient configured by <paramref name="configure"/>
    /// (<c>o.BaseAddress</c>, <c>o.KeyId</c>, <c>o.Secret</c>, retries), and an <see cref="OrderUpdateNotifier"/> a webhook
    /// receiver can feed. Returns the HttpClient builder, for handlers, resilience or a primary handler of your own.
    /// </summary>
    public static IHttpClientBuilder AddSharemintClient(this IServiceCollection services, Action<SharemintClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SharemintClientOptions>().Configure(configure);
        services.TryAddNotifier();
        return services.AddHttpClient<SharemintClient>((provider, http) => ConfigureHttp(provider.GetRequiredService<IOptions<SharemintClientOptions>>().Value, http));
    }

    /// <summary>
    /// Registers <see cref="SharemintClient"/> with options bound from <paramref name="configuration"/> (e.g. the
    /// <c>Sharemint</c> section: <c>BaseAddress</c>, <c>KeyId</c>, <c>Secret</c>, <c>MaxRetries</c>, <c>RetryDelay</c>,
    /// <c>MaxRetryDelay</c>, <c>Timeout</c>); reloaded configuration applies to clients created afterwards.
    /// </summary>
    public static IHttpClientBuilder AddSharemintClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SharemintClientOptions>().Bind(configuration);
        services.TryAddNotifier();
        return services.AddHttpClient<SharemintClient>((provider, http) => ConfigureHttp(provider.GetRequiredService<IOptions<SharemintClientOptions>>().Value, http));
    }

    /// <summary>Registers the operators' <see cref="Admin.SharemintAdminClient"/> with its own options (an operator key).</summary>
    public static IHttpClientBuilder AddSharemintAdminClient(this IServiceCollection services, Action<SharemintAdminClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SharemintAdminClientOptions>().Configure(configure);
        return services.AddHttpClient<Admin.SharemintAdminClient>((provider, http) => ConfigureHttp(provider.GetRequiredService<IOptions<SharemintAdminClientOptions>>().Value, http));
    }

    /// <summary>Registers the operators' client with options bound from <paramref name="configuration"/>.</summary>
    public static IHttpClientBuilder AddSharemintAdminClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SharemintAdminClientOptions>().Bind(configuration);
        return services.AddHttpClient<Admin.SharemintAdminClient>((provider, http) => ConfigureHttp(provider.GetRequiredService<IOptions<SharemintAdminClientOptions>>().Value, http));
    }

    private static void TryAddNotifier(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(OrderUpdateNotifier)))
        {
            services.AddSingleton<OrderUpdateNotifier>();
        }
    }

    private static void ConfigureHttp(SharemintClientOptions options, HttpClient http)
    {
        http.BaseAddress = options.BaseAddress ?? throw new InvalidOperationException("SharemintClientOptions.BaseAddress is required.");
        http.Timeout = options.Timeout;
    }
}
