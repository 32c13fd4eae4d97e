using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Sharemint.Silo.Webhooks;

/// <summary>The outcome of one POST to an endpoint: the HTTP status when one came back, and the failure when it was not 2xx.</summary>
public sealed record WebhookSendResult(int? Status, string? Error)
{
    public bool Delivered => Error is null;
}

/// <summary>
/// Posts signed events to endpoints, for the dispatcher and for test pings. Connections go only to addresses the
/// <see cref="WebhookTargetCheck"/> allows, resolved when each connection opens; no redirects, no proxy.
/// </summary>
public sealed class WebhookHttp : IDisposable
{
    private readonly WebhookTargetCheck _targets;
    private readonly HttpClient _http;

    public WebhookHttp(WebhookTargetCheck targets, IOptions<WebhookOptions> options)
    {
        _targets = targets;
        _http = new HttpClient(new SocketsHttpHandler
        {
            // A receiver's redirect is a failed delivery, not a request to somewhere else.
            AllowAutoRedirect = false,
            // A proxy would connect on our behalf, past the address check below.
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // Every new connection resolves the host itself and connects only to addresses the policy allows, so a name
            // that now resolves inside our network (DNS rebinding) is refused at the moment it would be used.
            ConnectCallback = ConnectAsync,
        })
        {
            Timeout = options.Value.DeliveryTimeout,
        };
    }

    /// <summary>
    /// Posts <paramref name="body"/> to <paramref name="url"/> signed with <paramref name="secrets"/> at <paramref name="now"/>.
    /// Failures come back as a result; only cancellation of <paramref name="cancellationToken"/> throws.
    /// </summary>
    public async Task<WebhookSendResult> SendAsync(string url, string eventId, string body, Func<IReadOnlyList<string>> secrets, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        try
        {
            if (!_targets.AllowsPrivateNetworks && !url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                throw new WebhookTargetRefusedException("the endpoint is not https");
            }
            var timestamp = now.ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
            };
            request.Headers.Add(WebhookSigning.IdHeader, eventId);
            request.Headers.Add(WebhookSigning.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
            request.Headers.Add(WebhookSigning.SignatureHeader, WebhookSigning.Header(secrets(), eventId, timestamp, body));
            request.Headers.UserAgent.ParseAdd("Sharemint-Webhooks/1");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            return new WebhookSendResult(status, response.IsSuccessStatusCode ? null : $"HTTP {status}");
        }
        catch (Exception failure) when (failure is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            return new WebhookSendResult(null,
                failure is CryptographicException ? "the endpoint's secret cannot be decrypted with the configured key" : Describe(failure));
        }
    }

    /// <summary>The message of a refusal wherever the HTTP stack wrapped it, else the failure's own message.</summary>
    private static string Describe(Exception failure)
    {
        for (var inner = failure; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookTargetRefusedException)
            {
                return inner.Message;
            }
        }
        return failure.Message;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var addresses = await _targets.ResolveForDeliveryAsync(context.DnsEndPoint.Host, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _http.Dispose();
}
