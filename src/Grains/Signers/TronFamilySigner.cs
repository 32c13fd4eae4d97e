using System.Globalization;
using System.Numerics;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tron;
using Sharemint.Compliance;
using Sharemint.Errors;

namespace Sharemint.Signers;

/// <summary>
/// The issuer's account on Tron, where the token is the same contract as on EVM chains (a TRC-20). Tron has no nonces: a
/// write is its signed transaction, saved (raw data, signature, txID, expiration) before its first broadcast under
/// <c>write:{writeId}</c>; a retry rebroadcasts those bytes, and a new transaction is signed only once the old one has
/// provably expired unconfirmed. The on-chain operation id is <c>Hash32.FromKey(writeId)</c>, as on EVM, so the token
/// refuses a second effect of one write whichever attempt lands.
/// </summary>
internal sealed partial class TronFamilySigner : IFamilySigner
{
    /// <summary>Lines one mintBatch may carry (as on EVM).</summary>
    public const int MaxMintBatch = 200;

    /// <summary>The token's decimals (the same contract as on EVM chains).</summary>
    public const int Decimals = 18;

    /// <summary>Attempts a write may spend on transactions that ran out of energy before it fails for good.</summary>
    public const int MaxOutOfEnergyAttempts = 3;

    /// <summary>Final blocks one deposit scan reads at most (one request per block).</summary>
    public const int MaxBlocksPerScan = 200;

    private readonly ChainOptions _options;
    private readonly TronClient _client;
    private readonly SharemintTokenArtifact _artifact;
    private readonly string _artifactJson;
    private readonly ChainWriteLog _log;
    private readonly ChainWriteLog.TronAttempts _store;
    private readonly IEvmKeySigner _key;
    private readonly TronAddress _issuer;
    private readonly TronDeployments _deployments;

    public TronFamilySigner(string chain, ChainOptions options, ConfiguredChains chains, ChainWriteLog log)
    {
        _options = options;
        _client = chains.Tron(chain);
        _artifact = chains.TokenArtifact;
        _artifactJson = chains.TokenArtifactJson;
        _log = log;
        _store = log.TronStore();
        _key = chains.Keys.Tron(chain, options);
        _issuer = new TronAddress(_key.Address);
        // burn() burns from msg.sender, so deposits to be redeemed go to the issuer's own address.
        Info = new ChainSignerInfo(chain, "tron", _issuer.ToBase58(), _issuer.ToBase58(), MaxMintBatch);
        _deployments = new TronDeployments(_client, _store,
            request => TronToken.DeployContract(_artifact, _artifactJson, _issuer, request.Name, request.Symbol, _issuer, new UInt256(request.Multiplier.Raw)),
            SignAsync, options.FeeLimit, Lifetime);
    }

    public ChainSignerInfo Info { get; }

    /// <summary>How long a signed transaction may be broadcast (and so how soon a lost one may be replaced).</summary>
    private TimeSpan Lifetime => TimeSpan.FromSeconds(_options.TransactionLifetimeSeconds);

    public string CanonicalAddress(string address) => Parse(address).ToBase58();

    public async Task<DeployedToken> DeployAsync(TokenDeploymentRequest request) =>
        (await DeployManyAsync([request], Lifetime + TimeSpan.FromSeconds(60))).TryGetValue(request.Symbol, out var token)
            ? token
            : throw new TronException(TronErrorCode.ConfirmationTimeout, $"the deployment of {request.Symbol} is not final yet; deploying again resumes it");

    /// <summary>
    /// Signs and broadcasts every missing deployment before waiting, so a batch lands in a block or two; each token on chain
    /// then hands its admin role to its own key (when one is configured) before it is reported deployed.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, DeployedToken>> DeployManyAsync(IReadOnlyList<TokenDeploymentRequest> requests, TimeSpan wait)
    {
        var deployed = await _deployments.DeployAsync(requests, wait);
        foreach (var (symbol, token) in deployed)
        {
            await HandOverAdminRoleAsync(TronAddress.Parse(token.TokenAddress), symbol);
        }
        return deployed;
    }

    public async Task<RecordedWrite> SubmitAsync(RecordedWrite write) =>
        (await _store.GetAttemptsAsync(Key(write))).Count == 0 ? await SignAndSendAsync(write, 1) : await CheckAsync(write);

    public async Task<RecordedWrite> CheckAsync(RecordedWrite write)
    {
        var attempts = await _store.GetAttemptsAsync(Key(write));
        if (attempts.Count == 0)
        {
            // Recorded but never signed (the node was down, or the issuer could not pay): sign now.
            return await SignAndSendAsync(write, 1);
        }
        var last = attempts[^1];
        var status = await _client.GetStatusAsync(last.TxId, last.Expiration);
        switch (status.State)
        {
            case TronTxState.Succeeded:
                return await _log.UpdateAsync(write, ChainWriteState.Final, last.TxId);
            case TronTxState.Expired:
                return await SignAndSendAsync(write, attempts.Count + 1);
            case TronTxState.Failed when status.Result == "OUT_OF_ENERGY":
                // It burnt TRX and changed nothing: try again (waiting while the issuer cannot pay), a bounded number of times.
                return attempts.Count >= MaxOutOfEnergyAttempts
                    ? await _log.UpdateAsync(write, ChainWriteState.Failed, last.TxId, "out_of_energy",
                        $"{attempts.Count} transactions ran out of energy (fee limit {_options.FeeLimit} sun)")
                    : await SignAndSendAsync(write, attempts.Count + 1);
            case TronTxState.Failed:
                return await FailedAsync(write, status);
            default:
                // The node may have lost the bytes: offer the same ones again; never re-sign before expiry.
                await BroadcastPendingAsync(last);
                return write.TransactionId == last.TxId ? write : await _log.UpdateAsync(write, ChainWriteState.Pending, last.TxId);
        }
    }

    public async Task<(BigInteger Raw, long Height)> SupplyAsync(string tokenAddress)
    {
        var height = (await _client.GetSolidBlockAsync()).Number;
        return ((await Token(tokenAddress).TotalSupplyAsync()).Value, height);
    }

    public async Task<(BigInteger Raw, long Height)> BalanceAsync(string tokenAddress, string address)
    {
        var height = (await _client.GetSolidBlockAsync()).Number;
        return ((await Token(tokenAddress).BalanceOfAsync(Parse(address))).Value, height);
    }

    public async Task<DepositScan> ScanDepositsAsync(string tokenAddress, int decimals, string? cursor, int limit, ulong firstHeight)
    {
        var token = Token(tokenAddress);
        var transfer = token.Abi.Event("Transfer");
        var from = string.IsNullOrEmpty(cursor) ? (long)firstHeight : ParseCursor(cursor) + 1;
        var solid = (await _client.GetSolidBlockAsync()).Number;
        var to = Math.Min(solid, from + MaxBlocksPerScan - 1);
        var deposits = new List<TokenDeposit>();
        var scanned = from - 1;
        for (var block = from; block <= to && deposits.Count < limit; block++)
        {
            foreach (var info in await _client.GetFinalBlockInfosAsync(block))
            {
                if (info.State != TronTxState.Succeeded || info.Logs is not { Count: > 0 } logs)
                {
                    continue;
                }
                // Named by the transaction and the log's position within it: the id stays the same whatever block holds it.
                var firstLog = logs.Min(l => l.LogIndex);
                foreach (var log in logs)
                {
                    if (log.Address != token.Address || log.Topics.Count != 3 || log.Topics[0] != transfer.Topic0)
                    {
                        continue;
                    }
                    var values = transfer.Decode(new EvmLog(log.Address.ToEvm(), log.Topics, log.Data, (ulong)block, Hash32.Zero, Hash32.Parse(log.TxId),
                        (ulong)log.LogIndex, false));
                    var sender = (EvmAddress)values["from"];
                    if (new TronAddress((EvmAddress)values["to"]) != _issuer || sender == EvmAddress.Zero)
                    {
                        continue;
                    }
                    var amount = ((UInt256)values["value"]).Value;
                    deposits.Add(new TokenDeposit($"{info.TxId}:{(log.LogIndex - firstLog).ToString(CultureInfo.InvariantCulture)}",
                        new TronAddress(sender).ToBase58(), amount.ToString(CultureInfo.InvariantCulture), ChainUnits.Exact(amount, decimals), info.TxId, block, null));
                }
            }
            // Cursors have block granularity: a page ends after the whole block holding the limit-th deposit.
            scanned = block;
        }
        return new DepositScan(deposits, scanned < from ? cursor : scanned.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Simulates the write (the token's typed refusals decide before anything is signed), checks the issuer can pay the
    /// energy, then signs attempt <paramref name="attempt"/>, saves it and only then broadcasts it.
    /// </summary>
    private async Task<RecordedWrite> SignAndSendAsync(RecordedWrite write, int attempt)
    {
        var payload = write.Payload;
        var token = Token(payload.TokenAddress);
        if (payload.Kind == ChainWriteKind.SetPaused && await token.PausedAsync() == (payload.Lines[0].Units > 0))
        {
            // Already in the asked state: nothing to sign (pausing a paused token would revert).
            return await _log.UpdateAsync(write, ChainWriteState.Final, write.TransactionId);
        }
        if (payload.Kind == ChainWriteKind.SetMultiplier && StoredMultiplier.Of(payload).IsShownBy(await MultiplierAsync(payload.TokenAddress)))
        {
            // The chain already shows this value and time (an earlier write whose record was lost): never set it twice.
            return await _log.UpdateAsync(write, ChainWriteState.Final, write.TransactionId);
        }
        var call = Call(token, write);
        long energy;
        try
        {
            (_, energy) = await _client.CallAsync(_issuer, token.Address, call.Data, token.Abi);
        }
        catch (OperationAlreadyAppliedException)
        {
            // An earlier transaction of this write id already took effect (its record was lost): it happened exactly once.
            // Which transaction did is unknown here; the txIDs recorded for this write never landed.
            return await _log.UpdateAsync(write, ChainWriteState.Final, null);
        }
        catch (ContractRevertedException e)
        {
            return await _log.UpdateAsync(write, ChainWriteState.Failed, write.TransactionId, EvmFamilySigner.FailureCode(e), e.Message);
        }
        var price = await _client.GetEnergyPriceAsync();
        var balance = (await _client.GetAccountAsync(_issuer))?.Balance ?? 0;
        if (balance < energy * price)
        {
            // The write stays pending, nothing signed; ChainCalls raises the fee-money alert and a later check signs it.
            throw new TronException(TronErrorCode.InsufficientBalance,
                $"the issuer {_issuer} holds {balance} sun; the write needs about {energy} energy = {energy * price} sun");
        }
        var signed = await SignAsync(await _client.BuildAsync(call, _options.FeeLimit, Lifetime));
        await _store.SaveAsync(Key(write), attempt, signed);
        write = await _log.UpdateAsync(write, ChainWriteState.Pending, signed.TxId);
        await BroadcastPendingAsync(signed);
        return write;
    }

    /// <summary>
    /// Signs the transaction id through the key's holder before anything is stored or sent: a holder that refuses, or signs
    /// with another key, leaves no record and no broadcast (a retryable <see cref="SigningUnavailableException"/>).
    /// </summary>
    private async Task<TronSignedTransaction> SignAsync(TronRawTransaction transaction)
    {
        var signature = await _key.SignDigestAsync(transaction.TxIdDigest());
        try
        {
            return transaction.WithSignature(signature);
        }
        catch (TronException e) when (e.Code == TronErrorCode.InvalidArgument)
        {
            throw new SigningUnavailableException($"the key holder did not sign as {_issuer}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Broadcasts saved bytes; false when the node refused them as expired (left to the status check, which reports Expired
    /// once the final head agrees).
    /// </summary>
    private async Task<bool> BroadcastPendingAsync(TronSignedTransaction signed)
    {
        try
        {
            await _client.BroadcastAsync(signed);
            return true;
        }
        catch (TronBroadcastRefusedException e) when (e.Code == TronErrorCode.TransactionExpired)
        {
            return false;
        }
    }

    private async Task<RecordedWrite> FailedAsync(RecordedWrite write, TronTxStatus status)
    {
        var revert = status.ContractResult is { Length: >= 4 } data ? _artifact.Abi.Decode(data, status.TxId) : null;
        return revert switch
        {
            // A replacement found the operation id used: the effect happened once, by an earlier attempt.
            OperationAlreadyAppliedException => await _log.UpdateAsync(write, ChainWriteState.Final, null),
            not null => await _log.UpdateAsync(write, ChainWriteState.Failed, status.TxId, EvmFamilySigner.FailureCode(revert), revert.Message),
            null => await _log.UpdateAsync(write, ChainWriteState.Failed, status.TxId, "reverted", $"the transaction failed on chain ({status.Result})"),
        };
    }

    private TronTrigger Call(TronToken token, RecordedWrite write)
    {
        var payload = write.Payload;
        var operationId = Hash32.FromKey(write.WriteId);
        var first = payload.Lines[0];
        return payload.Kind switch
        {
            ChainWriteKind.Mint => token.MintBatchCall(_issuer, payload.Lines.Select(l => Parse(l.Address)).ToList(),
                payload.Lines.Select(l => UInt256.Parse(l.ChainUnits)).ToList(), operationId),
            ChainWriteKind.BurnFromRedemption => token.BurnCall(_issuer, UInt256.Parse(first.ChainUnits), operationId),
            ChainWriteKind.BurnFromHolder => token.BurnFromCall(_issuer, Parse(first.Address), UInt256.Parse(first.ChainUnits), operationId),
            ChainWriteKind.SetBlocked => token.SetBlockedCall(_issuer, Parse(first.Address), first.Units > 0),
            ChainWriteKind.SetPaused => first.Units > 0 ? token.PauseCall(_issuer) : token.UnpauseCall(_issuer),
            ChainWriteKind.SetMultiplier => MultiplierCall(token, StoredMultiplier.Of(payload)),
            _ => throw new LedgerException(LedgerError.InvalidArgument, $"Unknown chain write kind {payload.Kind}."),
        };
    }

    private TronTrigger MultiplierCall(TronToken token, StoredMultiplier multiplier) =>
        token.SetMultiplierCall(_issuer, new UInt256(multiplier.Raw), (ulong)multiplier.EffectiveAt, new UInt256(multiplier.ExpectedNonce));

    public async Task<OnChainMultiplier> MultiplierAsync(string tokenAddress)
    {
        var token = Token(tokenAddress);
        var current = await token.MultiplierAsync();
        var (latest, at) = await token.NewUiMultiplierAsync();
        var nonce = await token.MultiplierNonceAsync();
        return new OnChainMultiplier(Info.Chain, CanonicalAddress(tokenAddress), current.Value.ToString(CultureInfo.InvariantCulture),
            latest.Value.ToString(CultureInfo.InvariantCulture), (long)at, (long)nonce.Value);
    }

    private TronToken Token(string tokenAddress) => new(_client, _artifact, Parse(tokenAddress));

    private static string Key(RecordedWrite write) => $"write:{write.WriteId}";

    private static TronAddress Parse(string address) => TronAddress.Parse(ChainAddress.Canonicalize("tron", address));

    private static long ParseCursor(string cursor) =>
        long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var block)
            ? block
            : throw new LedgerException(LedgerError.InvalidArgument, $"'{cursor}' is not a deposit cursor of this chain.");
}
