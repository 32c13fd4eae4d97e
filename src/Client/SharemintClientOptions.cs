namespace Sharemint.Client;

/// <summary>How the SDK reaches and authenticates to the Sharemint API.</summary>
public sealed class SharemintClientOptions
{
    /// <summary>The API root, e.g. <c>http://127.0.0.1:8080/</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The API key id (partner or operator). Without it only public routes can be called.</summary>
    public string? KeyId { get; set; }

    /// <summary>The API key secret. Kept in memory only to sign requests; never sent.</summary>
    public string? Secret { get; set; }

    /// <summary>How many times a transient failure (connection error, timeout, 408, 429, 502–504) is retried.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first retry delay; later ones double (a 429's Retry-After wins when longer).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Time limit of one HTTP attempt (applies when the SDK creates or configures the HttpClient).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
