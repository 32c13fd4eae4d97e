using Npgsql;
using Sharemint.Accounts;

namespace Sharemint.Silo.Storage;

/// <summary><see cref="IWalletOwnerRegistry"/> on the <c>wallet_owners</c> table (migration 0021): the primary key is the wallet.</summary>
public sealed class PostgresWalletOwnerRegistry(NpgsqlDataSource dataSource) : IWalletOwnerRegistry
{
    /// <summary>What <see cref="ClaimAsync"/> returns for a wallet several accounts listed before the rule existed.</summary>
    public const string ConflictMarker = "(unsettled conflict)";

    public async Task<string> ClaimAsync(string chain, string canonicalAddress, string accountId, CancellationToken cancellationToken = default)
    {
        // Insert-or-read in one statement: a concurrent claim by another account loses on the primary key. A wallet the
        // migration found on several accounts stays unclaimable until an operator settles it (wallet_owner_conflicts).
        await using var command = dataSource.CreateCommand("""
            WITH conflicted AS (SELECT 1 FROM wallet_owner_conflicts WHERE chain = @chain AND address = @address),
            claimed AS (
                INSERT INTO wallet_owners (chain, address, account_id)
                SELECT @chain, @address, @account WHERE NOT EXISTS (SELECT 1 FROM conflicted)
                ON CONFLICT (chain, address) DO NOTHING RETURNING account_id)
            SELECT '(unsettled conflict)' FROM conflicted
            UNION ALL
            SELECT account_id FROM claimed
            UNION ALL
            SELECT account_id FROM wallet_owners WHERE chain = @chain AND address = @address
            LIMIT 1
            """);
        command.Parameters.AddWithValue("chain", chain);
        command.Parameters.AddWithValue("address", canonicalAddress);
        command.Parameters.AddWithValue("account", accountId);
        return (string)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task ReleaseAsync(string chain, string canonicalAddress, string accountId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM wallet_owners WHERE chain = @chain AND address = @address AND account_id = @account");
        command.Parameters.AddWithValue("chain", chain);
        command.Parameters.AddWithValue("address", canonicalAddress);
        command.Parameters.AddWithValue("account", accountId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<string?> OwnerOfAsync(string chain, string canonicalAddress, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT account_id FROM wallet_owners WHERE chain = @chain AND address = @address");
        command.Parameters.AddWithValue("chain", chain);
        command.Parameters.AddWithValue("address", canonicalAddress);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
