using Microsoft.Extensions.Options;
using Npgsql;
using Sharemint.Silo.Storage;

namespace Sharemint.Silo.Api.Security;

/// <summary>
/// Refuses a request nonce seen before for the same key, across every silo: each accepted (key, nonce) is inserted
/// under a unique key in PostgreSQL, so the second insert of the same pair (on any silo) finds it. Two clients sending
/// the same request in the same millisecond differ by their random nonces, so neither is refused. Rows past twice the
/// clock-skew window are purged, since the timestamp check already refuses those requests.
/// </summary>
public sealed class ReplayGuard
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ApiDatabaseCounter _counter;
    private readonly GroupCommit<(string KeyId, string Nonce), bool> _inserts;

    public ReplayGuard(NpgsqlDataSource dataSource, ApiDatabaseCounter counter)
    {
        _dataSource = dataSource;
        _counter = counter;
        // Concurrent requests share one insert and one commit; each still learns whether its own pair was new.
        _inserts = new GroupCommit<(string, string), bool>(InsertAsync, name: "replay_guard");
    }

    /// <summary>Records the nonce; false when it was already recorded for this key (a replay). Returns once the row is committed.</summary>
    public Task<bool> TryRecordAsync(string keyId, string nonce, CancellationToken cancellationToken) =>
        _inserts.WriteAsync((keyId, nonce)).WaitAsync(cancellationToken);

    private async Task<IReadOnlyList<bool>> InsertAsync(IReadOnlyList<(string KeyId, string Nonce)> pairs)
    {
        _counter.Count();
        await using var command = _dataSource.CreateCommand("""
            INSERT INTO api_request_nonces (key_id, nonce)
            SELECT k, n FROM unnest($1::text[], $2::text[]) AS p(k, n)
            ON CONFLICT (key_id, nonce) DO NOTHING
            RETURNING key_id, nonce
            """);
        command.Parameters.AddWithValue(pairs.Select(p => p.KeyId).ToArray());
        command.Parameters.AddWithValue(pairs.Select(p => p.Nonce).ToArray());
        var inserted = new HashSet<(string, string)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                inserted.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        // A pair twice in one batch was inserted once: the first caller gets it, the second is the replay.
        return [.. pairs.Select(inserted.Remove)];
    }

    /// <summary>Deletes nonces older than <paramref name="age"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM api_request_nonces WHERE seen_at < now() - @age");
        command.Parameters.AddWithValue("age", age);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Purges expired nonces once a minute.</summary>
public sealed class ReplayPurger(ReplayGuard guard, IOptions<ApiOptions> options, ILogger<ReplayPurger> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Twice the window: a timestamp up to one window in the future stays replayable for two windows after it was seen.
        var age = TimeSpan.FromSeconds(options.Value.ClockSkewSeconds * 2);
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await guard.PurgeAsync(age, stoppingToken);
            }
            catch (NpgsqlException ex)
            {
                logger.LogWarning(ex, "Could not purge expired API request nonces; will retry");
            }
        }
    }
}
