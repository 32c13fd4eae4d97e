using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sharemint.Silo.Webhooks;

/// <summary>
/// The signature of a webhook delivery: <c>v1=</c> hex(HMAC-SHA256(secret, "{id}.{timestamp}.{body}")), with the
/// timestamp in Unix seconds. During a secret's rotation overlap the header carries one signature per secret, separated
/// by spaces; a receiver accepts the delivery when any of them verifies.
/// </summary>
public static class WebhookSigning
{
    public const string IdHeader = "Sharemint-Webhook-Id";
    public const string TimestampHeader = "Sharemint-Webhook-Timestamp";
    public const string SignatureHeader = "Sharemint-Webhook-Signature";
    public const string SecretPrefix = "whsec_";

    /// <summary>A new endpoint secret: <c>whsec_</c> and 32 random bytes in hex.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>The signature header's value for <paramref name="secrets"/> (current first).</summary>
    public static string Header(IEnumerable<string> secrets, string eventId, long timestamp, string body) =>
        string.Join(' ', secrets.Select(s => "v1=" + Sign(s, eventId, timestamp, body)));

    /// <summary>hex(HMAC-SHA256(secret, "{id}.{timestamp}.{body}")).</summary>
    public static string Sign(string secret, string eventId, long timestamp, string body)
    {
        var content = Encoding.UTF8.GetBytes($"{eventId}.{timestamp.ToString(CultureInfo.InvariantCulture)}.{body}");
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), content));
    }
}
