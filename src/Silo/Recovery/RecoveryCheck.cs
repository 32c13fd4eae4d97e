using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Npgsql;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tron;
using Sharemint.Signers;
using SolanaPublicKey = Sharemint.Chains.Solana.PublicKey;
using Sharemint.Reserves;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Silo.Recovery;

/// <summary>
/// The check an operator runs after restoring the database from a backup (or whenever the ledger is in doubt): it pauses
/// every asset, then compares the ledger and the chain signers' write-ahead log (table <c>chain_signer_writes</c>,
/// migration 0008) with each chain, and reports every difference. It changes nothing else and resumes nothing: the
/// assets stay paused until an operator calls <see cref="ResumeAsync"/>.
/// <list type="bullet">
/// <item>supplies: a reconciliation of every asset (ledger supply against the real on-chain supply of each deployment);</item>
/// <item>multipliers: the ledger's against the token's (EVM and Tron chains; Solana mints with the scaled-UI-amount extension);</item>
/// <item>the issuer's transactions: every Minted/Burned event of each EVM and Tron token, by operation id, against the
/// write-ahead log, both ways; on Solana every issuer-paid transaction on each mint, by signature, against the sender's records.
/// An operation on-chain that the log does not hold is an effect the restored ledger has lost.</item>
/// </list>
/// </summary>
public sealed class RecoveryCheck(IGrainFactory grains, NpgsqlDataSource database, IConfiguration configuration, ILogger<RecoveryCheck> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Pauses the platform, compares, and reports. Idempotent: a second run keeps the first run's record of prior statuses.</summary>
    public async Task<RecoveryReport> RunAsync(CancellationToken cancellationToken)
    {
        var checkId = $"recovery-{DateTimeOffset.UtcNow:yyyyMMddTHHmmss}-{Guid.NewGuid():N}"[..40];
        var catalog = grains.GetGrain<ICatalogGrain>(0);
        var symbols = await catalog.ListAssetsAsync();
        var paused = await PauseAsync(checkId, symbols, cancellationToken);

        var differences = new List<RecoveryDifference>();
        var notes = new List<string>();
        var writes = await ReadWriteAheadLogAsync(cancellationToken);
        var deployments = await catalog.ListDeploymentsAsync();
        foreach (var symbol in symbols)
        {
            var asset = await grains.GetGrain<IAssetGrain>(symbol).GetAsync();
            try
            {
                var report = (await grains.GetGrain<IReservesGrain>(symbol).ReconcileAsync()).Report;
                foreach (var d in report.Deployments.Where(d => d.DriftUnits != 0))
                {
                    differences.Add(new RecoveryDifference("supply_differs", symbol, d.Chain,
                        $"ledger supply {d.LedgerSupply.Units} units, on-chain {d.OnChainSupply.Units} units (drift {d.DriftUnits})")
                    {
                        LedgerUnits = d.LedgerSupply.Units,
                        ChainUnits = d.OnChainSupply.Units,
                    });
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                differences.Add(new RecoveryDifference("reconciliation_failed", symbol, null, ex.Message));
            }

            foreach (var deployment in deployments.Where(d => d.Symbol == symbol))
            {
                var snapshot = await grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, deployment.Chain)).GetAsync();
                var chain = configuration.GetSection($"Sharemint:Chains:{deployment.Chain}");
                if (string.Equals(chain["Family"], "solana", StringComparison.OrdinalIgnoreCase))
                {
                    try
                    {
                        await CompareSolanaAsync(symbol, deployment.Chain, chain, snapshot, asset.Multiplier,
                            writes.Where(w => w.Chain == deployment.Chain).ToList(), differences, cancellationToken);
                    }
                    catch (Exception ex) when (ex is SolanaException or HttpRequestException or TimeoutException)
                    {
                        differences.Add(new RecoveryDifference("chain_unreadable", symbol, deployment.Chain, ex.Message));
                    }
                    continue;
                }
                if (string.Equals(chain["Family"], "tron", StringComparison.OrdinalIgnoreCase))
                {
                    try
                    {
                        await CompareTronAsync(symbol, deployment.Chain, chain, snapshot, asset.Multiplier,
                            writes.Where(w => w.Chain == deployment.Chain).ToList(), differences, cancellationToken);
                    }
                    catch (Exception ex) when (ex is TronException or EvmException or HttpRequestException or TimeoutException)
                    {
                        differences.Add(new RecoveryDifference("chain_unreadable", symbol, deployment.Chain, ex.Message));
                    }
                    continue;
                }
                if (!string.Equals(chain["Family"], "evm", StringComparison.OrdinalIgnoreCase))
                {
                    notes.Add($"{symbol}/{deployment.Chain}: supply compared; multiplier and transactions are compared on EVM, Solana and Tron chains only");
                    continue;
                }
                try
                {
                    await CompareEvmAsync(symbol, deployment.Chain, chain, snapshot, asset.Multiplier,
                        writes.Where(w => w.Chain == deployment.Chain).ToList(), differences, cancellationToken);
                }
                catch (Exception ex) when (ex is EvmException or HttpRequestException or TimeoutException)
                {
                    differences.Add(new RecoveryDifference("chain_unreadable", symbol, deployment.Chain, ex.Message));
                }
            }
        }

        logger.LogWarning("Recovery check {CheckId}: {Count} difference(s); {Paused} asset(s) paused until resumed", checkId, differences.Count, paused.Count);
        return new RecoveryReport(checkId, DateTimeOffset.UtcNow, paused, differences, notes);
    }

    /// <summary>Restores every asset the recovery check paused to the status it had before; returns them.</summary>
    public async Task<IReadOnlyList<string>> ResumeAsync(CancellationToken cancellationToken)
    {
        var rows = new List<(string Symbol, AssetStatus Previous, string CheckId)>();
        await using (var select = database.CreateCommand("SELECT symbol, previous_status, check_id FROM recovery_pauses ORDER BY symbol"))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), Enum.Parse<AssetStatus>(reader.GetString(1)), reader.GetString(2)));
            }
        }
        foreach (var (symbol, previous, checkId) in rows)
        {
            await grains.GetGrain<IAssetGrain>(symbol).SetStatusAsync(OperationId.From($"{checkId}/resume/{symbol}"), previous);
            await using var delete = database.CreateCommand("DELETE FROM recovery_pauses WHERE symbol = $1");
            delete.Parameters.AddWithValue(symbol);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        return rows.Select(r => r.Symbol).ToList();
    }

    private async Task<IReadOnlyList<string>> PauseAsync(string checkId, IReadOnlyList<string> symbols, CancellationToken cancellationToken)
    {
        foreach (var symbol in symbols)
        {
            var asset = grains.GetGrain<IAssetGrain>(symbol);
            var status = (await asset.GetAsync()).Status;
            // The status before the first check is what resuming restores; a re-run does not overwrite it with Halted.
            await using (var record = database.CreateCommand(
                "INSERT INTO recovery_pauses (symbol, previous_status, check_id) VALUES ($1, $2, $3) ON CONFLICT (symbol) DO NOTHING"))
            {
                record.Parameters.AddWithValue(symbol);
                record.Parameters.AddWithValue(status.ToString());
                record.Parameters.AddWithValue(checkId);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            // A delisting asset keeps its window (status no longer changes); its redemptions are the only traffic left.
            if (status is not (AssetStatus.Halted or AssetStatus.Delisting or AssetStatus.Delisted))
            {
                await asset.SetStatusAsync(OperationId.From($"{checkId}/pause/{symbol}"), AssetStatus.Halted);
            }
        }
        return symbols;
    }

    private async Task CompareEvmAsync(string symbol, string chainName, IConfigurationSection chain, DeploymentSnapshot deployment, Multiplier ledgerMultiplier,
        IReadOnlyList<LoggedWrite> writes, List<RecoveryDifference> differences, CancellationToken cancellationToken)
    {
        // Confirmations 1: the check reads every block, final or not (it reports; it does not act).
        var config = new EvmChainConfig(chainName, ulong.Parse(chain["ChainId"] ?? "0", CultureInfo.InvariantCulture), new Uri(chain["RpcUrl"]!), 1, EvmFeeModel.Eip1559);
        using var client = new EvmClient(config);
        var token = new SharemintToken(client, SharemintTokenArtifact.Locate(), EvmAddress.Parse(deployment.Config.TokenAddress));

        CompareMultiplier(symbol, chainName, (await token.MultiplierAsync(cancellationToken)).ToString(), ledgerMultiplier, differences);

        var events = new List<TokenSupplyChange>();
        EvmLogCursor? cursor = null;
        var reorgs = 0;
        while (true)
        {
            var scan = await token.ScanSupplyChangesAsync(cursor, 0, cancellationToken);
            if (scan.ReorgDetected)
            {
                // The chain moved under the scan: read it again from the start (a few times at most).
                if (++reorgs > 3)
                {
                    throw new EvmException(EvmErrorCode.RpcMalformedResponse, $"{chainName} keeps reorganising under the scan");
                }
                events.Clear();
                cursor = null;
                continue;
            }
            events.AddRange(scan.Events);
            if (scan.Cursor is null || scan.Cursor == cursor)
            {
                break;
            }
            cursor = scan.Cursor;
        }

        var scale = BigInteger.Pow(10, Math.Max(0, deployment.Config.Decimals - CanonicalAmount.Decimals));
        CompareOperations(symbol, chainName,
            writes.Where(w => string.Equals(w.TokenAddress, deployment.Config.TokenAddress, StringComparison.OrdinalIgnoreCase)).ToList(),
            events.Select(e => new OnChainSupplyChange(e.OperationId, e.Kind, e.TransactionHash.ToString(), (long)e.BlockNumber,
                new RecoveryLine(e.Account.ToString(), e.Amount.ToString(), (long)(BigInteger.Parse(e.Amount.ToString(), CultureInfo.InvariantCulture) / scale)))),
            differences);
    }

    /// <summary>
    /// Tron (the same token contract as on EVM): the multiplier in force (triggerconstantcontract) against the ledger's, and
    /// every Minted/Burned event of the token, by operation id, against the write-ahead log, both ways. The events are read
    /// block by block with <c>/wallet/gettransactioninfobyblocknum</c> (a full node's API; no event server needed) from the
    /// token's deployment block to the head, final or not: the check reports, it does not act.
    /// </summary>
    private async Task CompareTronAsync(string symbol, string chainName, IConfigurationSection chain, DeploymentSnapshot deployment,
        Multiplier ledgerMultiplier, IReadOnlyList<LoggedWrite> writes, List<RecoveryDifference> differences, CancellationToken cancellationToken)
    {
        using var http = new TronHttpClient(new Uri(chain["RpcUrl"]!));
        var client = new TronClient(http);
        var token = new TronToken(client, SharemintTokenArtifact.Locate(), TronAddress.Parse(deployment.Config.TokenAddress));

        CompareMultiplier(symbol, chainName, (await token.MultiplierAsync(cancellationToken)).ToString(), ledgerMultiplier, differences);

        var first = (long)await grains.GetGrain<IChainSignerGrain>(chainName).GetDeployedHeightAsync(deployment.Config.TokenAddress);
        var head = (await client.GetNowBlockAsync(cancellationToken)).Number;
        var events = new List<TronSupplyChange>();
        for (var from = first; from <= head; from += TronBlocksInFlight)
        {
            // One request per block: a few in flight at once, kept in chain order.
            var batch = await Task.WhenAll(Enumerable.Range(0, (int)Math.Min(TronBlocksInFlight, head - from + 1))
                .Select(i => token.SupplyChangesInBlockAsync(from + i, final: false, cancellationToken)));
            events.AddRange(batch.SelectMany(b => b));
        }

        var scale = BigInteger.Pow(10, Math.Max(0, deployment.Config.Decimals - CanonicalAmount.Decimals));
        CompareOperations(symbol, chainName, writes.Where(w => w.TokenAddress == deployment.Config.TokenAddress).ToList(),
            events.Select(e => new OnChainSupplyChange(e.OperationId, e.Kind, e.TxId, e.BlockNumber,
                new RecoveryLine(e.Account.ToBase58(), e.Amount.ToString(), (long)(e.Amount.Value / scale)))),
            differences);
    }

    /// <summary>A Minted or Burned event as the EVM and Tron comparisons read it: one line per account it moved.</summary>
    private sealed record OnChainSupplyChange(Hash32 OperationId, TokenSupplyChangeKind Kind, string TransactionId, long BlockNumber, RecoveryLine Line);

    /// <summary>The token's multiplier in force (18 decimals, as the EVM and Tron contracts hold it) against the ledger's.</summary>
    private static void CompareMultiplier(string symbol, string chainName, string onChain, Multiplier ledger, List<RecoveryDifference> differences)
    {
        var ledgerRaw = decimal.Truncate(ledger.Value * 1_000_000_000_000_000_000m).ToString(CultureInfo.InvariantCulture);
        if (onChain != ledgerRaw)
        {
            differences.Add(new RecoveryDifference("multiplier_differs", symbol, chainName, $"ledger multiplier {ledgerRaw}, on-chain {onChain} (18 decimals)"));
        }
    }

    /// <summary>
    /// The token's Minted/Burned events against the write-ahead log by operation id, both ways: an operation on chain the log
    /// does not hold, or holds as not final; and a final mint or burn in the log with no event on chain (a final pause,
    /// blocklist or multiplier write leaves no such event, so only writes that move supply are looked for).
    /// </summary>
    private static void CompareOperations(string symbol, string chainName, IReadOnlyList<LoggedWrite> tokenWrites,
        IEnumerable<OnChainSupplyChange> events, List<RecoveryDifference> differences)
    {
        var logged = tokenWrites.ToDictionary(w => Hash32.FromKey(w.WriteId));
        var onChain = new HashSet<Hash32>();
        foreach (var operation in events.GroupBy(e => e.OperationId))
        {
            onChain.Add(operation.Key);
            var earliest = operation.First();
            var lines = operation.Select(e => e.Line).ToList();
            var kind = earliest.Kind == TokenSupplyChangeKind.Mint ? "mint" : "burn";
            if (!logged.TryGetValue(operation.Key, out var write))
            {
                differences.Add(new RecoveryDifference("operation_not_in_ledger", symbol, chainName,
                    $"{kind} {operation.Key} in transaction {earliest.TransactionId} (block {earliest.BlockNumber}) is on-chain but not in the ledger's write-ahead log")
                {
                    OperationId = operation.Key.ToString(), TransactionId = earliest.TransactionId, Kind = kind, Lines = lines,
                });
            }
            else if (write.State != "final")
            {
                differences.Add(new RecoveryDifference($"operation_{write.State}_in_ledger_but_on_chain", symbol, chainName,
                    $"{kind} {write.WriteId} is {write.State} in the write-ahead log but happened on-chain in {earliest.TransactionId}")
                {
                    OperationId = operation.Key.ToString(), WriteId = write.WriteId, TransactionId = earliest.TransactionId, Kind = kind, Lines = lines,
                });
            }
        }
        foreach (var write in tokenWrites.Where(w => w.State == "final" && w.MovesSupply && !onChain.Contains(Hash32.FromKey(w.WriteId))))
        {
            differences.Add(new RecoveryDifference("operation_not_on_chain", symbol, chainName,
                $"write {write.WriteId} is final in the write-ahead log (transaction {write.TransactionId}) but no such operation is on-chain")
            {
                OperationId = Hash32.FromKey(write.WriteId).ToString(), WriteId = write.WriteId, TransactionId = write.TransactionId,
            });
        }
    }

    /// <summary>
    /// Solana: every successful transaction on the mint that the issuer paid for, by signature, against the sender's
    /// write-ahead records (table <c>chain_signer_solana_records</c>: each operation's signatures, abandoned ones included)
    /// and the write log, both ways. A Solana transaction carries no operation id on chain; the signature names it.
    /// </summary>
    private async Task CompareSolanaAsync(string symbol, string chainName, IConfigurationSection chain, DeploymentSnapshot deployment,
        Multiplier ledgerMultiplier, IReadOnlyList<LoggedWrite> writes, List<RecoveryDifference> differences, CancellationToken cancellationToken)
    {
        using var rpc = new SolanaRpcClient(new Uri(chain["RpcUrl"]!));
        var mint = SolanaPublicKey.Parse(deployment.Config.TokenAddress);

        // The scaled-UI-amount extension holds the multiplier as a double: compare in the chain's precision.
        var account = await rpc.GetAccountInfoAsync(mint, Commitment.Confirmed, cancellationToken)
            ?? throw new SolanaException(SolanaErrorKind.AccountNotFound, $"mint {mint} does not exist");
        var state = MintState.Decode(account.Data, account.Owner);
        if (state.ScaledUiAmount is not null)
        {
            var chainMultiplier = ScaledMultiplier.ToFixed18(state.MultiplierAt(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
            var ledger = ScaledMultiplier.ToFixed18(ScaledMultiplier.ToDouble(ledgerMultiplier.Raw));
            if (chainMultiplier != ledger)
            {
                differences.Add(new RecoveryDifference("multiplier_differs", symbol, chainName,
                    $"ledger multiplier {ledger}, on-chain {chainMultiplier} (18 decimals, as the mint's double holds it)"));
            }
        }
        var issuer = SolanaPublicKey.Parse((await grains.GetGrain<IChainSignerGrain>(chainName).GetInfoAsync()).IssuerAddress);

        var operationBySignature = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var command = database.CreateCommand("""
            SELECT operation_id, body ->> 'signature', coalesce(body -> 'abandonedSignatures', '[]'::jsonb)::text
            FROM chain_signer_solana_records WHERE chain = $1
            """))
        {
            command.Parameters.AddWithValue(chainName);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var operation = reader.GetString(0);
                if (!reader.IsDBNull(1))
                {
                    operationBySignature[reader.GetString(1)] = operation;
                }
                foreach (var abandoned in JsonSerializer.Deserialize<string[]>(reader.GetString(2), Json) ?? [])
                {
                    operationBySignature[abandoned] = operation;
                }
            }
        }

        var landed = new List<SignatureInfo>();
        string? before = null;
        while (true)
        {
            var page = await rpc.GetSignaturesForAddressAsync(mint, 1000, before, null, Commitment.Confirmed, cancellationToken);
            landed.AddRange(page.Where(p => p.Error is null));
            if (page.Count < 1000)
            {
                break;
            }
            before = page[^1].Signature;
        }

        var tokenWrites = writes.Where(w => w.TokenAddress == deployment.Config.TokenAddress).ToDictionary(w => w.WriteId);
        var scale = BigInteger.Pow(10, Math.Max(0, CanonicalAmount.Decimals - deployment.Config.Decimals));
        foreach (var signature in landed.Select(l => l.Signature))
        {
            if (operationBySignature.TryGetValue(signature, out var operation))
            {
                if (operation.StartsWith("write:", StringComparison.Ordinal) && tokenWrites.TryGetValue(operation["write:".Length..], out var write)
                    && write.State != "final")
                {
                    differences.Add(new RecoveryDifference($"operation_{write.State}_in_ledger_but_on_chain", symbol, chainName,
                        $"write {write.WriteId} is {write.State} in the write-ahead log but happened on-chain in {signature}")
                    {
                        WriteId = write.WriteId, TransactionId = signature,
                    });
                }
                continue;
            }
            var details = await rpc.GetTransactionAsync(signature, Commitment.Confirmed, cancellationToken);
            if (details is null || details.Transaction.Message.AccountKeys[0] != issuer)
            {
                // Not the issuer's (a holder's transfer or deposit): the platform did not sign it.
                continue;
            }
            var lines = details.PostTokenBalances.Where(b => b.Mint == mint)
                .Select(post => (Account: (post.Owner ?? details.Transaction.Message.AccountKeys[post.AccountIndex]).ToString(),
                    Delta: (BigInteger)post.Amount - (details.PreTokenBalances.FirstOrDefault(pre => pre.AccountIndex == post.AccountIndex)?.Amount ?? 0UL)))
                .Where(l => l.Delta != 0)
                .Select(l => new RecoveryLine(l.Account, BigInteger.Abs(l.Delta).ToString(CultureInfo.InvariantCulture), (long)(BigInteger.Abs(l.Delta) * scale)))
                .ToList();
            var minted = details.PostTokenBalances.Where(b => b.Mint == mint).Aggregate(BigInteger.Zero, (sum, b) => sum + b.Amount)
                - details.PreTokenBalances.Where(b => b.Mint == mint).Aggregate(BigInteger.Zero, (sum, b) => sum + b.Amount);
            var kind = minted > 0 ? "mint" : minted < 0 ? "burn" : "other";
            differences.Add(new RecoveryDifference("operation_not_in_ledger", symbol, chainName,
                $"{kind} in transaction {signature} (slot {details.Slot}), signed by the issuer, is on-chain but not in the ledger's write-ahead log")
            {
                TransactionId = signature, Kind = kind, Lines = lines,
            });
        }
        var onChain = landed.Select(l => l.Signature).ToHashSet(StringComparer.Ordinal);
        foreach (var write in tokenWrites.Values.Where(w => w.State == "final" && w.TransactionId is not null && !onChain.Contains(w.TransactionId)))
        {
            differences.Add(new RecoveryDifference("operation_not_on_chain", symbol, chainName,
                $"write {write.WriteId} is final in the write-ahead log (transaction {write.TransactionId}) but no such transaction is on-chain")
            {
                WriteId = write.WriteId, TransactionId = write.TransactionId,
            });
        }
    }

    private async Task<IReadOnlyList<LoggedWrite>> ReadWriteAheadLogAsync(CancellationToken cancellationToken)
    {
        var writes = new List<LoggedWrite>();
        await using var command = database.CreateCommand(
            "SELECT chain, write_id, state, transaction_id, payload ->> 'tokenAddress', payload ->> 'kind' FROM chain_signer_writes ORDER BY chain, created_at");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            writes.Add(new LoggedWrite(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? "" : reader.GetString(4), reader.IsDBNull(5) ? "" : reader.GetString(5)));
        }
        return writes;
    }

    /// <summary>Blocks the Tron scan asks the node for at once.</summary>
    private const int TronBlocksInFlight = 16;

    private sealed record LoggedWrite(string Chain, string WriteId, string State, string? TransactionId, string TokenAddress, string Kind)
    {
        /// <summary>A mint or a burn (the stored kind is the enum's number or its name), the writes that emit Minted/Burned.</summary>
        public bool MovesSupply => Kind is "1" or "2" or "3"
            || (Enum.TryParse<ChainWriteKind>(Kind, out var kind) && kind is ChainWriteKind.Mint or ChainWriteKind.BurnFromRedemption or ChainWriteKind.BurnFromHolder);
    }
}

/// <summary>What the recovery check found. The assets in <see cref="PausedAssets"/> stay paused until resumed.</summary>
public sealed record RecoveryReport(
    string CheckId, DateTimeOffset At, IReadOnlyList<string> PausedAssets, IReadOnlyList<RecoveryDifference> Differences, IReadOnlyList<string> Notes);

/// <summary>One difference between the ledger and a chain, with a stable <see cref="Code"/>.</summary>
public sealed record RecoveryDifference(string Code, string Asset, string? Chain, string Detail)
{
    public long? LedgerUnits { get; init; }

    public long? ChainUnits { get; init; }

    public string? Kind { get; init; }

    /// <summary>The on-chain operation id (EVM: bytes32, Keccak-256 of the write id).</summary>
    public string? OperationId { get; init; }

    /// <summary>The write-ahead log's id for the operation, when it holds one.</summary>
    public string? WriteId { get; init; }

    public string? TransactionId { get; init; }

    /// <summary>Recipients (mint) or holders (burn) with amounts in chain units and canonical units.</summary>
    public IReadOnlyList<RecoveryLine>? Lines { get; init; }
}

/// <summary>One account's part of an on-chain operation.</summary>
public sealed record RecoveryLine(string Account, string ChainUnits, long CanonicalUnits);
