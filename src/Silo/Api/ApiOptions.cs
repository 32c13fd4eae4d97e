namespace Sharemint.Silo.Api;

/// <summary>The HTTP API's settings (section <c>Sharemint:Api</c>; environment variables <c>Sharemint__Api__…</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "Sharemint:Api";

    /// <summary>
    /// Base64 of 32 random bytes: the AES-256-GCM key that encrypts API secrets at rest. Without it no key can be created
    /// or verified (every signed request is refused), so a misconfigured silo fails closed.
    /// </summary>
    public string? SecretEncryptionKey { get; set; }

    /// <summary>An admin operator key created (or re-keyed) at start-up, for the first login of a fresh installation.</summary>
    public string? BootstrapAdminKeyId { get; set; }

    /// <summary>The secret of <see cref="BootstrapAdminKeyId"/>.</summary>
    public string? BootstrapAdminSecret { get; set; }

    /// <summary>With <c>Sharemint:SeedDemo</c>: a partner key for the demo partner, created (or re-keyed) at start-up.</summary>
    public string? DemoPartnerKeyId { get; set; }

    /// <summary>The secret of <see cref="DemoPartnerKeyId"/>.</summary>
    public string? DemoPartnerSecret { get; set; }

    /// <summary>How far a request's timestamp may be from the server clock, either way.</summary>
    public int ClockSkewSeconds { get; set; } = 300;

    /// <summary>The largest request body accepted (413 above it).</summary>
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Requests a key may burst before it is throttled.</summary>
    public int RateLimitBurst { get; set; } = 100;

    /// <summary>Requests per second a key's budget refills by.</summary>
    public int RateLimitPerSecond { get; set; } = 20;
}
