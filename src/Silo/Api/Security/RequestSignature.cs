using System.Security.Cryptography;
using System.Text;

namespace Sharemint.Silo.Api.Security;

/// <summary>
/// The request signature: lower-case hex of HMAC-SHA256(secret, timestamp + "\n" + METHOD + "\n" + path-and-query +
/// "\n" + hex(SHA-256(body))), where the timestamp is Unix milliseconds as sent in <c>X-Sharemint-Timestamp</c> and the
/// path-and-query is the request target exactly as sent on the wire.
/// </summary>
public static class RequestSignature
{
    public const string KeyHeader = "X-Sharemint-Key";
    public const string TimestampHeader = "X-Sharemint-Timestamp";
    public const string SignatureHeader = "X-Sharemint-Signature";

    /// <summary>The text that is signed.</summary>
    public static string CanonicalString(string timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body) =>
        $"{timestamp}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{Convert.ToHexStringLower(SHA256.HashData(body))}";

    /// <summary>The signature's raw bytes.</summary>
    public static byte[] Compute(string secret, string timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body) =>
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(CanonicalString(timestamp, method, pathAndQuery, body)));

    /// <summary>Whether <paramref name="signatureHex"/> is the right signature, compared in constant time.</summary>
    public static bool Verify(string secret, string timestamp, string method, string pathAndQuery, ReadOnlySpan<byte> body, string signatureHex)
    {
        if (signatureHex.Length != 64)
        {
            return false;
        }
        byte[] given;
        try
        {
            given = Convert.FromHexString(signatureHex);
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(given, Compute(secret, timestamp, method, pathAndQuery, body));
    }
}
