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
        var apiUrls = ApiUrls(builder.Configuration);
        if (apiUrls.Any(url => UrlPattern().Match(url) is { Success: true } m && m.Groups["port"].Value == ":" + port.ToString(CultureInfo.InvariantCulture)))
        {
            throw new InvalidOperationException($"Sharemint:ManagementPort {port} is also an API port ({string.Join(";", apiUrls)}): give them different ports.");
        }
        var managementUrls = apiUrls.Select(url => WithPort(url, port)).Distinct(StringComparer.OrdinalIgnoreCase);
        builder.WebHost.UseUrls([.. apiUrls, .. managementUrls]);
    }

    /// <summary>
    /// The API's URLs as ASP.NET Core would choose them: <c>urls</c> (ASPNETCORE_URLS), else <c>http_ports</c> /
    /// <c>https_ports</c> (ASPNETCORE_HTTP_PORTS, which container images set) on every interface, else its default.
    /// </summary>
    public static string[] ApiUrls(IConfiguration configuration)
    {
        var split = StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries;
        if (configuration["urls"] is { Length: > 0 } urls)
        {
            return urls.Split(';', split);
        }
        var ports = (configuration["http_ports"] ?? "").Split(';', split).Select(p => $"http://*:{p}")
            .Concat((configuration["https_ports"] ?? "").Split(';', split).Select(p => $"https://*:{p}"))
            .ToArray();
        return ports.Length > 0 ? ports : ["http://localhost:5000"];
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

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?<host>\[[^\]]+\]|[^:/]+)(?<port>:\d+)?/?$")]
    private static partial Regex UrlPattern();
}
