using System.Diagnostics;
using System.Text.Json;
using Sharemint.Telemetry;

namespace Sharemint.Signers;

/// <summary>
/// Records every JSON-RPC request to a chain node (latency, and the error when it failed) in the Sharemint meter, under
/// the request's method name (<c>batch</c> for a batch). Sits under the chain clients' HttpClient, so nothing escapes it.
/// </summary>
internal sealed class ChainCallMeter(string chain) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var operation = request.Content is null ? "unknown" : MethodOf(await request.Content.ReadAsByteArrayAsync(cancellationToken));
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            SharemintMetrics.ChainCall(chain, operation, Stopwatch.GetElapsedTime(started), cancellationToken.IsCancellationRequested ? "cancelled" : "unavailable");
            throw;
        }
        string? error = null;
        if (!response.IsSuccessStatusCode)
        {
            error = $"http_{(int)response.StatusCode}";
        }
        else if (response.Content is not null)
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            error = ErrorOf(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        }
        SharemintMetrics.ChainCall(chain, operation, Stopwatch.GetElapsedTime(started), error);
        return response;
    }

    private static string MethodOf(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                return "batch";
            }
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("method", out var method) && method.ValueKind == JsonValueKind.String
                ? method.GetString() ?? "unknown"
                : "unknown";
        }
        catch (JsonException)
        {
            return "unknown";
        }
    }

    private static string? ErrorOf(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var failed = root.ValueKind switch
            {
                JsonValueKind.Object => root.TryGetProperty("error", out var e) && e.ValueKind != JsonValueKind.Null,
                JsonValueKind.Array => root.EnumerateArray().Any(r => r.ValueKind == JsonValueKind.Object && r.TryGetProperty("error", out var e) && e.ValueKind != JsonValueKind.Null),
                _ => true,
            };
            return failed ? "rpc_error" : null;
        }
        catch (JsonException)
        {
            return "malformed_response";
        }
    }
}
