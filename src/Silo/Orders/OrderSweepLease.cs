using Npgsql;

namespace Sharemint.Silo.Orders;

/// <summary>
/// The right to run this period's order sweep (migration 0175): one silo of the cluster holds it. The holder renews it
/// on each of its ticks (half a period of age is enough, so a tick that comes early still renews); another silo takes it
/// only once it is a period and a half old, which a live holder never lets happen. So the sweeper does not change hands
/// while it lives, and a dead one delays waiting orders by at most a period and a half more.
/// </summary>
public sealed class OrderSweepLease(NpgsqlDataSource dataSource)
{
    /// <summary>Takes the lease for <paramref name="silo"/> when it holds the lease, or the holder has not swept for a period and a half.</summary>
    public async Task<bool> TryTakeAsync(string silo, TimeSpan period, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO order_sweeps (name, swept_at, silo) VALUES ('orders', now(), $1)
            ON CONFLICT (name) DO UPDATE SET swept_at = excluded.swept_at, silo = excluded.silo
             WHERE (order_sweeps.silo = excluded.silo AND order_sweeps.swept_at <= now() - $2 * 0.5)
                OR order_sweeps.swept_at <= now() - $2 * 1.5
            RETURNING 1
            """);
        command.Parameters.AddWithValue(silo);
        command.Parameters.AddWithValue(period);
        return await command.ExecuteScalarAsync(cancellationToken) is not null;
    }
}
