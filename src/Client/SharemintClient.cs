using Sharemint.Client.Assets;

namespace Sharemint.Client;

/// <summary>Entry point of the SDK: one HttpClient whose BaseAddress is the API root (e.g. <c>http://127.0.0.1:8080/</c>).</summary>
public sealed class SharemintClient
{
    public SharemintClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("HttpClient.BaseAddress must be the API root.", nameof(http));
        }
        Assets = new AssetsClient(http);
    }

    /// <summary>The asset catalogue.</summary>
    public AssetsClient Assets { get; }
}
