using System.Net;
using System.Text.Json;

namespace Sharemint.Client;

/// <summary>
/// The API refused a request. <see cref="Code"/> is the stable error code from the problem+json body (e.g.
/// <c>asset_not_found</c>, <c>quote_expired</c>, <c>signature_invalid</c>); <see cref="Status"/> the HTTP status.
/// </summary>
public sealed class SharemintApiException : Exception
{
    public SharemintApiException() : this(0, "unknown_error", "The API refused the request.") { }

    public SharemintApiException(string message) : this(0, "unknown_error", message) { }

    public SharemintApiException(string message, Exception innerException) : base(message, innerException) => Code = "unknown_error";

    public SharemintApiException(HttpStatusCode status, string code, string message) : base(message)
    {
        Status = status;
        Code = code;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The stable error code.</summary>
    public string Code { get; }

    /// <summary>Seconds the server asked to wait (429), when it said.</summary>
    public int? RetryAfterSeconds { get; init; }

    internal static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        var code = "http_" + (int)response.StatusCode;
        var detail = response.ReasonPhrase ?? "request failed";
        if (response.Content.Headers.ContentType?.MediaType is "application/problem+json" or "application/json")
        {
            try
            {
                using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (doc.RootElement.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String)
                    {
                        code = c.GetString()!;
                    }
                    if (doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String)
                    {
                        detail = d.GetString()!;
                    }
                }
            }
            catch (JsonException)
            {
                // Not a problem document after all: the HTTP status code stands.
            }
        }
        throw new SharemintApiException(response.StatusCode, code, detail)
        {
            RetryAfterSeconds = response.Headers.RetryAfter?.Delta is { } delta ? (int)delta.TotalSeconds : null,
        };
    }
}
