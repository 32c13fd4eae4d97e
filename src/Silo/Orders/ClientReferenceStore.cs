using Npgsql;

namespace Sharemint.Silo.Orders;

/// <summary>
/// Partners' own references for their orders (<c>order_client_references</c>, migration 0080). A reference is claimed for
/// an order id before the order is placed, so one reference can never name two orders of a partner.
/// </summary>
public sealed class ClientReferenceStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Claims <paramref name="reference"/> for <paramref name="orderId"/>: <see cref="ReferenceClaim.Claimed"/> when it is
    /// now this order's, <see cref="ReferenceClaim.AlreadyThisOrders"/> when a retry had claimed it, and
    /// <see cref="ReferenceClaim.Conflict"/> when it names another order of the partner or this order has another reference.
    /// </summary>
    public async Task<ReferenceClaim> ClaimAsync(string accountId, string reference, string orderId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH claimed AS (
                INSERT INTO order_client_references (account_id, client_reference, order_id) VALUES ($1, $2, $3)
                ON CONFLICT DO NOTHING
                RETURNING order_id)
            SELECT CASE WHEN EXISTS (SELECT 1 FROM claimed) THEN 1
                        WHEN EXISTS (SELECT 1 FROM order_client_references WHERE account_id = $1 AND client_reference = $2 AND order_id = $3) THEN 2
                        ELSE 3 END
            """);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(reference);
        command.Parameters.AddWithValue(orderId);
        return (ReferenceClaim)(int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Gives a reference back when the order it was claimed for was refused (and so never existed).</summary>
    public async Task ReleaseAsync(string accountId, string reference, string orderId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM order_client_references WHERE account_id = $1 AND client_reference = $2 AND order_id = $3");
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(reference);
        command.Parameters.AddWithValue(orderId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The reference of an order, or null.</summary>
    public async Task<string?> FindAsync(string orderId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT client_reference FROM order_client_references WHERE order_id = $1");
        command.Parameters.AddWithValue(orderId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}

/// <summary>The outcome of claiming a client reference.</summary>
public enum ReferenceClaim
{
    Claimed = 1,
    AlreadyThisOrders = 2,
    Conflict = 3,
}
