using System.Net;

namespace Sharemint.Silo.Webhooks;

/// <summary>Resolves an endpoint's host name to its addresses (DNS by default; tests put their own names in).</summary>
public delegate Task<IPAddress[]> WebhookHostLookup(string host, CancellationToken cancellationToken);

/// <summary>The default <see cref="WebhookHostLookup"/>: the system resolver.</summary>
public static class SystemWebhookHostLookup
{
    public static Task<IPAddress[]> LookupAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);
}
