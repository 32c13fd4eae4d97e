using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using Sharemint.Signing;

namespace Sharemint.Silo.ReservesPage;

/// <summary>
/// The public reserves page at <c>/reserves</c>: static HTML, CSS and JavaScript embedded in the silo, plus
/// <c>/reserves/config.json</c>, which publishes the attestation key the page verifies against and each chain's explorer
/// (<c>Sharemint:Chains:{chain}:Explorer</c>, a URL with <c>{address}</c> where the token address goes). The figures
/// come from the public <c>/v1/assets</c> and <c>/v1/reserves/{symbol}</c> routes.
/// </summary>
public static class ReservesPageEndpoints
{
    public const string Path = "/reserves";

    private static readonly ConcurrentDictionary<string, byte[]> Files = new(StringComparer.Ordinal);

    public static IEndpointRouteBuilder MapReservesPage(this IEndpointRouteBuilder app)
    {
        var page = app.MapGroup(Path).WithTags("Reserves page").ExcludeFromDescription();
        page.MapGet("/", GetPage).WithName("ReservesPage");
        page.MapGet("/reserves.css", GetStyles).WithName("ReservesPageStyles");
        page.MapGet("/reserves.js", GetScript).WithName("ReservesPageScript");
        page.MapGet("/config.json", GetConfig).WithName("ReservesPageConfig");
        return app;
    }

    private static FileContentHttpResult GetPage(HttpContext context) => Asset(context, "index.html", "text/html; charset=utf-8");

    private static FileContentHttpResult GetStyles(HttpContext context) => Asset(context, "reserves.css", "text/css; charset=utf-8");

    private static FileContentHttpResult GetScript(HttpContext context) => Asset(context, "reserves.js", "text/javascript; charset=utf-8");

    private static Ok<ReservesPageConfig> GetConfig(IssuerSigningKeys keys, IConfiguration configuration) =>
        TypedResults.Ok(new ReservesPageConfig(keys.AttestationPublicKey, "Ed25519",
            configuration.GetSection("Sharemint:Chains").GetChildren()
                .OrderBy(chain => chain.Key, StringComparer.Ordinal)
                .Select(chain => new ReservesPageChain(chain.Key, chain["Family"] ?? "", NullIfBlank(chain["Explorer"])))
                .ToArray()));

    private static FileContentHttpResult Asset(HttpContext context, string name, string contentType)
    {
        // The page is small and changes only with the silo's build: revalidate, so a new silo's page is never stale.
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.File(Files.GetOrAdd(name, Load), contentType);
    }

    private static byte[] Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"ReservesPage/{name}")
            ?? throw new InvalidOperationException($"The reserves page file {name} is not embedded in the silo.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>What the reserves page needs besides the public API: the published attestation key and the chains' explorers.</summary>
public sealed record ReservesPageConfig(string AttestationPublicKey, string Algorithm, IReadOnlyList<ReservesPageChain> Chains);

/// <summary>A configured chain; <see cref="Explorer"/> holds <c>{address}</c> where a token address goes, or is null.</summary>
public sealed record ReservesPageChain(string Chain, string Family, string? Explorer);
