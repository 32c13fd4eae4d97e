using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Sharemint.Client.Webhooks;

/// <summary>Why a delivery was refused.</summary>
public sealed class WebhookSignatureException : Exception
{
    public WebhookSignatureException() : this("signature_invalid", "The webhook signature is invalid.") { }

    public WebhookSignatureException(string message) : this("signature_invalid", message) { }

    public WebhookSignatureException(string message, Exception innerException) : base(message, innerException) => Code = "body_invalid";

    public WebhookSignatureException(string code, string message) : base(message) => Code = code;

    /// <summary><c>headers_missing</c>, <c>timestamp_invalid</c>, <c>timestamp_out_of_tolerance</c>, <c>signature_invalid</c> or <c>body_invalid</c>.</summary>
    public string Code { get; }
}

/// <summary>
/// Verifies webhook deliveries: the <c>Sharemint-Webhook-Signature</c> header holds <c>v1=</c> hex(HMAC-SHA256(secret,
/// "{id}.{timestamp}.{body}")) entries separated by spaces (more than one while a secret rotation overlaps); a delivery is
/// genuine when any entry matches under any of the receiver's secrets (compared in constant time), its timestamp is within
/// the tolerance of now (so a captured delivery cannot be replayed later), and the body's id is the header's id.
/// Deliveries are at least once: deduplicate on <see cref="WebhookEvent.Id"/>.
/// </summary>
public sealed class WebhookVerifier
{
    public const string IdHeader = "Sharemint-Webhook-Id";
    public const string TimestampHeader = "Sharemint-Webhook-Timestamp";
    public const string SignatureHeader = "Sharemint-Webhook-Signature";

    private readonly byte[][] _secrets;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _clock;

    /// <summary>A verifier for one endpoint's secret(s) (several while the receiver moves to a rotated one).</summary>
    /// <param name="secrets">The endpoint's <c>whsec_…</c> secret(s).</param>
    /// <param name="tolerance">How far the delivery's timestamp may be from now; five minutes when null.</param>
    /// <param name="clock">The clock (tests); the system clock when null.</param>
    public WebhookVerifier(IEnumerable<string> secrets, TimeSpan? tolerance = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = secrets.Select(s => Encoding.UTF8.GetBytes(s ?? throw new ArgumentException("A secret is null.", nameof(secrets)))).ToArray();
        if (_secrets.Length == 0 || _secrets.Any(s => s.Length == 0))
        {
            throw new ArgumentException("Give at least one non-empty secret.", nameof(secrets));
        }
        _tolerance = tolerance ?? TimeSpan.FromMinutes(5);
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>A verifier for one secret.</summary>
    public WebhookVerifier(string secret, TimeSpan? tolerance = null, TimeProvider? clock = null) : this([secret], tolerance, clock)
    {
    }

    /// <summary>
    /// Checks a delivery and returns its event; throws <see cref="WebhookSignatureException"/> when it is not genuine.
    /// Pass the body exactly as received (before any JSON parsing).
    /// </summary>
    public WebhookEvent Verify(string? eventId, string? timestamp, string? signature, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (string.IsNullOrEmpty(eventId) || string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(signature))
        {
            throw new WebhookSignatureException("headers_missing", $"A delivery carries {IdHeader}, {TimestampHeader} and {SignatureHeader}.");
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253_402_300_799)
        {
            throw new WebhookSignatureException("timestamp_invalid", $"{TimestampHeader} must be Unix seconds.");
        }
        var age = _clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (age.Duration() > _tolerance)
        {
            throw new WebhookSignatureException("timestamp_out_of_tolerance", $"The delivery's timestamp is {age.TotalSeconds:0} s from now (tolerance {_tolerance.TotalSeconds:0} s).");
        }
        var content = Encoding.UTF8.GetBytes($"{eventId}.{timestamp}.{body}");
        var expected = _secrets.Select(secret => HMACSHA256.HashData(secret, content)).ToArray();
        var matched = false;
        foreach (var entry in signature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!entry.StartsWith("v1=", StringComparison.Ordinal) || entry.Length != 3 + 64)
            {
                continue;
            }
            byte[] given;
            try
            {
                given = Convert.FromHexString(entry.AsSpan(3));
            }
            catch (FormatException)
            {
                continue;
            }
            foreach (var candidate in expected)
            {
                // Every candidate is compared, in constant time, so timing tells nothing about which or how much matched.
                matched |= CryptographicOperations.FixedTimeEquals(candidate, given);
            }
        }
        if (!matched)
        {
            throw new WebhookSignatureException("signature_invalid", "No signature in the delivery matches the endpoint's secret.");
        }
        WebhookEvent? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize<WebhookEvent>(body, SharemintJson.Options);
        }
        catch (JsonException error)
        {
            throw new WebhookSignatureException("The delivery's body is not an event.", error);
        }
        if (parsed is null || parsed.Id != eventId)
        {
            throw new WebhookSignatureException("body_invalid", $"The body's id is not the {IdHeader} header.");
        }
        return parsed;
    }
}
