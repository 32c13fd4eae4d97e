using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sharemint.Silo.Api;

namespace Sharemint.Api.Tests;

/// <summary>The OpenAPI document the running silo serves lists every route the API maps, each with its error answers.</summary>
public sealed class OpenApiTests(ApiSilo api) : IClassFixture<ApiSilo>
{
    [Fact]
    public async Task Every_mapped_route_is_documented_with_its_error_responses()
    {
        var mapped = MappedRoutes();
        Assert.True(mapped.Count >= 30, $"only {mapped.Count} routes mapped");

        using var document = JsonDocument.Parse(await api.Http.GetStringAsync("openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        var documented = new HashSet<string>();
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var route = $"{operation.Name.ToUpperInvariant()} {Normalize(path.Name)}";
                documented.Add(route);
                var responses = operation.Value.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToArray();
                Assert.True(responses.Any(r => r.StartsWith('2')), $"{route} documents no success response");
                Assert.True(responses.Contains("400") && responses.Contains("429") && responses.Contains("500"), $"{route} lacks its error responses: {string.Join(",", responses)}");
                if (!path.Name.StartsWith("/v1/reserves", StringComparison.Ordinal) && !path.Name.StartsWith("/v1/assets", StringComparison.Ordinal))
                {
                    Assert.True(responses.Contains("401") && responses.Contains("403"), $"{route} is signed but documents no 401/403");
                }
            }
        }
        var missing = mapped.Except(documented).ToArray();
        Assert.True(missing.Length == 0, "undocumented routes: " + string.Join(", ", missing));
        Assert.Contains("POST /v1/orders/mint", documented);
        Assert.Contains("GET /v1/reserves/{symbol}", documented);
        Assert.Contains("POST /admin/v1/keys/{keyId}/rotate", documented);
    }

    /// <summary>The routes <see cref="ApiServices.MapSharemintApi"/> maps, read from a host that is built but never started.</summary>
    private static HashSet<string> MappedRoutes()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddSharemintApi(new ConfigurationBuilder().Build());
        // Only the route table is read; the grain factory and database are never called.
        builder.Services.AddSingleton<IGrainFactory>(_ => throw new InvalidOperationException("not used"));
        builder.Services.AddSingleton(_ => Npgsql.NpgsqlDataSource.Create("Host=127.0.0.1"));
        var app = builder.Build();
        app.MapSharemintApi();
        var routes = new HashSet<string>();
        foreach (var endpoint in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var pattern = "/" + endpoint.RoutePattern.RawText!.TrimStart('/');
            if (!pattern.StartsWith("/v1", StringComparison.Ordinal) && !pattern.StartsWith("/admin/v1", StringComparison.Ordinal))
            {
                continue;
            }
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
            {
                routes.Add($"{method} {Normalize(pattern)}");
            }
        }
        return routes;
    }

    private static string Normalize(string path) => path.Length > 1 ? path.TrimEnd('/') : path;
}
