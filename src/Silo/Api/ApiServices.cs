using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using Sharemint.Silo.Api.Admin;
using Sharemint.Silo.Api.Contract;
using Sharemint.Silo.Api.Partner;
using Sharemint.Silo.Api.Problems;
using Sharemint.Silo.Api.Security;
using Sharemint.Silo.Api.Statements;
using Sharemint.Silo.Webhooks;

namespace Sharemint.Silo.Api;

/// <summary>Registers and maps the partner and operator HTTP API with its security, and the OpenAPI document.</summary>
public static class ApiServices
{
    /// <summary>
    /// The API's services: key store (secrets encrypted at rest), replay guard and its purger, rate limiter, configured key
    /// bootstrap, strict JSON (unknown fields, missing fields, numbers out of range are refused), and OpenAPI.
    /// Needs a singleton <c>NpgsqlDataSource</c> (the host registers one).
    /// </summary>
    public static IServiceCollection AddSharemintApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section));
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<ApiDatabaseCounter>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<ReplayGuard>();
        services.AddSingleton<Sharemint.Silo.Orders.ClientReferenceStore>();
        services.AddSingleton<ApiRateLimiter>();
        services.AddHostedService<ApiKeyBootstrap>();
        services.AddHostedService<ReplayPurger>();
        services.AddSingleton(TimeProvider.System);
        services.AddSharemintWebhooks(configuration);
        services.Configure<JsonOptions>(json => ConfigureStrictJson(json.SerializerOptions));
        // Binding failures throw, so ApiErrorMiddleware answers them in problem+json with a code.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(openApi =>
        {
            // The document describes the API only, not health probes or the dashboard.
            openApi.ShouldInclude = description => description.RelativePath is { } path && (path.StartsWith("v1/", StringComparison.Ordinal) || path.StartsWith("admin/v1/", StringComparison.Ordinal));
            openApi.AddSharemintContract();
        });
        return services;
    }

    /// <summary>The JSON rules of request bodies: strict, so that a typo is an error rather than an ignored field.</summary>
    public static void ConfigureStrictJson(JsonSerializerOptions options)
    {
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.AllowDuplicateProperties = false;
        // Amounts travel as decimal strings ("1.50000000": exact in every language); JSON numbers are still accepted during
        // the deprecation period. Either way a value that is not a number is refused.
        options.NumberHandling = JsonNumberHandling.AllowReadingFromString;
        // Answers write decimals and 64-bit integers as exact strings (see ExactNumbers).
        Json.ExactNumbers.Register(options);
    }

    /// <summary>The header naming the request in the silo's logs and traces (the W3C trace id), on every API answer.</summary>
    public const string RequestIdHeader = "X-Request-Id";

    // Stamped on every API answer, refusals too: a partner quotes it to support.
    private static Task StampRequestId(HttpContext context, Func<Task> next)
    {
        if (ApiRoutes.IsApiPath(context.Request.Path))
        {
            var id = System.Diagnostics.Activity.Current?.TraceId.ToHexString() ?? context.TraceIdentifier;
            // At the start of the answer, so an error handler that clears the response cannot drop it.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers[RequestIdHeader] = id;
                return Task.CompletedTask;
            });
        }
        return next();
    }

    /// <summary>Error handling and request signing for the API prefixes, the routes, and <c>/openapi/v1.json</c>.</summary>
    public static WebApplication MapSharemintApi(this WebApplication app)
    {
        app.Use(StampRequestId);
        app.UseMiddleware<ApiErrorMiddleware>();
        app.UseMiddleware<SignatureMiddleware>();
        app.MapPartnerApi();
        app.MapStatements();
        app.MapAdminApi();
        app.MapWebhooksApi();
        app.MapAdminWebhooksApi();
        app.MapOpenApi();
        return app;
    }
}
