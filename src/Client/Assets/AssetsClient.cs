using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sharemint.Client.Assets;

/// <summary>An xStock as the API reports it. <see cref="IssuedUnits"/> is in canonical units (8 decimals).</summary>
public sealed record Asset(
    string Symbol, string UnderlyingTicker, string Name, string Isin, string Kind, string Status,
    decimal Multiplier, decimal CustodyShares, decimal ReservedShares, string Issued, long IssuedUnits);

/// <summary>Reads the asset catalogue.</summary>
public sealed class AssetsClient(HttpClient http)
{
    /// <summary>Every listed asset with its ledger figures.</summary>
    public async Task<IReadOnlyList<Asset>> ListAsync(CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync("v1/assets", cancellationToken);
        await SharemintApiException.ThrowIfFailedAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<Asset[]>(SharemintJson.Options, cancellationToken) ?? [];
    }

    /// <summary>One asset. Throws <see cref="SharemintApiException"/> with code <c>asset_not_found</c> for an unknown symbol.</summary>
    public async Task<Asset> GetAsync(string symbol, CancellationToken cancellationToken = default)
    {
        using var response = await http.GetAsync($"v1/assets/{Uri.EscapeDataString(symbol)}", cancellationToken);
        await SharemintApiException.ThrowIfFailedAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<Asset>(SharemintJson.Options, cancellationToken)
            ?? throw new SharemintApiException(response.StatusCode, "empty_response", "The API returned no asset.");
    }
}

/// <summary>JSON settings shared by the SDK.</summary>
public static class SharemintJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}

/// <summary>The API refused a request. <see cref="Code"/> is the stable error code from the problem+json body.</summary>
public sealed class SharemintApiException(HttpStatusCode status, string code, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;

    public string Code { get; } = code;

    internal static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var code = "http_" + (int)response.StatusCode;
        var detail = response.ReasonPhrase ?? "request failed";
        if (response.Content.Headers.ContentType?.MediaType == "application/problem+json")
        {
            using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            if (doc.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String)
            {
                code = c.GetString()!;
            }
            if (doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
            {
                detail = d.GetString()!;
            }
        }
        throw new SharemintApiException(response.StatusCode, code, detail);
    }
}
