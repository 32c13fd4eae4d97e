using System.Globalization;
using System.Numerics;
using Sharemint.Chains.Evm;
using Sharemint.Compliance;
using Sharemint.Errors;

namespace Sharemint.Signers;

/// <summary>
/// The issuer's account on one EVM chain: writes go through <see cref="EvmTransactionSender"/> with the write-ahead log as
/// its store, keyed <c>write:{writeId}</c>; the on-chain operation id is <c>Hash32.FromKey(writeId)</c>, so the token itself
/// refuses a second effect of one write even if a replacement transaction lands.
/// </summary>
internal sealed class EvmFamilySigner : IFamilySigner
{
    /// <summary>Lines one mintBatch may carry (gas stays far below a block's limit).</summary>
    public const int MaxMintBatch = 200;

    /// <summary>Blocks a deposit scan steps back when the chain reorganised under its cursor (at least the finality depth).</summary>
    public const ulong ReorgRewindBlocks = 128;

    private readonly string _chain;
    private readonly EvmClient _client;
    private readonly EvmTransactionSender _sender;
    private readonly SharemintTokenArtifact _artifact;
    private readonly ChainWriteLog _log;
    private readonly ISignedTransactionStore _store;
    private readonly EvmAddress? _admin;

    public EvmFamilySigner(string chain, ChainOptions options, ConfiguredChains chains, ChainWriteLog log)
    {
        _chain = chain;
        _client = chains.Evm(chain);
        _artifact = chains.TokenArtifact;
        _log = log;
        _store = log.EvmStore();
        _sender = new EvmTransactionSender(_client, chains.Keys.Evm(chain, options), _store,
            new EvmSenderOptions { MaxFeePerGasCap = options.MaxFeePerGasCap, MaxReplacements = options.MaxFeeReplacements });
        _admin = options.AdminAddress is null ? null : EvmAddress.Parse(options.AdminAddress);
        var issuer = Canonical(_sender.Address);
        // burn() burns from msg.sender, so deposits to be redeemed go to the issuer's own address.
        Info = new ChainSignerInfo(chain, "evm", issuer, issuer, MaxMintBatch);
    }

    public ChainSignerInfo Info { get; }

    public string CanonicalAddress(string address) => Canonical(Parse(address));

    public async Task<DeployedToken> DeployAsync(TokenDeploymentRequest request)
    {
        var key = $"deploy:{request.Symbol}";
        var token = await SharemintToken.DeployAsync(_sender, _artifact, request.Name, request.Symbol, _sender.Address,
            new UInt256(request.Multiplier.Raw), key);
        var landed = await _sender.CheckAsync(key);
        var height = landed.Receipt?.BlockNumber ?? 0;
        if (_admin is { } admin)
        {
            await HandOverAdminRoleAsync(token, admin, request.Symbol);
        }
        return new DeployedToken(Canonical(token.Address), 18, height);
    }

    /// <summary>
    /// The token's admin role goes to the configured admin, with a pauser role of its own for emergencies; then the hot key
    /// renounces the admin role, so a stolen hot key cannot grant itself or others anything. Each step is its own write-ahead
    /// transaction and is skipped once the chain shows it done: a deploy retried after a crash finishes the handover.
    /// </summary>
    private async Task HandOverAdminRoleAsync(SharemintToken token, EvmAddress admin, string symbol)
    {
        if (!await token.HasRoleAsync(SharemintToken.DefaultAdminRole, admin))
        {
            await _sender.SendAsync(token.GrantRoleRequest(SharemintToken.DefaultAdminRole, admin), $"deploy:{symbol}:grant-admin");
        }
        if (!await token.HasRoleAsync(SharemintToken.PauserRole, admin))
        {
            await _sender.SendAsync(token.GrantRoleRequest(SharemintToken.PauserRole, admin), $"deploy:{symbol}:grant-pauser");
        }
        if (await token.HasRoleAsync(SharemintToken.DefaultAdminRole, _sender.Address))
        {
            await _sender.SendAsync(token.RenounceRoleRequest(SharemintToken.DefaultAdminRole, _sender.Address), $"deploy:{symbol}:renounce-admin");
        }
    }

    public async Task<RecordedWrite> SubmitAsync(RecordedWrite write)
    {
        var payload = write.Payload;
        var token = Token(payload.TokenAddress);
        if (payload.Kind == ChainWriteKind.SetPaused && await token.PausedAsync() == (payload.Lines[0].Units > 0))
        {
            // Already in the asked state: nothing to sign (pausing a paused token would revert).
            return await _log.UpdateAsync(write, ChainWriteState.Final, null);
        }
        if (payload.Kind == ChainWriteKind.SetMultiplier && await _store.GetAttemptsAsync(_client.Config.ChainId, Key(write), CancellationToken.None) is { Count: 0 }
            && StoredMultiplier.Of(payload).IsShownBy(await MultiplierAsync(payload.TokenAddress)))
        {
            // The chain already shows this value and time (set by an earlier write whose record was lost): never set it twice.
            return await _log.UpdateAsync(write, ChainWriteState.Final, null);
        }
        SignedEvmTransaction signed;
        try
        {
            signed = await _sender.SubmitAsync(Request(token, write), Key(write));
        }
        catch (OperationAlreadyAppliedException)
        {
            return await _log.UpdateAsync(write, ChainWriteState.Final, null);
        }
        catch (ContractRevertedException e)
        {
            // Refused at simulation: nothing was signed or sent, and this write will not be.
            return await _log.UpdateAsync(write, ChainWriteState.Failed, null, FailureCode(e), e.Message);
        }
        write = await _log.UpdateAsync(write, ChainWriteState.Pending, signed.Hash.ToString());
        return await CheckAsync(write);
    }

    public async Task<RecordedWrite> CheckAsync(RecordedWrite write)
    {
        // The node may have lost the bytes of an unmined attempt: the same ones are offered again before judging (a
        // replacement only when provably dead). A mined one is not sent again.
        if (await _sender.TryCheckAsync(Key(write), rebroadcastUnmined: true) is not { } progress)
        {
            // Recorded but not signed yet (a new write, or the node was down at submit): sign now.
            return await SubmitAsync(write);
        }
        var hash = progress.Current.Hash.ToString();
        if (progress is not { State: EvmSendState.Landed, Receipt: { } receipt } || !await _client.IsFinalAsync(receipt))
        {
            return write.TransactionId == hash ? write : await _log.UpdateAsync(write, ChainWriteState.Pending, hash);
        }
        if (receipt.Succeeded)
        {
            return await _log.UpdateAsync(write, ChainWriteState.Final, receipt.TransactionHash.ToString());
        }
        try
        {
            await _sender.WaitAsync(Key(write), _artifact.Abi);
            return await _log.UpdateAsync(write, ChainWriteState.Failed, receipt.TransactionHash.ToString(), "reverted", "the transaction reverted");
        }
        catch (OperationAlreadyAppliedException)
        {
            // A replacement found the operation id used: the effect happened once, by an earlier attempt.
            return await _log.UpdateAsync(write, ChainWriteState.Final, receipt.TransactionHash.ToString());
        }
        catch (ContractRevertedException e)
        {
            return await _log.UpdateAsync(write, ChainWriteState.Failed, receipt.TransactionHash.ToString(), FailureCode(e), e.Message);
        }
    }

    public async Task<(BigInteger Raw, long Height)> SupplyAsync(string tokenAddress)
    {
        var at = await FinalHeightAsync();
        return ((await Token(tokenAddress).TotalSupplyAsync(EvmHex.EncodeQuantity(at))).Value, (long)at);
    }

    public async Task<(BigInteger Raw, long Height)> BalanceAsync(string tokenAddress, string address)
    {
        var at = await FinalHeightAsync();
        return ((await Token(tokenAddress).BalanceOfAsync(Parse(address), EvmHex.EncodeQuantity(at))).Value, (long)at);
    }

    public async Task<DepositScan> ScanDepositsAsync(string tokenAddress, int decimals, string? cursor, int limit, ulong firstHeight)
    {
        var token = Token(tokenAddress);
        var from = ParseCursor(cursor);
        var scan = await token.ScanTransfersToAsync(_sender.Address, from, firstHeight);
        if (scan.ReorgDetected)
        {
            // The chain moved under the cursor. Only the cursor's hash is known, not where the forks split, so step back well
            // past the finality depth (a reorg deeper than the chain's rule does happen: client bugs, halts and restarts) and
            // from below the head when the chain got shorter. The rescan is idempotent per deposit id: a deposit handled
            // before lands on its order again, and one only the new fork holds is found instead of skipped.
            var head = await _client.GetBlockNumberAsync();
            var rewind = Math.Max((ulong)_client.Config.ConfirmationsDepth, ReorgRewindBlocks);
            var rewound = await _client.RewindCursorAsync(from! with { BlockNumber = Math.Min(from!.BlockNumber, head) }, rewind);
            return new DepositScan([], FormatCursor(rewound));
        }
        var events = scan.Events.Where(e => e.From != EvmAddress.Zero).OrderBy(e => e.BlockNumber).ThenBy(e => e.LogIndex).ToList();
        var next = scan.Cursor;
        if (events.Count > limit)
        {
            // Cursors have block granularity: stop after the whole block holding the limit-th event.
            var last = events[limit - 1];
            events = events.Where(e => e.BlockNumber <= last.BlockNumber).ToList();
            next = new EvmLogCursor(last.BlockNumber, last.BlockHash);
        }
        // A deposit is named by its transaction and the log's position within that transaction, not within the block: a
        // transaction reorged out and included again in another block keeps its deposit id, so it redeems once.
        var firstLogOf = new Dictionary<Hash32, ulong>();
        foreach (var transaction in events.Select(e => (e.TransactionHash, e.BlockHash)).Distinct())
        {
            var receipt = await _client.GetReceiptAsync(transaction.TransactionHash);
            if (receipt is null || receipt.BlockHash != transaction.BlockHash || receipt.Logs.Count == 0)
            {
                // The node cannot show the receipt of a block it just reported: stop here (cursor unchanged), ask again later.
                return new DepositScan([], cursor);
            }
            firstLogOf[transaction.TransactionHash] = receipt.Logs.Min(l => l.LogIndex);
        }
        var deposits = events.Select(e => new TokenDeposit(
            $"{e.TransactionHash}:{(e.LogIndex - firstLogOf[e.TransactionHash]).ToString(CultureInfo.InvariantCulture)}", Canonical(e.From), e.Amount.ToString(),
            ChainUnits.Exact(e.Amount.Value, decimals), e.TransactionHash.ToString(), (long)e.BlockNumber, null)).ToList();
        return new DepositScan(deposits, next is null ? cursor : FormatCursor(next));
    }

    private async Task<ulong> FinalHeightAsync() => await _client.GetFinalBlockNumberAsync() ?? 0;

    private EvmTransactionRequest Request(SharemintToken token, RecordedWrite write)
    {
        var payload = write.Payload;
        var operationId = Hash32.FromKey(write.WriteId);
        var first = payload.Lines[0];
        return payload.Kind switch
        {
            ChainWriteKind.Mint => token.MintBatchRequest(payload.Lines.Select(l => Parse(l.Address)).ToList(),
                payload.Lines.Select(l => UInt256.Parse(l.ChainUnits)).ToList(), operationId),
            ChainWriteKind.BurnFromRedemption => token.BurnRequest(UInt256.Parse(first.ChainUnits), operationId),
            ChainWriteKind.BurnFromHolder => token.BurnFromRequest(Parse(first.Address), UInt256.Parse(first.ChainUnits), operationId),
            ChainWriteKind.SetBlocked => token.SetBlockedRequest(Parse(first.Address), first.Units > 0),
            ChainWriteKind.SetPaused => first.Units > 0 ? token.PauseRequest() : token.UnpauseRequest(),
            ChainWriteKind.SetMultiplier => MultiplierRequest(token, StoredMultiplier.Of(payload)),
            _ => throw new LedgerException(LedgerError.InvalidArgument, $"Unknown chain write kind {payload.Kind}."),
        };
    }

    private static EvmTransactionRequest MultiplierRequest(SharemintToken token, StoredMultiplier multiplier) =>
        token.SetMultiplierRequest(new UInt256(multiplier.Raw), (ulong)multiplier.EffectiveAt, new UInt256(multiplier.ExpectedNonce));

    public async Task<OnChainMultiplier> MultiplierAsync(string tokenAddress)
    {
        var token = Token(tokenAddress);
        var current = await token.MultiplierAsync();
        var latest = await token.NewUiMultiplierAsync();
        var nonce = await token.MultiplierNonceAsync();
        return new OnChainMultiplier(Info.Chain, CanonicalAddress(tokenAddress), current.Value.ToString(CultureInfo.InvariantCulture),
            latest.Value.Value.ToString(CultureInfo.InvariantCulture), (long)latest.ActivatesAt, (long)nonce.Value);
    }

    private SharemintToken Token(string tokenAddress) => new(_client, _artifact, Parse(tokenAddress));

    private static string Key(RecordedWrite write) => $"write:{write.WriteId}";

    private static EvmAddress Parse(string address)
    {
        try
        {
            return EvmAddress.Parse(ChainAddress.Canonicalize("ethereum", address));
        }
        catch (EvmException e)
        {
            throw new LedgerException(LedgerError.AddressInvalid, $"'{address}' is not an EVM address: {e.Message}");
        }
    }

    private static string Canonical(EvmAddress address) => address.ToString().ToLowerInvariant();

    private static EvmLogCursor? ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }
        var parts = cursor.Split(':');
        try
        {
            if (parts.Length == 2 && ulong.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var block))
            {
                return new EvmLogCursor(block, Hash32.Parse(parts[1]));
            }
        }
        catch (EvmException)
        {
            // Falls through to the typed refusal below.
        }
        throw new LedgerException(LedgerError.InvalidArgument, $"'{cursor}' is not a deposit cursor of this chain.");
    }

    private static string FormatCursor(EvmLogCursor cursor) => $"{cursor.BlockNumber.ToString(CultureInfo.InvariantCulture)}:{cursor.BlockHash}";

    /// <summary>A stable snake_case code for a revert (the token's custom errors by meaning, others by their Solidity name).</summary>
    internal static string FailureCode(ContractRevertedException e) => e.ErrorName switch
    {
        "EnforcedPause" => "token_paused",
        "ERC20InsufficientBalance" => "insufficient_balance",
        "ERC20InsufficientAllowance" => "insufficient_allowance",
        "AddressBlocked" => "address_blocked",
        "AccessControlUnauthorizedAccount" => "missing_role",
        "OperationAlreadyApplied" => "operation_already_applied",
        "ExpectedPause" => "token_not_paused",
        _ => "reverted_" + SnakeCase(e.ErrorName),
    };

    internal static string SnakeCase(string name)
    {
        var text = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]))))
            {
                text.Append('_');
            }
            text.Append(char.ToLowerInvariant(c));
        }
        return text.ToString();
    }
}
