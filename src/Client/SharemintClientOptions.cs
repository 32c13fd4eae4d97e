namespace Sharemint.Client;

/// <summary>
/// How the partner SDK reaches and authenticates to the Sharemint API, and how it retries. Bound from configuration by
/// <see cref="SharemintServiceCollectionExtensions.AddSharemintClient(Microsoft.Extensions.DependencyInjection.IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/>
/// (keys <c>BaseAddress</c>, <c>KeyId</c>, <c>Secret</c>, <c>MaxRetries</c>, <c>RetryDelay</c>, <c>MaxRetryDelay</c>, <c>Timeout</c>).
/// </summary>
public class SharemintClientOptions
{
    /// <summary>The API root, e.g. <c>http://127.0.0.1:8080/</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The API key id (partner, or operator for the admin client). Without it only public routes can be called.</summary>
    public string? KeyId { get; set; }

    /// <summary>The API key secret. Kept in memory only to sign requests; never sent.</summary>
    public string? Secret { get; set; }

    /// <summary>
    /// How many times a transient failure (connection error, timeout, 408, 429, 502–504) is retried. Only
    /// requests that are safe to repeat are retried: GETs, and requests that carry an Idempotency-Key.
    /// </summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The base retry delay: attempt n waits a random time up to RetryDelay × 2ⁿ (full jitter), at most <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest wait between attempts, including a server's Retry-After (seconds or an HTTP date).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Time limit of one HTTP attempt (applies when the SDK creates or configures the HttpClient).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>The operators' client options: the same settings, registered separately so an operator key never signs partner calls.</summary>
public sealed class SharemintAdminClientOptions : SharemintClientOptions
{
}
