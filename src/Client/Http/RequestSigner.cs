using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sharemint.Client.Http;

/// <summary>
/// Signs requests the way the API checks them: <c>X-Sharemint-Signature</c> = lower-case hex of HMAC-SHA256(secret,
/// timestamp + "\n" + METHOD + "\n" + path-and-query + "\n" + hex(SHA-256(body))), with the timestamp in Unix milliseconds.
/// Timestamps are strictly increasing per signer, so two identical requests never share a signature (the API accepts a
/// signature once).
/// </summary>
public sealed class RequestSigner(string keyId, string secret, TimeProvider? clock = null)
{
    public const string KeyHeader = "X-Sharemint-Key";
    public const string TimestampHeader = "X-Sharemint-Timestamp";
    public const string SignatureHeader = "X-Sharemint-Signature";

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private long _last;

    /// <summary>The key id sent with each request.</summary>
    public string KeyId { get; } = keyId;

    /// <summary>Adds the three signature headers to a request whose body bytes are <paramref name="body"/>.</summary>
    public void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(request.RequestUri);
        var timestamp = NextTimestamp().ToString(CultureInfo.InvariantCulture);
        var signature = Compute(secret, timestamp, request.Method.Method, request.RequestUri.PathAndQuery, body);
        request.Headers.Remove(KeyHeader);
        request.Headers.Remove(TimestampHeader);
        request.Headers.Remove(SignatureHeader);
        request.Headers.TryAddWithoutValidation(KeyHeader, KeyId);
        request.Headers.TryAddWithoutValidation(TimestampHeader, timestamp);
        request.Headers.TryAddWithoutValidation(SignatureHeader, signature);
    }

    /// <summary>The signature (lower-case hex) of one request.</summary>
    public static string Compute(string secret, string timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body)
    {
        var canonical = $"{timestamp}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(canonical)));
    }

    private long NextTimestamp()
    {
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        while (true)
        {
            var last = Interlocked.Read(ref _last);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next;
            }
        }
    }
}
