using Microsoft.Extensions.DependencyInjection.Extensions;
using Sharemint.Webhooks;

namespace Sharemint.Silo.Webhooks;

/// <summary>Registers webhooks: the store, the outbox for asset events, the order events, and the dispatcher.</summary>
public static class WebhookServices
{
    public static IServiceCollection AddSharemintWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookOptions>().Bind(configuration.GetSection(WebhookOptions.Section))
            .Validate(o => o.RetryFor >= TimeSpan.FromHours(24),
                "Sharemint:Webhooks:RetryFor must be at least 24 hours.")
            .Validate(o => o.BaseBackoff > TimeSpan.Zero && o.MaxBackoff >= o.BaseBackoff && o.BatchSize > 0 && o.PollPeriod > TimeSpan.Zero,
                "Sharemint:Webhooks: backoffs, batch size and poll period must be positive.");
        services.TryAddSingleton<WebhookSignal>();
        services.AddSingleton<WebhookStore>();
        services.AddSingleton<OrderWebhookEvents>();
        services.TryAddSingleton<IWebhookOutbox, WebhookOutbox>();
        services.TryAddSingleton<WebhookHostLookup>(SystemWebhookHostLookup.LookupAsync);
        services.AddSingleton<WebhookTargetCheck>();
        services.AddSingleton<WebhookHttp>();
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
