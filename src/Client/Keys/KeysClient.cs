using Sharemint.Client.Admin;
using Sharemint.Client.Http;

namespace Sharemint.Client.Keys;

/// <summary>The partner's own API key: what it may do, and self-service rotation.</summary>
public class KeysClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected KeysClient() => _transport = null!;

    public KeysClient(ApiTransport transport) => _transport = transport;

    /// <summary>The key this client signs with: scopes, allowed addresses, rotation state (never the secret).</summary>
    public virtual Task<Response<ApiKey>> GetSelfAsync(CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<ApiKey>(HttpMethod.Get, "v1/keys/self", null, null, cancellationToken);

    /// <summary>
    /// Replaces this key's secret and switches this client to the new one. The old secret keeps working for
    /// <paramref name="overlap"/> (the server's default, one hour, when null; zero ends it now), so other processes that
    /// still hold it can be updated without downtime. Store the returned secret: it is shown only here.
    /// </summary>
    public virtual async Task<Response<IssuedApiKey>> RotateAsync(TimeSpan? overlap = null, CancellationToken cancellationToken = default)
    {
        var issued = await _transport.SendForResponseAsync<IssuedApiKey>(HttpMethod.Post, "v1/keys/self/rotate",
            new { overlapSeconds = overlap is { } o ? (int?)o.TotalSeconds : null }, null, cancellationToken);
        _transport.UseSecret(issued.Value.Secret);
        return issued;
    }
}
