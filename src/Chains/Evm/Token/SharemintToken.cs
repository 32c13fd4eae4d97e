namespace Sharemint.Chains.Evm;

/// <summary>An ERC-20 Transfer event with where it happened (chain, tx, log index identify a deposit exactly once).</summary>
public sealed record TokenTransfer(EvmAddress From, EvmAddress To, UInt256 Amount, ulong BlockNumber, Hash32 BlockHash, Hash32 TransactionHash, ulong LogIndex);

public enum TokenSupplyChangeKind
{
    Mint = 1,
    Burn = 2,
}

/// <summary>A Minted or Burned event: the operation id that caused a supply change.</summary>
public sealed record TokenSupplyChange(TokenSupplyChangeKind Kind, Hash32 OperationId, EvmAddress Account, UInt256 Amount, ulong BlockNumber,
    Hash32 TransactionHash, ulong LogIndex);

/// <summary>Scan result with decoded events; see <see cref="EvmLogScan"/> for cursor and reorg semantics.</summary>
public sealed record TokenEventScan<T>(IReadOnlyList<T> Events, EvmLogCursor? Cursor, bool ReorgDetected);

/// <summary>The multiplier scheduled but not yet active.</summary>
public sealed record PendingMultiplier(UInt256 Value, ulong ActivatesAt);

/// <summary>
/// Typed access to one deployed SharemintToken. Reads go through <see cref="EvmClient"/>; writes through an
/// <see cref="EvmTransactionSender"/>, keyed so that a retry never sends twice (mint and burn by their operation id).
/// Reverts surface as the typed exceptions of <see cref="SharemintTokenErrors"/> (or <see cref="ContractRevertedException"/>),
/// raised before anything is signed when the node's simulation already fails.
/// </summary>
public sealed class SharemintToken
{
    /// <summary>Multiplier 1.0 (18 decimals).</summary>
    public static readonly UInt256 MultiplierOne = UInt256.Parse("1000000000000000000");

    public static readonly Hash32 MinterRole = Role("MINTER_ROLE");
    public static readonly Hash32 BurnerRole = Role("BURNER_ROLE");
    public static readonly Hash32 PauserRole = Role("PAUSER_ROLE");
    public static readonly Hash32 MultiplierUpdaterRole = Role("MULTIPLIER_UPDATER_ROLE");
    public static readonly Hash32 BlocklistAdminRole = Role("BLOCKLIST_ADMIN_ROLE");
    public static readonly Hash32 DefaultAdminRole = Hash32.Zero;

    private readonly EvmClient _client;
    private readonly ContractAbi _abi;

    public SharemintToken(EvmClient client, SharemintTokenArtifact artifact, EvmAddress address)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentNullException.ThrowIfNull(artifact);
        _abi = artifact.Abi;
        Address = address;
    }

    public EvmAddress Address { get; }
    public ContractAbi Abi => _abi;

    private static Hash32 Role(string name) => new(Keccak256.Hash(name));

    /// <summary>
    /// Deploys a token whose <paramref name="admin"/> gets the admin role and every operational role. Idempotent per
    /// <paramref name="operationKey"/>: a retry returns the contract deployed by the first attempt.
    /// </summary>
    public static async Task<SharemintToken> DeployAsync(EvmTransactionSender sender, SharemintTokenArtifact artifact, string name, string symbol,
        EvmAddress admin, UInt256 initialMultiplier, string operationKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(artifact);
        var arguments = AbiCodec.Encode(
            [AbiType.Parse("string"), AbiType.Parse("string"), AbiType.Parse("address"), AbiType.Parse("uint256")],
            [name, symbol, admin, initialMultiplier]);
        var request = new EvmTransactionRequest(null, [.. artifact.Bytecode, .. arguments]) { RevertDecoder = artifact.Abi };
        var receipt = await sender.SendAsync(request, operationKey, cancellationToken);
        var address = receipt.ContractAddress ?? throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, "eth_getTransactionReceipt",
            $"deployment {receipt.TransactionHash} has no contract address");
        return new SharemintToken(sender.Client, artifact, address);
    }

    // ------------------------------------------------------------------ reads

    public async Task<string> NameAsync(CancellationToken cancellationToken = default) => (string)(await ReadAsync("name", [], cancellationToken))[0];
    public async Task<string> SymbolAsync(CancellationToken cancellationToken = default) => (string)(await ReadAsync("symbol", [], cancellationToken))[0];
    public async Task<byte> DecimalsAsync(CancellationToken cancellationToken = default) => (byte)((UInt256)(await ReadAsync("decimals", [], cancellationToken))[0]).ToUInt64();

    /// <summary>The real on-chain supply at <paramref name="block"/> ("latest" or a hex block number).</summary>
    public async Task<UInt256> TotalSupplyAsync(string block = "latest", CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("totalSupply", [], cancellationToken, block))[0];

    public async Task<UInt256> BalanceOfAsync(EvmAddress account, string block = "latest", CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("balanceOf", [account], cancellationToken, block))[0];

    public async Task<UInt256> AllowanceAsync(EvmAddress owner, EvmAddress spender, CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("allowance", [owner, spender], cancellationToken))[0];

    public async Task<bool> PausedAsync(CancellationToken cancellationToken = default) => (bool)(await ReadAsync("paused", [], cancellationToken))[0];

    public async Task<bool> IsBlockedAsync(EvmAddress account, CancellationToken cancellationToken = default) =>
        (bool)(await ReadAsync("isBlocked", [account], cancellationToken))[0];

    public async Task<bool> HasRoleAsync(Hash32 role, EvmAddress account, CancellationToken cancellationToken = default) =>
        (bool)(await ReadAsync("hasRole", [role, account], cancellationToken))[0];

    /// <summary>Whether mint/mintBatch/burn already used this operation id on chain.</summary>
    public async Task<bool> IsOperationAppliedAsync(Hash32 operationId, CancellationToken cancellationToken = default) =>
        (bool)(await ReadAsync("operationApplied", [operationId], cancellationToken))[0];

    /// <summary>The multiplier in force at the latest block (a scheduled value counts from its activation time).</summary>
    public async Task<UInt256> MultiplierAsync(CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("multiplier", [], cancellationToken))[0];

    /// <summary>The scheduled multiplier not yet in force, or null when none is pending.</summary>
    public async Task<PendingMultiplier?> PendingMultiplierAsync(CancellationToken cancellationToken = default)
    {
        var values = await ReadAsync("pendingMultiplier", [], cancellationToken);
        var activatesAt = ((UInt256)values[1]).ToUInt64();
        return activatesAt == 0 ? null : new PendingMultiplier((UInt256)values[0], activatesAt);
    }

    /// <summary>The nonce a compare-and-set update must name.</summary>
    public async Task<UInt256> MultiplierNonceAsync(CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("multiplierNonce", [], cancellationToken))[0];

    // ------------------------------------------------------------------ ERC-8056 (scaled UI amount) and ERC-2612 (permit) reads

    /// <summary>ERC-8056 core interface id (<c>uiMultiplier()</c>).</summary>
    public static readonly byte[] ScaledUiAmountInterfaceId = Convert.FromHexString("a60bf13d");
    /// <summary>ERC-8056 conversion extension id (<c>toUIAmount</c>, <c>fromUIAmount</c>).</summary>
    public static readonly byte[] ScaledUiConversionInterfaceId = Convert.FromHexString("57854fc3");
    /// <summary>ERC-8056 balances extension id (<c>balanceOfUI</c>, <c>totalSupplyUI</c>).</summary>
    public static readonly byte[] ScaledUiBalancesInterfaceId = Convert.FromHexString("d890fd71");
    /// <summary>ERC-8056 pending multiplier extension id (<c>newUIMultiplier</c>, <c>effectiveAt</c>).</summary>
    public static readonly byte[] ScaledUiNewMultiplierInterfaceId = Convert.FromHexString("4bd27648");

    public async Task<bool> SupportsInterfaceAsync(byte[] interfaceId, CancellationToken cancellationToken = default) =>
        (bool)(await ReadAsync("supportsInterface", [interfaceId], cancellationToken))[0];

    /// <summary>ERC-8056 multiplier in force at the latest block (equal to <see cref="MultiplierAsync"/>).</summary>
    public async Task<UInt256> UiMultiplierAsync(CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("uiMultiplier", [], cancellationToken))[0];

    /// <summary>Raw balance × multiplier ÷ 10^18, rounded down (what a wallet shows as shares).</summary>
    public async Task<UInt256> BalanceOfUiAsync(EvmAddress account, CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("balanceOfUI", [account], cancellationToken))[0];

    public async Task<UInt256> ToUiAmountAsync(UInt256 rawAmount, CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("toUIAmount", [rawAmount], cancellationToken))[0];

    public async Task<UInt256> FromUiAmountAsync(UInt256 uiAmount, CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("fromUIAmount", [uiAmount], cancellationToken))[0];

    /// <summary>ERC-8056 pending view: the latest multiplier set and when it takes (or took) effect, unix seconds.</summary>
    public async Task<PendingMultiplier> NewUiMultiplierAsync(CancellationToken cancellationToken = default)
    {
        var value = (UInt256)(await ReadAsync("newUIMultiplier", [], cancellationToken))[0];
        var at = (UInt256)(await ReadAsync("effectiveAt", [], cancellationToken))[0];
        return new PendingMultiplier(value, at.ToUInt64());
    }

    /// <summary>ERC-2612 nonce the next permit of <paramref name="owner"/> must sign.</summary>
    public async Task<UInt256> PermitNonceAsync(EvmAddress owner, CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("nonces", [owner], cancellationToken))[0];

    /// <summary>The EIP-712 domain separator permits are signed under (name = token name, version "1", chain id, this address).</summary>
    public async Task<Hash32> DomainSeparatorAsync(CancellationToken cancellationToken = default) =>
        (Hash32)(await ReadAsync("DOMAIN_SEPARATOR", [], cancellationToken))[0];

    private async Task<IReadOnlyList<object>> ReadAsync(string function, object[] arguments, CancellationToken cancellationToken, string block = "latest")
    {
        var abiFunction = _abi.Function(function);
        var output = await _client.CallContractAsync(Address, abiFunction.EncodeCall(arguments), null, block, _abi, cancellationToken);
        try
        {
            return abiFunction.DecodeOutput(output);
        }
        catch (EvmException e) when (e.Code == EvmErrorCode.InvalidAbi)
        {
            throw new EvmRpcTransportException(EvmErrorCode.RpcMalformedResponse, "eth_call", $"{function}: {e.Message} (is {Address} a SharemintToken?)", e);
        }
    }

    // ------------------------------------------------------------------ write requests (for callers that drive the sender themselves)

    public EvmTransactionRequest MintRequest(EvmAddress to, UInt256 amount, Hash32 operationId) => Request("mint", to, amount, operationId);

    /// <summary>Throws InvalidArgument when the lists differ in length or are empty (the contract would refuse them too).</summary>
    public EvmTransactionRequest MintBatchRequest(IReadOnlyList<EvmAddress> recipients, IReadOnlyList<UInt256> amounts, Hash32 operationId)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(amounts);
        if (recipients.Count == 0 || recipients.Count != amounts.Count)
            throw new EvmException(EvmErrorCode.InvalidArgument, $"a batch needs as many amounts as recipients (got {recipients.Count} and {amounts.Count}), at least one");
        return Request("mintBatch", recipients.Cast<object>().ToList(), amounts.Cast<object>().ToList(), operationId);
    }

    public EvmTransactionRequest BurnRequest(UInt256 amount, Hash32 operationId) => Request("burn", amount, operationId);
    public EvmTransactionRequest BurnFromRequest(EvmAddress account, UInt256 amount, Hash32 operationId) => Request("burnFrom", account, amount, operationId);
    public EvmTransactionRequest TransferRequest(EvmAddress to, UInt256 amount) => Request("transfer", to, amount);
    public EvmTransactionRequest ApproveRequest(EvmAddress spender, UInt256 amount) => Request("approve", spender, amount);
    public EvmTransactionRequest TransferFromRequest(EvmAddress from, EvmAddress to, UInt256 amount) => Request("transferFrom", from, to, amount);
    public EvmTransactionRequest PauseRequest() => Request("pause");
    public EvmTransactionRequest UnpauseRequest() => Request("unpause");
    public EvmTransactionRequest SetBlockedRequest(EvmAddress account, bool blocked) => Request("setBlocked", account, blocked);
    public EvmTransactionRequest GrantRoleRequest(Hash32 role, EvmAddress account) => Request("grantRole", role, account);

    /// <summary>The sender gives up <paramref name="role"/> (OpenZeppelin requires <paramref name="account"/> to be the sender).</summary>
    public EvmTransactionRequest RenounceRoleRequest(Hash32 role, EvmAddress account) => Request("renounceRole", role, account);

    /// <summary>Compare-and-set: succeeds only if the on-chain nonce equals <paramref name="expectedNonce"/>.</summary>
    public EvmTransactionRequest SetMultiplierRequest(UInt256 multiplier, ulong activatesAt, UInt256 expectedNonce) =>
        Request("setMultiplier", multiplier, activatesAt, expectedNonce);

    /// <summary>The sender's operation key for a supply change, so the write-ahead store sees one entry per operation id.</summary>
    /// <summary>ERC-2612: anyone may submit the owner's signature (v, r, s) over Permit(owner, spender, value, nonce, deadline).</summary>
    public EvmTransactionRequest PermitRequest(EvmAddress owner, EvmAddress spender, UInt256 value, UInt256 deadline, byte v, Hash32 r, Hash32 s) =>
        Request("permit", owner, spender, value, deadline, (ulong)v, r, s);

    public string OperationKey(string action, Hash32 operationId) => $"{action}:{Address}:{operationId}";

    private EvmTransactionRequest Request(string function, params object[] arguments) =>
        new(Address, _abi.Function(function).EncodeCall(arguments)) { RevertDecoder = _abi };

    // ------------------------------------------------------------------ writes (submit and wait for the receipt)

    /// <summary>Mints once per <paramref name="operationId"/>; a reused id throws <see cref="OperationAlreadyAppliedException"/>.</summary>
    public Task<EvmReceipt> MintAsync(EvmTransactionSender sender, EvmAddress to, UInt256 amount, Hash32 operationId, CancellationToken cancellationToken = default) =>
        Send(sender, MintRequest(to, amount, operationId), OperationKey("mint", operationId), cancellationToken);

    public Task<EvmReceipt> MintBatchAsync(EvmTransactionSender sender, IReadOnlyList<EvmAddress> recipients, IReadOnlyList<UInt256> amounts, Hash32 operationId,
        CancellationToken cancellationToken = default) =>
        Send(sender, MintBatchRequest(recipients, amounts, operationId), OperationKey("mintBatch", operationId), cancellationToken);

    /// <summary>Burns from the sender's own balance (the redemption address) once per <paramref name="operationId"/>.</summary>
    public Task<EvmReceipt> BurnAsync(EvmTransactionSender sender, UInt256 amount, Hash32 operationId, CancellationToken cancellationToken = default) =>
        Send(sender, BurnRequest(amount, operationId), OperationKey("burn", operationId), cancellationToken);

    public Task<EvmReceipt> BurnFromAsync(EvmTransactionSender sender, EvmAddress account, UInt256 amount, Hash32 operationId, CancellationToken cancellationToken = default) =>
        Send(sender, BurnFromRequest(account, amount, operationId), OperationKey("burnFrom", operationId), cancellationToken);

    public Task<EvmReceipt> TransferAsync(EvmTransactionSender sender, EvmAddress to, UInt256 amount, string operationKey, CancellationToken cancellationToken = default) =>
        Send(sender, TransferRequest(to, amount), operationKey, cancellationToken);

    public Task<EvmReceipt> ApproveAsync(EvmTransactionSender sender, EvmAddress spender, UInt256 amount, string operationKey, CancellationToken cancellationToken = default) =>
        Send(sender, ApproveRequest(spender, amount), operationKey, cancellationToken);

    public Task<EvmReceipt> TransferFromAsync(EvmTransactionSender sender, EvmAddress from, EvmAddress to, UInt256 amount, string operationKey,
        CancellationToken cancellationToken = default) =>
        Send(sender, TransferFromRequest(from, to, amount), operationKey, cancellationToken);

    public Task<EvmReceipt> PauseAsync(EvmTransactionSender sender, string operationKey, CancellationToken cancellationToken = default) =>
        Send(sender, PauseRequest(), operationKey, cancellationToken);

    public Task<EvmReceipt> UnpauseAsync(EvmTransactionSender sender, string operationKey, CancellationToken cancellationToken = default) =>
        Send(sender, UnpauseRequest(), operationKey, cancellationToken);

    public Task<EvmReceipt> SetBlockedAsync(EvmTransactionSender sender, EvmAddress account, bool blocked, string operationKey, CancellationToken cancellationToken = default) =>
        Send(sender, SetBlockedRequest(account, blocked), operationKey, cancellationToken);

    public Task<EvmReceipt> GrantRoleAsync(EvmTransactionSender sender, Hash32 role, EvmAddress account, string operationKey, CancellationToken cancellationToken = default) =>
        Send(sender, GrantRoleRequest(role, account), operationKey, cancellationToken);

    /// <summary>Compare-and-set; a stale nonce throws <see cref="MultiplierNonceMismatchException"/>. activatesAt ≤ now applies at once.</summary>
    public Task<EvmReceipt> SetMultiplierAsync(EvmTransactionSender sender, UInt256 multiplier, ulong activatesAt, UInt256 expectedNonce, string operationKey,
        CancellationToken cancellationToken = default) =>
        Send(sender, SetMultiplierRequest(multiplier, activatesAt, expectedNonce), operationKey, cancellationToken);

    private Task<EvmReceipt> Send(EvmTransactionSender sender, EvmTransactionRequest request, string operationKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sender);
        if (sender.Client.Config.ChainId != _client.Config.ChainId)
            throw new EvmException(EvmErrorCode.ChainIdMismatch, $"sender is for chain {sender.Client.Config.ChainId}, token on chain {_client.Config.ChainId}");
        return sender.SendAsync(request, operationKey, cancellationToken);
    }

    // ------------------------------------------------------------------ events

    /// <summary>Decodes a Transfer log of this token; throws InvalidAbi for any other log.</summary>
    public TokenTransfer DecodeTransfer(EvmLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (log.Address != Address) throw new EvmException(EvmErrorCode.InvalidAbi, $"log from {log.Address}, not from the token {Address}");
        var values = _abi.Event("Transfer").Decode(log);
        return new TokenTransfer((EvmAddress)values["from"], (EvmAddress)values["to"], (UInt256)values["value"], log.BlockNumber, log.BlockHash,
            log.TransactionHash, log.LogIndex);
    }

    /// <summary>
    /// Transfers to <paramref name="recipient"/> (e.g. deposits to the redemption address) in final blocks after
    /// <paramref name="cursor"/> (or from <paramref name="firstBlock"/>). Persist the returned cursor with the effects.
    /// </summary>
    public async Task<TokenEventScan<TokenTransfer>> ScanTransfersToAsync(EvmAddress recipient, EvmLogCursor? cursor, ulong firstBlock = 0,
        CancellationToken cancellationToken = default)
    {
        var topic = new byte[32];
        recipient.Span.CopyTo(topic.AsSpan(12));
        var filter = new EvmLogFilter(Address, [_abi.Event("Transfer").Topic0, null, new Hash32(topic)]);
        var scan = await _client.ScanLogsAsync(filter, cursor, firstBlock, cancellationToken);
        return new TokenEventScan<TokenTransfer>(scan.Logs.Select(DecodeTransfer).ToList(), scan.Cursor, scan.ReorgDetected);
    }

    /// <summary>
    /// Every Transfer of this token (mints from and burns to the zero address included) in final blocks after
    /// <paramref name="cursor"/> (or from <paramref name="firstBlock"/>), in chain order: what a holder index replays.
    /// </summary>
    public async Task<TokenEventScan<TokenTransfer>> ScanTransfersAsync(EvmLogCursor? cursor, ulong firstBlock = 0, CancellationToken cancellationToken = default)
    {
        var filter = new EvmLogFilter(Address, [_abi.Event("Transfer").Topic0]);
        var scan = await _client.ScanLogsAsync(filter, cursor, firstBlock, cancellationToken);
        var transfers = scan.Logs.OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex).Select(DecodeTransfer).ToList();
        return new TokenEventScan<TokenTransfer>(transfers, scan.Cursor, scan.ReorgDetected);
    }

    /// <summary>Minted and Burned events (with operation ids) in final blocks after the cursor, in chain order.</summary>
    public async Task<TokenEventScan<TokenSupplyChange>> ScanSupplyChangesAsync(EvmLogCursor? cursor, ulong firstBlock = 0, CancellationToken cancellationToken = default)
    {
        var minted = _abi.Event("Minted");
        var burned = _abi.Event("Burned");
        var scan = await _client.ScanLogsAsync(new EvmLogFilter(Address, []), cursor, firstBlock, cancellationToken);
        var changes = new List<TokenSupplyChange>();
        foreach (var log in scan.Logs)
        {
            if (log.Topics.Count == 0) continue;
            if (log.Topics[0] == minted.Topic0)
            {
                var v = minted.Decode(log);
                changes.Add(new TokenSupplyChange(TokenSupplyChangeKind.Mint, (Hash32)v["opId"], (EvmAddress)v["to"], (UInt256)v["amount"], log.BlockNumber, log.TransactionHash, log.LogIndex));
            }
            else if (log.Topics[0] == burned.Topic0)
            {
                var v = burned.Decode(log);
                changes.Add(new TokenSupplyChange(TokenSupplyChangeKind.Burn, (Hash32)v["opId"], (EvmAddress)v["from"], (UInt256)v["amount"], log.BlockNumber, log.TransactionHash, log.LogIndex));
            }
        }
        return new TokenEventScan<TokenSupplyChange>(changes, scan.Cursor, scan.ReorgDetected);
    }
}
