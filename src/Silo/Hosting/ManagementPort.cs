using System.Globalization;
using System.Text.RegularExpressions;

namespace Sharemint.Silo.Hosting;

/// <summary>
/// Puts <c>/metrics</c> and <c>/dashboard</c> on their own port. The API's URLs (<c>urls</c> / <c>ASPNETCORE_URLS</c>)
/// are kept and each is repeated with the management port, so the management listener binds wherever the API binds
/// (loopback in development, all interfaces in a pod). A request is routed by the local port it arrived on, which a
/// client cannot forge (unlike a Host header).
/// </summary>
public static partial class ManagementPort
{
    private static readonly string[] ManagementPaths = ["/metrics", "/dashboard"];

    /// <summary>Binds the API URLs and, beside each, the same host on <paramref name="port"/>.</summary>
    public static void Bind(WebApplicationBuilder builder, int port)
    {
        if (port is < 1 or > 65535)
        {
            throw new InvalidOperationException($"Sharemint:ManagementPort must be 1-65535 (got {port}).");
        }
        var configured = builder.Configuration["urls"];
        var apiUrls = string.IsNullOrWhiteSpace(configured)
            ? ["http://localhost:5000"]
            : configured.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var managementUrls = apiUrls.Select(url => WithPort(url, port)).Distinct(StringComparer.OrdinalIgnoreCase);
        builder.WebHost.UseUrls([.. apiUrls, .. managementUrls]);
    }

    /// <summary>The URL with its port replaced (or added).</summary>
    public static string WithPort(string url, int port)
    {
        var match = UrlPattern().Match(url);
        if (!match.Success)
        {
            throw new InvalidOperationException($"Cannot derive a management URL from '{url}'.");
        }
        return $"{match.Groups["scheme"].Value}://{match.Groups["host"].Value}:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// 404 for the management paths on any port but <paramref name="port"/>, and for anything but them (and the health
    /// probes) on <paramref name="port"/>: the partner API and the operators' view never share a listener.
    /// </summary>
    public static IApplicationBuilder UseManagementPortSplit(this IApplicationBuilder app, int port) => app.Use(async (context, next) =>
    {
        var onManagement = context.Connection.LocalPort == port;
        var path = context.Request.Path;
        var isManagementPath = ManagementPaths.Any(p => path.StartsWithSegments(p, StringComparison.OrdinalIgnoreCase));
        if (onManagement != isManagementPath && !(onManagement && path.StartsWithSegments("/health")))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        await next(context);
    });

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?<host>\[[^\]]+\]|[^:/]+)(:\d+)?/?$")]
    private static partial Regex UrlPattern();
}
