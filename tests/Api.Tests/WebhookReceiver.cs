using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sharemint.Client.Webhooks;

namespace Sharemint.Api.Tests;

/// <summary>One delivery as the receiver saw it: the three headers and the raw body.</summary>
public sealed record ReceivedDelivery(string? EventId, string? Timestamp, string? Signature, string Body);

/// <summary>
/// A real HTTP receiver (Kestrel on a loopback port) that records every delivery and answers 200. Stopping it leaves the
/// port closed (connections refused), as a receiver that is down would; starting it again on the same port brings it back.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedDelivery> _received = new();
    private WebApplication? _app;

    public WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/hooks/sharemint");

    /// <summary>Every delivery so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedDelivery> Received => _received.ToArray();

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hooks/sharemint", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            _received.Enqueue(new ReceivedDelivery(request.Headers[WebhookVerifier.IdHeader], request.Headers[WebhookVerifier.TimestampHeader],
                request.Headers[WebhookVerifier.SignatureHeader], body));
            return Results.Ok();
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>Waits until <paramref name="done"/> holds for the deliveries received, or fails after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<ReceivedDelivery>, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done(Received))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}; received {Received.Count}: {string.Join(", ", Received.Select(r => r.EventId))}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
