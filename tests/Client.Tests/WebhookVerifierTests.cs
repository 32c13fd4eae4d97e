using System.Globalization;
using Sharemint.Client.Webhooks;
using Sharemint.Fixtures;

namespace Sharemint.Client.Tests;

/// <summary>The SDK's webhook verifier against signatures computed by a tool we did not write (openssl).</summary>
public sealed class WebhookVerifierTests
{
    private const string Secret = "whsec_5f0c2a9d7e1b4c3a8f6e2d1c0b9a8f7e6d5c4b3a2918f7e6d5c4b3a29180f7e6";
    private const string EventId = "evt_0123456789abcdef0123456789";
    private const string Body = """{"id":"evt_0123456789abcdef0123456789","type":"order.settled","createdAt":"2026-11-28T21:00:00+00:00","data":{"orderId":"ord_1","status":"Settled"}}""";

    [Fact]
    public async Task A_delivery_signed_as_documented_verifies_and_any_change_is_refused()
    {
        var now = DateTimeOffset.UtcNow;
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = await OpensslHmacAsync(Secret, $"{EventId}.{timestamp}.{Body}");
        var verifier = new WebhookVerifier(Secret);

        var verified = verifier.Verify(EventId, timestamp, "v1=" + signature, Body);
        Assert.Equal("order.settled", verified.Type);
        Assert.Equal("Settled", verified.Data.GetProperty("status").GetString());

        // During a rotation the header carries two entries; either secret verifies.
        var other = await OpensslHmacAsync("whsec_other", $"{EventId}.{timestamp}.{Body}");
        Assert.Equal(EventId, new WebhookVerifier("whsec_other").Verify(EventId, timestamp, $"v1={signature} v1={other}", Body).Id);
        Assert.Equal(EventId, new WebhookVerifier(["whsec_unrelated", Secret]).Verify(EventId, timestamp, "v1=" + signature, Body).Id);

        Refused("signature_invalid", () => verifier.Verify(EventId, timestamp, "v1=" + signature, Body.Replace("Settled", "Failed", StringComparison.Ordinal)));
        Refused("signature_invalid", () => verifier.Verify(EventId, timestamp, "v1=" + signature[..^1] + (signature[^1] == '0' ? '1' : '0'), Body));
        Refused("signature_invalid", () => verifier.Verify(EventId, timestamp, "v0=" + signature, Body));
        Refused("signature_invalid", () => verifier.Verify(EventId, timestamp, "v1=" + signature[..^2], Body));
        Refused("signature_invalid", () => verifier.Verify(EventId, timestamp, $"v1={other}", Body));
        Refused("signature_invalid", () => verifier.Verify("evt_ffffffffffffffffffffffffff", timestamp, "v1=" + signature, Body));
        Refused("headers_missing", () => verifier.Verify(EventId, "", "v1=" + signature, Body));
        Refused("timestamp_invalid", () => verifier.Verify(EventId, "-5", "v1=" + signature, Body));
        Refused("timestamp_out_of_tolerance", () => new WebhookVerifier(Secret, TimeSpan.FromMinutes(5), new Shifted(TimeSpan.FromMinutes(6)))
            .Verify(EventId, timestamp, "v1=" + signature, Body));
        Refused("timestamp_out_of_tolerance", () => new WebhookVerifier(Secret, TimeSpan.FromMinutes(5), new Shifted(TimeSpan.FromMinutes(-6)))
            .Verify(EventId, timestamp, "v1=" + signature, Body));

        // A body whose id is not the header's is refused even when signed.
        const string swapped = """{"id":"evt_ffffffffffffffffffffffffff","type":"order.settled","createdAt":"2026-11-28T21:00:00+00:00","data":{}}""";
        var swappedSignature = await OpensslHmacAsync(Secret, $"{EventId}.{timestamp}.{swapped}");
        Refused("body_invalid", () => verifier.Verify(EventId, timestamp, "v1=" + swappedSignature, swapped));
    }

    private static async Task<string> OpensslHmacAsync(string secret, string content)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharemint-webhook-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, content);
        try
        {
            var openssl = await ProcessRunner.RunAsync("openssl", ["dgst", "-sha256", "-hmac", secret, "-r", path], TimeSpan.FromSeconds(30));
            return openssl.StandardOutput.Split(' ')[0].Trim();
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void Refused(string code, Action verify) => Assert.Equal(code, Assert.Throws<WebhookSignatureException>(verify).Code);

    private sealed class Shifted(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
