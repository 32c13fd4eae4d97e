using System.Net;
using System.Net.Sockets;

namespace Sharemint.Silo.Webhooks;

/// <summary>
/// Which addresses a webhook may be delivered to. A partner chooses the URL, so without this rule the silo would post to
/// whatever the partner's DNS names: the cloud's metadata service, the database, the management port. Only public
/// unicast addresses are allowed unless <see cref="WebhookOptions.AllowPrivateNetworks"/> is set (tests, run-local).
/// The rule is applied when an endpoint is registered and again to the very address each delivery connects to.
/// </summary>
public static class WebhookAddressPolicy
{
    // Names that cloud providers resolve to their metadata service from inside a VM.
    private static readonly string[] MetadataNames = ["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"];

    /// <summary>Why <paramref name="address"/> is not a public unicast address, or null when it is.</summary>
    public static string? NonPublicReason(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return NonPublicReason(address.MapToIPv4());
        }
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return V4Reason(address.GetAddressBytes());
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "not an IP address";
        }
        var b = address.GetAddressBytes();
        if (IPAddress.IPv6Loopback.Equals(address))
        {
            return "loopback";
        }
        if (IPAddress.IPv6Any.Equals(address))
        {
            return "unspecified";
        }
        if (b[0] == 0xff)
        {
            return "multicast";
        }
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
        {
            return "link-local";
        }
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
        {
            return "site-local";
        }
        if ((b[0] & 0xfe) == 0xfc)
        {
            // fc00::/7 also holds AWS's IPv6 metadata address fd00:ec2::254.
            return "private (unique local)";
        }
        if (b.Take(12).All(x => x == 0))
        {
            // ::a.b.c.d, the deprecated IPv4-compatible form, reaches IPv4 hosts on some stacks.
            return "IPv4-compatible";
        }
        // Forms that carry an IPv4 address inside: NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach it through a gateway.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.Skip(4).Take(8).All(x => x == 0))
        {
            return V4Reason(b[12..16]) is { } nat64 ? $"NAT64 of a {nat64} address" : null;
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return V4Reason(b[2..6]) is { } sixToFour ? $"6to4 of a {sixToFour} address" : null;
        }
        return null;
    }

    /// <summary>Whether <paramref name="host"/> names a metadata service by name (refused before any lookup).</summary>
    public static bool IsMetadataName(string host) =>
        MetadataNames.Contains(host.TrimEnd('.'), StringComparer.OrdinalIgnoreCase)
        || host.TrimEnd('.').EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
        || host.TrimEnd('.').Equals("localhost", StringComparison.OrdinalIgnoreCase);

    private static string? V4Reason(byte[] b) => b switch
    {
        [0, ..] => "unspecified",
        [10, ..] => "private",
        [100, >= 64 and <= 127, ..] => "shared (carrier-grade NAT)",
        [127, ..] => "loopback",
        [169, 254, 169, 254] => "metadata",
        [169, 254, ..] => "link-local",
        [172, >= 16 and <= 31, ..] => "private",
        [192, 0, 0, _] => "reserved",
        [192, 0, 2, _] or [198, 51, 100, _] or [203, 0, 113, _] => "documentation",
        [192, 168, ..] => "private",
        [198, 18 or 19, ..] => "benchmarking",
        [>= 224 and <= 239, ..] => "multicast",
        [>= 240, ..] => "reserved",
        _ => null,
    };
}
