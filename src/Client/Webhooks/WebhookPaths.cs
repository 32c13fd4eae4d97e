using System.Globalization;

namespace Sharemint.Client.Webhooks;

/// <summary>Paths shared by the partner's and the operators' webhook calls.</summary>
internal static class WebhookPaths
{
    public static string Deliveries(string prefix, string endpointId, string? status, int? limit)
    {
        var query = new List<string>();
        if (status is not null)
        {
            query.Add("status=" + Uri.EscapeDataString(status));
        }
        if (limit is { } l)
        {
            query.Add("limit=" + l.ToString(CultureInfo.InvariantCulture));
        }
        return $"{prefix}/endpoints/{Uri.EscapeDataString(endpointId)}/deliveries" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }
}
