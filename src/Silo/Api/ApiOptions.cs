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

    /// <summary>
    /// Requests one client address may burst, signed or not, before anything else is checked (429 above it). Counted
    /// before authentication, so a flood from one address is refused without touching keys or the database.
    /// </summary>
    public int AddressRateLimitBurst { get; set; } = 400;

    /// <summary>Requests per second an address's budget refills by.</summary>
    public int AddressRateLimitPerSecond { get; set; } = 200;

    /// <summary>
    /// Failed authentications one address may make before it is refused (429) ahead of any key lookup: a source of bad
    /// signatures costs the database at most this many key lookups, then <see cref="AuthFailuresPerSecond"/>.
    /// </summary>
    public int AuthFailureBurst { get; set; } = 20;

    /// <summary>Failed authentications per second an address's failure budget refills by.</summary>
    public int AuthFailuresPerSecond { get; set; } = 1;

    /// <summary>
    /// How long a key's record (and the fact that a key id does not exist) is remembered in memory before it is read
    /// from PostgreSQL again. Revocation and rotation apply at once on the silo that made them and within this many
    /// seconds on the others.
    /// </summary>
    public int KeyCacheSeconds { get; set; } = 5;

    /// <summary>The longest overlap a rotation may keep the old secret working for (seconds; 7 days).</summary>
    public int MaxRotationOverlapSeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>Requests a key may burst before it is throttled.</summary>
    public int RateLimitBurst { get; set; } = 100;

    /// <summary>Requests per second a key's budget refills by.</summary>
    public int RateLimitPerSecond { get; set; } = 20;
}
