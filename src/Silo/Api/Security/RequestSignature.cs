using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Sharemint.Silo.Api.Security;

/// <summary>
/// The request signature: lower-case hex of HMAC-SHA256(secret, canonical string), where the canonical string is
/// <code>
/// timestamp \n nonce \n METHOD \n path-and-query \n idempotency-key \n hex(SHA-256(body))
/// </code>
/// with the timestamp in Unix milliseconds as sent in <c>X-Sharemint-Timestamp</c>, the nonce as sent in
/// <c>X-Sharemint-Nonce</c> (16–64 letters, digits, '-' or '_'; random per request), the path-and-query exactly as sent on
/// the wire, and the <c>Idempotency-Key</c> header's value (empty when the request has none).
/// </summary>
public static partial class RequestSignature
{
    public const string KeyHeader = "X-Sharemint-Key";
    public const string TimestampHeader = "X-Sharemint-Timestamp";
    public const string NonceHeader = "X-Sharemint-Nonce";
    public const string SignatureHeader = "X-Sharemint-Signature";

    /// <summary>Whether a nonce has the accepted shape.</summary>
    public static bool IsValidNonce(string? nonce) => nonce is not null && NoncePattern().IsMatch(nonce);

    /// <summary>The text that is signed.</summary>
    public static string CanonicalString(string timestamp, string nonce, string method, string pathAndQuery, string idempotencyKey, ReadOnlySpan<byte> body) =>
        $"{timestamp}\n{nonce}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{idempotencyKey}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";

    /// <summary>The signature's raw bytes.</summary>
    public static byte[] Compute(string secret, string canonical) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(canonical));

    /// <summary>Parses a signature header: 64 hex digits, or null.</summary>
    public static byte[]? ParseSignature(string signatureHex)
    {
        if (signatureHex.Length != 64)
        {
            return null;
        }
        try
        {
            return Convert.FromHexString(signatureHex);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Whether <paramref name="given"/> is the signature of <paramref name="canonical"/> under <paramref name="secret"/>, in constant time.</summary>
    public static bool Verify(string secret, string canonical, ReadOnlySpan<byte> given) =>
        CryptographicOperations.FixedTimeEquals(given, Compute(secret, canonical));

    [GeneratedRegex("^[A-Za-z0-9_-]{16,64}$")]
    private static partial Regex NoncePattern();
}
