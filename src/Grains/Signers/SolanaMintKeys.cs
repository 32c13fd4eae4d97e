using Npgsql;
using Sharemint.Chains.Solana;

namespace Sharemint.Signers;

/// <summary>
/// The stored account key of each Solana mint (table <c>solana_mint_keys</c>): insert-once per chain and symbol, so every
/// activation and every retry of a deploy signs for the same mint account, and two racing deploys agree on the winner.
/// </summary>
internal sealed class SolanaMintKeys(NpgsqlDataSource dataSource, string chain)
{
    /// <summary>The stored key of <paramref name="symbol"/>, or null.</summary>
    public async Task<(Keypair Key, string Origin)?> FindAsync(string symbol)
    {
        await using var command = dataSource.CreateCommand("SELECT secret_key, origin FROM solana_mint_keys WHERE chain = $1 AND symbol = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = chain });
        command.Parameters.Add(new NpgsqlParameter { Value = symbol });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (Keypair.FromSecretKey(Base58.Decode(reader.GetString(0))), reader.GetString(1)) : null;
    }

    /// <summary>Stores <paramref name="key"/> unless a key is already stored for the symbol; returns the stored one either way.</summary>
    public async Task<(Keypair Key, string Origin)> AddOrGetAsync(string symbol, Keypair key, string origin)
    {
        await using (var command = dataSource.CreateCommand("""
            INSERT INTO solana_mint_keys (chain, symbol, public_key, secret_key, origin) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (chain, symbol) DO NOTHING
            """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = chain });
            command.Parameters.Add(new NpgsqlParameter { Value = symbol });
            command.Parameters.Add(new NpgsqlParameter { Value = key.PublicKey.ToString() });
            command.Parameters.Add(new NpgsqlParameter { Value = Base58.Encode(key.SecretKey()) });
            command.Parameters.Add(new NpgsqlParameter { Value = origin });
            await command.ExecuteNonQueryAsync();
        }
        return await FindAsync(symbol) ?? throw new InvalidOperationException($"the mint key of {symbol} on {chain} was not stored");
    }
}
