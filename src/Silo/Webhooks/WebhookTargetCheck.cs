using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace Sharemint.Silo.Webhooks;

/// <summary>
/// Applies <see cref="WebhookAddressPolicy"/> to an endpoint's URL: at registration, and again by the dispatcher for the
/// addresses each delivery actually connects to (a name may resolve elsewhere by then).
/// </summary>
public sealed class WebhookTargetCheck(IOptions<WebhookOptions> options, WebhookHostLookup lookup)
{
    private static readonly TimeSpan RegistrationLookupTimeout = TimeSpan.FromSeconds(5);
    private readonly bool _allowPrivate = options.Value.AllowPrivateNetworks;

    /// <summary>Whether plain http and private addresses are allowed (tests, run-local).</summary>
    public bool AllowsPrivateNetworks => _allowPrivate;

    /// <summary>
    /// Why <paramref name="url"/> may not be registered, or null. A name that does not resolve now is accepted: DNS may
    /// not be set up yet, and every delivery checks the addresses it connects to anyway.
    /// </summary>
    public async Task<string?> RefusalAsync(Uri url, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (_allowPrivate)
        {
            return null;
        }
        var host = url.IdnHost;
        if (WebhookAddressPolicy.IsMetadataName(host))
        {
            return $"the host '{host}' is a local or metadata name";
        }
        IPAddress[] addresses;
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else
        {
            // A resolver that does not answer must not hold the partner's request: treated as not resolvable yet.
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            patience.CancelAfter(RegistrationLookupTimeout);
            try
            {
                addresses = await lookup(host, patience.Token);
            }
            catch (Exception unresolved) when (unresolved is SocketException
                                                   || (unresolved is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return null;
            }
        }
        return Refusal(host, addresses);
    }

    /// <summary>
    /// The addresses a delivery to <paramref name="host"/> may connect to; throws <see cref="WebhookTargetRefusedException"/>
    /// when any of them is not public (all or nothing, so a name cannot mix a public address with an internal one).
    /// </summary>
    public async Task<IPAddress[]> ResolveForDeliveryAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (!_allowPrivate && WebhookAddressPolicy.IsMetadataName(host))
        {
            throw new WebhookTargetRefusedException($"the host '{host}' is a local or metadata name");
        }
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await lookup(host, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new WebhookTargetRefusedException($"the host '{host}' has no address");
        }
        if (!_allowPrivate && Refusal(host, addresses) is { } refusal)
        {
            throw new WebhookTargetRefusedException(refusal);
        }
        return addresses;
    }

    private static string? Refusal(string host, IEnumerable<IPAddress> addresses)
    {
        foreach (var address in addresses)
        {
            if (WebhookAddressPolicy.NonPublicReason(address) is { } reason)
            {
                return $"the host '{host}' resolves to {address}, a {reason} address";
            }
        }
        return null;
    }
}

/// <summary>A delivery's target is not a public address: nothing was sent.</summary>
public sealed class WebhookTargetRefusedException(string reason) : Exception($"refused: {reason}");
