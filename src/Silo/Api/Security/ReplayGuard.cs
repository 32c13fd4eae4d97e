using Microsoft.Extensions.Options;
using Npgsql;

namespace Sharemint.Silo.Api.Security;

/// <summary>
/// Refuses a request nonce seen before for the same key, across every silo: each accepted (key, nonce) is inserted
/// under a unique key in PostgreSQL, so the second insert of the same pair (on any silo) finds it. Two clients sending
/// the same request in the same millisecond differ by their random nonces, so neither is refused. Rows past twice the
/// clock-skew window are purged, since the timestamp check already refuses those requests.
/// </summary>
public sealed class ReplayGuard(NpgsqlDataSource dataSource, ApiDatabaseCounter counter)
{
    /// <summary>Records the nonce; false when it was already recorded for this key (a replay).</summary>
    public async Task<bool> TryRecordAsync(string keyId, string nonce, CancellationToken cancellationToken)
    {
        counter.Count();
        await using var command = dataSource.CreateCommand(
            "INSERT INTO api_request_nonces (key_id, nonce) VALUES (@k, @n) ON CONFLICT (key_id, nonce) DO NOTHING");
        command.Parameters.AddWithValue("k", keyId);
        command.Parameters.AddWithValue("n", nonce);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes nonces older than <paramref name="age"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM api_request_nonces WHERE seen_at < now() - @age");
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
