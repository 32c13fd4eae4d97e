using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Sharemint.Silo.Api.Security;

/// <summary>
/// Remembers key records (and key ids that do not exist) for <see cref="ApiOptions.KeyCacheSeconds"/>, so that a burst
/// of requests, good or forged, for the same key id reads PostgreSQL once. Bounded: when full, lookups simply go to the
/// database (the per-address failure budget already bounds how many a bad source can cause). Changes made on this silo
/// (rotation, revocation) invalidate at once.
/// </summary>
public sealed class ApiKeyCache(ApiKeyStore store, IOptions<ApiOptions> options, TimeProvider clock)
{
    private const int MaxEntries = 10_000;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The key's credentials (from memory while fresh), or null when no such key exists or it cannot be decrypted.</summary>
    public async Task<ApiKeyCredentials?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_entries.TryGetValue(keyId, out var cached) && cached.ExpiresAt > now)
        {
            return cached.Credentials;
        }
        ApiKeyCredentials? found;
        try
        {
            found = await store.FindWithSecretAsync(keyId, cancellationToken);
        }
        catch (CryptographicException)
        {
            // Stored under another encryption key (or tampered with): the key cannot be used.
            found = null;
        }
        var ttl = TimeSpan.FromSeconds(Math.Max(0, options.Value.KeyCacheSeconds));
        if (ttl > TimeSpan.Zero)
        {
            if (_entries.Count >= MaxEntries)
            {
                Prune(now);
            }
            if (_entries.Count < MaxEntries)
            {
                _entries[keyId] = new Entry(found, now + ttl);
            }
        }
        return found;
    }

    /// <summary>Forgets a key (after it was rotated or revoked here).</summary>
    public void Invalidate(string keyId) => _entries.TryRemove(keyId, out _);

    private void Prune(DateTimeOffset now)
    {
        foreach (var (id, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.TryRemove(id, out _);
            }
        }
    }

    private sealed record Entry(ApiKeyCredentials? Credentials, DateTimeOffset ExpiresAt);
}
