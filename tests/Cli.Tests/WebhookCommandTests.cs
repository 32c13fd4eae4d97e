using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sharemint.Fixtures;

namespace Sharemint.Cli.Tests;

/// <summary><c>sharemint webhooks …</c> against a real silo and a real HTTP receiver: add, list, test, deliveries, remove, as partner and operator.</summary>
public sealed class WebhookCommandTests(CliSilo cli) : IClassFixture<CliSilo>
{
    [Fact]
    public async Task A_partner_adds_tests_lists_and_removes_an_endpoint_and_an_operator_sees_it()
    {
        var port = FreePort.Next();
        using var receiver = new Receiver(port);
        var url = $"http://127.0.0.1:{port}/hooks/";

        var added = await cli.PartnerAsync("webhooks", "add", url, "--event", "order.settled,order.failed", "--event", "deposit.held", "--json");
        Assert.Equal(0, added.ExitCode);
        using var issued = JsonDocument.Parse(added.StandardOutput);
        var endpointId = issued.RootElement.GetProperty("endpointId").GetString()!;
        var secret = issued.RootElement.GetProperty("secret").GetString()!;
        Assert.Equal(["order.settled", "order.failed", "deposit.held"],
            issued.RootElement.GetProperty("eventTypes").EnumerateArray().Select(e => e.GetString()));

        // A test ping reaches the receiver, signed with the endpoint's secret over id, timestamp and body.
        var test = await cli.PartnerAsync("webhooks", "test", endpointId);
        Assert.Equal(0, test.ExitCode);
        Assert.Contains("delivered evt_", test.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("HTTP 200", test.StandardOutput, StringComparison.Ordinal);
        var ping = Assert.Single(receiver.Received);
        var expected = "v1=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes($"{ping.Id}.{ping.Timestamp}.{ping.Body}")));
        Assert.Equal(expected, ping.Signature);
        using (var body = JsonDocument.Parse(ping.Body))
        {
            Assert.Equal("webhook.test", body.RootElement.GetProperty("type").GetString());
            Assert.Equal(endpointId, body.RootElement.GetProperty("data").GetProperty("endpointId").GetString());
        }

        // The operator lists the partner's endpoints and tests it too; nothing has failed.
        var listed = await cli.AdminAsync("webhooks", "list", "--partner", "partner-demo");
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(endpointId, listed.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(0, (await cli.AdminAsync("webhooks", "test", endpointId, "--partner", "partner-demo")).ExitCode);
        Assert.Equal(2, receiver.Received.Count);
        var failing = await cli.AdminAsync("webhooks", "failing", "--json");
        Assert.Equal(0, failing.ExitCode);
        Assert.Equal("[]", failing.StandardOutput.Trim());
        var deliveries = await cli.PartnerAsync("webhooks", "deliveries", endpointId, "--status", "pending", "--json");
        Assert.Equal(0, deliveries.ExitCode);
        Assert.Equal("[]", deliveries.StandardOutput.Trim());
        Assert.NotEqual(0, (await cli.PartnerAsync("webhooks", "deliveries", endpointId, "--status", "lost")).ExitCode);

        // With the receiver gone the test says so and exits 7 (check failed); a partner key cannot list failing endpoints.
        receiver.Dispose();
        var down = await cli.PartnerAsync("webhooks", "test", endpointId);
        Assert.Equal(7, down.ExitCode);
        Assert.Contains("not delivered", down.StandardOutput, StringComparison.Ordinal);
        Assert.NotEqual(0, (await cli.PartnerAsync("webhooks", "failing")).ExitCode);

        // Remove; then it is gone, and removing again is a clear API error.
        Assert.Equal(0, (await cli.PartnerAsync("webhooks", "remove", endpointId)).ExitCode);
        Assert.DoesNotContain(endpointId, (await cli.PartnerAsync("webhooks", "list")).StandardOutput, StringComparison.Ordinal);
        var again = await cli.PartnerAsync("webhooks", "remove", endpointId, "--json");
        Assert.NotEqual(0, again.ExitCode);
        Assert.Contains("webhook_endpoint_not_found", again.StandardOutput + again.StandardError, StringComparison.Ordinal);
    }

    private sealed record Delivery(string? Id, string? Timestamp, string? Signature, string Body);

    /// <summary>A loopback HTTP receiver that records each POST and answers 200.</summary>
    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<Delivery> _received = new();
        private readonly Task _loop;

        public Receiver(int port)
        {
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/hooks/");
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public IReadOnlyList<Delivery> Received => _received.ToArray();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception stopped) when (stopped is HttpListenerException or ObjectDisposedException)
                {
                    // Dispose stopped the listener: the receiver is down.
                    return;
                }
                using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                _received.Enqueue(new Delivery(context.Request.Headers["Sharemint-Webhook-Id"], context.Request.Headers["Sharemint-Webhook-Timestamp"],
                    context.Request.Headers["Sharemint-Webhook-Signature"], body));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }

        public void Dispose()
        {
            if (_listener.IsListening)
            {
                _listener.Stop();
                _loop.GetAwaiter().GetResult();
            }
            _listener.Close();
        }
    }
}
