using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sharemint.Client.Http;

/// <summary>
/// Signs requests the way the API checks them: <c>X-Sharemint-Signature</c> = lower-case hex of HMAC-SHA256(secret,
/// timestamp + "\n" + nonce + "\n" + METHOD + "\n" + path-and-query + "\n" + Idempotency-Key (or "") + "\n" +
/// hex(SHA-256(body))), with the timestamp in Unix milliseconds and a fresh random nonce per attempt. The API accepts a
/// nonce once per key, so two processes sending the same request at the same millisecond are both accepted, and a
/// captured request cannot be replayed; the idempotency key is signed, so it cannot be swapped in transit.
/// </summary>
public sealed class RequestSigner(string keyId, string secret, TimeProvider? clock = null)
{
    public const string KeyHeader = "X-Sharemint-Key";
    public const string TimestampHeader = "X-Sharemint-Timestamp";
    public const string NonceHeader = "X-Sharemint-Nonce";
    public const string SignatureHeader = "X-Sharemint-Signature";
    public const string IdempotencyHeader = "Idempotency-Key";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The key id sent with each request.</summary>
    public string KeyId { get; } = keyId;

    /// <summary>Adds the four signature headers to a request whose body bytes are <paramref name="body"/>; sign after setting its Idempotency-Key.</summary>
    public void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(request.RequestUri);
        var timestamp = _clock.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var nonce = NewNonce();
        var idempotencyKey = request.Headers.TryGetValues(IdempotencyHeader, out var values) ? string.Join(",", values) : "";
        var signature = Compute(secret, timestamp, nonce, request.Method.Method, request.RequestUri.PathAndQuery, idempotencyKey, body);
        request.Headers.Remove(KeyHeader);
        request.Headers.Remove(TimestampHeader);
        request.Headers.Remove(NonceHeader);
        request.Headers.Remove(SignatureHeader);
        request.Headers.TryAddWithoutValidation(KeyHeader, KeyId);
        request.Headers.TryAddWithoutValidation(TimestampHeader, timestamp);
        request.Headers.TryAddWithoutValidation(NonceHeader, nonce);
        request.Headers.TryAddWithoutValidation(SignatureHeader, signature);
    }

    /// <summary>The text that is signed.</summary>
    public static string CanonicalString(string timestamp, string nonce, string method, string pathAndQuery, string idempotencyKey, ReadOnlySpan<byte> body) =>
        $"{timestamp}\n{nonce}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{idempotencyKey}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";

    /// <summary>The signature (lower-case hex) of one request.</summary>
    public static string Compute(string secret, string timestamp, string nonce, string method, string pathAndQuery, string idempotencyKey, ReadOnlySpan<byte> body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
            Encoding.UTF8.GetBytes(CanonicalString(timestamp, nonce, method, pathAndQuery, idempotencyKey, body))));

    /// <summary>A random nonce: 128 bits as 32 lower-case hex digits.</summary>
    public static string NewNonce() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
