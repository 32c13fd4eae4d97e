using System.Text;
using Sharemint.Client.Http;
using Sharemint.Fixtures;

namespace Sharemint.Client.Tests;

/// <summary>The SDK's request signature against the documented canonical string, computed by a tool we did not write.</summary>
public sealed class SigningTests
{
    [Fact]
    public async Task The_signature_is_openssl_s_hmac_of_the_documented_six_line_string()
    {
        var body = Encoding.UTF8.GetBytes("""{"symbol":"TSLAx","side":"mint","amount":1.5}""");
        var canonical = RequestSigner.CanonicalString("1764355200000", "0123456789abcdef0123456789abcdef", "post", "/v1/quotes?x=1", "order-42", body);
        Assert.Equal(
            "1764355200000\n0123456789abcdef0123456789abcdef\nPOST\n/v1/quotes?x=1\norder-42\n" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)),
            canonical);

        var path = Path.Combine(Path.GetTempPath(), $"sharemint-canonical-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, canonical);
        try
        {
            var openssl = await ProcessRunner.RunAsync("openssl", ["dgst", "-sha256", "-hmac", "sk_test_secret", "-r", path], TimeSpan.FromSeconds(30));
            var expected = openssl.StandardOutput.Split(' ')[0].Trim();
            Assert.Equal(expected, RequestSigner.Compute("sk_test_secret", "1764355200000", "0123456789abcdef0123456789abcdef", "POST", "/v1/quotes?x=1", "order-42", body));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Every_signature_carries_a_fresh_nonce_and_covers_the_idempotency_key()
    {
        var signer = new RequestSigner("pk_test", "sk_test");
        var signatures = new HashSet<string>();
        var nonces = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "http://api.test/v1/orders/mint");
            request.Headers.TryAddWithoutValidation(RequestSigner.IdempotencyHeader, "same-key");
            signer.Sign(request, "{}"u8);
            var nonce = request.Headers.GetValues(RequestSigner.NonceHeader).Single();
            Assert.Matches("^[0-9a-f]{32}$", nonce);
            nonces.Add(nonce);
            signatures.Add(request.Headers.GetValues(RequestSigner.SignatureHeader).Single());
            var timestamp = request.Headers.GetValues(RequestSigner.TimestampHeader).Single();
            Assert.Equal(RequestSigner.Compute("sk_test", timestamp, nonce, "POST", "/v1/orders/mint", "same-key", "{}"u8),
                request.Headers.GetValues(RequestSigner.SignatureHeader).Single());
            Assert.NotEqual(RequestSigner.Compute("sk_test", timestamp, nonce, "POST", "/v1/orders/mint", "other-key", "{}"u8),
                request.Headers.GetValues(RequestSigner.SignatureHeader).Single());
        }
        Assert.Equal(50, nonces.Count);
        Assert.Equal(50, signatures.Count);
    }
}
