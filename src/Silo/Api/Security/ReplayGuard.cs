using Microsoft.Extensions.Options;
using Npgsql;

namespace Sharemint.Silo.Api.Security;

/// <summary>
/// Refuses a signature seen before, across every silo: each accepted signature is inserted under a unique key in
/// PostgreSQL, so the second insert of the same one (on any silo) finds it. Rows past the clock-skew window are
/// purged, since the timestamp check already refuses those requests.
/// </summary>
public sealed class ReplayGuard(NpgsqlDataSource dataSource)
{
    /// <summary>Records the signature; false when it was already recorded (a replay).</summary>
    public async Task<bool> TryRecordAsync(string signature, string keyId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO api_request_signatures (signature, key_id) VALUES (@s, @k) ON CONFLICT (signature) DO NOTHING");
        command.Parameters.AddWithValue("s", signature);
        command.Parameters.AddWithValue("k", keyId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes signatures older than <paramref name="age"/>; returns how many.</summary>
    public async Task<int> PurgeAsync(TimeSpan age, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM api_request_signatures WHERE seen_at < now() - @age");
        command.Parameters.AddWithValue("age", age);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Purges expired signatures once a minute.</summary>
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
                logger.LogWarning(ex, "Could not purge expired API request signatures; will retry");
            }
        }
    }
}
