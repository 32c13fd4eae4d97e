using Npgsql;
using Sharemint.Bridges;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Units;

namespace Sharemint.OrderThroughput;

/// <summary>Mint transactions one chain's signer wrote in a window: write-ahead rows, the order lines they carry, signed attempts.</summary>
public sealed record ChainBatching(string Chain, long Transactions, long Lines, long LargestBatch, long SignedAttempts);

/// <summary>One deployment's ledger supply beside its real on-chain supply, read independently of the silo.</summary>
public sealed record SupplyCheck(string Symbol, string Chain, CanonicalAmount Ledger, CanonicalAmount OnChain, int PendingChainOperations)
{
    public bool Matches => Ledger == OnChain;
}

/// <summary>What the chains and the signer's write-ahead log show: batching, and ledger = chain (invariant 5).</summary>
public static class ChainEvidence
{
    /// <summary>The database's clock now (the write-ahead rows are dated by it).</summary>
    public static async Task<DateTime> DatabaseNowAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT clock_timestamp()");
        return (DateTime)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Mint writes recorded since <paramref name="since"/>, per chain (migration 0008: one <c>chain_signer_writes</c> row per
    /// chain transaction, its <c>payload.lines</c> the orders it mints; EVM attempts include fee bumps and replacements).
    /// </summary>
    public static async Task<IReadOnlyList<ChainBatching>> MintBatchingAsync(string connectionString, DateTime since)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("""
            SELECT w.chain, count(*), coalesce(sum(jsonb_array_length(w.payload->'lines')), 0), coalesce(max(jsonb_array_length(w.payload->'lines')), 0),
                   (SELECT count(*) FROM chain_signer_evm_attempts a WHERE a.chain = w.chain AND a.signed_at >= $1)
            FROM chain_signer_writes w
            WHERE w.created_at >= $1 AND (w.payload->>'kind') IN ('1', 'Mint', 'mint')
            GROUP BY w.chain ORDER BY w.chain
            """);
        command.Parameters.AddWithValue(since);
        var rows = new List<ChainBatching>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new ChainBatching(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetInt64(4)));
        }
        return rows;
    }

    /// <summary>Each deployment's ledger supply (bridge grain) beside the token's total supply read from its chain's RPC node.</summary>
    public static async Task<IReadOnlyList<SupplyCheck>> SuppliesAsync(BenchPlatform platform)
    {
        var checks = new List<SupplyCheck>();
        foreach (var symbol in platform.Symbols)
        {
            foreach (var chain in platform.Chains)
            {
                var deployment = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain)).GetAsync();
                var onChain = await OnChainSupplyAsync(platform, chain, deployment.Config);
                checks.Add(new SupplyCheck(symbol, chain, deployment.Supply, onChain, deployment.PendingChainOperations));
            }
        }
        return checks;
    }

    private static async Task<CanonicalAmount> OnChainSupplyAsync(BenchPlatform platform, string chain, DeploymentConfig token)
    {
        if (chain == "solana")
        {
            using var rpc = new SolanaRpcClient(platform.Solana!.Endpoint);
            var supply = await rpc.GetTokenSupplyAsync(PublicKey.Parse(token.TokenAddress), Commitment.Finalized);
            return CanonicalAmount.FromChainUnits(supply.Amount, token.Decimals);
        }
        var node = platform.EvmNode(chain);
        using var client = new EvmClient(new EvmChainConfig(chain, node.ChainId, node.RpcUrl, 1, EvmFeeModel.Eip1559));
        var total = await new SharemintToken(client, platform.Artifact, EvmAddress.Parse(token.TokenAddress)).TotalSupplyAsync();
        return CanonicalAmount.FromChainUnits(total.Value, token.Decimals);
    }
}

/// <summary>Rows written per table (inserts + updates + deletes) and commits, from PostgreSQL's statistics views.</summary>
public sealed record DatabaseWrites(IReadOnlyDictionary<string, long> RowsByTable, long Commits)
{
    /// <summary>Counters now. The statistics are flushed by each backend within about a second, so read them after a pause.</summary>
    public static async Task<DatabaseWrites> ReadAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var rows = new Dictionary<string, long>();
        await using (var command = dataSource.CreateCommand("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows[reader.GetString(0)] = reader.GetInt64(1);
            }
        }
        await using var commits = dataSource.CreateCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
        return new DatabaseWrites(rows, (long)(await commits.ExecuteScalarAsync())!);
    }

    /// <summary>What was written between <paramref name="before"/> and this reading, per table, largest first.</summary>
    public IReadOnlyList<(string Table, long Rows)> Since(DatabaseWrites before) =>
        [.. RowsByTable.Select(t => (t.Key, t.Value - before.RowsByTable.GetValueOrDefault(t.Key))).Where(t => t.Item2 > 0).OrderByDescending(t => t.Item2)];
}
