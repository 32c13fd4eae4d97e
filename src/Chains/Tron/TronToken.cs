using System.Text.Json;
using Sharemint.Chains.Evm;

namespace Sharemint.Chains.Tron;

/// <summary>A TRC-20 Transfer of the token, with where it happened (txID and log index identify a deposit exactly once).</summary>
public sealed record TronTokenTransfer(TronAddress From, TronAddress To, UInt256 Amount, long BlockNumber, string TxId, int LogIndex);

/// <summary>A Minted or Burned event of the token on Tron: the operation id that caused a supply change, and where it happened.</summary>
public sealed record TronSupplyChange(TokenSupplyChangeKind Kind, Hash32 OperationId, TronAddress Account, UInt256 Amount, long BlockNumber, string TxId, int LogIndex);

/// <summary>
/// The SharemintToken (contracts/out/SharemintToken.json) deployed on Tron as a TRC-20. Reads go through
/// triggerconstantcontract; writes are <see cref="TronTrigger"/> calls that a signer builds, signs and tracks by txID
/// (<see cref="SendAsync"/> does all of it for tools and tests). Reverts decode into the typed errors of
/// <see cref="SharemintTokenErrors"/>, raised before anything is signed when the node's simulation already fails.
/// </summary>
public sealed class TronToken
{
    /// <summary>Fee limit for ordinary calls (sun): 1,000 TRX.</summary>
    public const long DefaultFeeLimit = 1_000_000_000;

    private readonly TronClient _client;
    private readonly ContractAbi _abi;

    public TronToken(TronClient client, SharemintTokenArtifact artifact, TronAddress address)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        ArgumentNullException.ThrowIfNull(artifact);
        _abi = artifact.Abi;
        Address = address;
    }

    public TronAddress Address { get; }
    public ContractAbi Abi => _abi;

    /// <summary>The CreateSmartContract for a token whose <paramref name="admin"/> gets every role (sign it, send it, read the address from its status).</summary>
    public static TronCreateContract DeployContract(SharemintTokenArtifact artifact, string artifactJson, TronAddress owner, string name, string symbol,
        TronAddress admin, UInt256 initialMultiplier)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ArgumentNullException.ThrowIfNull(artifactJson);
        var arguments = AbiCodec.Encode(
            [AbiType.Parse("string"), AbiType.Parse("string"), AbiType.Parse("address"), AbiType.Parse("uint256")],
            [name, symbol, admin.ToEvm(), initialMultiplier]);
        using var document = JsonDocument.Parse(artifactJson);
        var abi = TronAbi.FromJson(document.RootElement.GetProperty("abi"));
        return new TronCreateContract(owner, [.. artifact.Bytecode, .. arguments], "SharemintToken", abi);
    }

    /// <summary>Deploys and waits for the final block; throws when the deployment fails or expires.</summary>
    public static async Task<TronToken> DeployAsync(TronClient client, SharemintTokenArtifact artifact, string artifactJson, EvmPrivateKey key, string name,
        string symbol, TronAddress admin, UInt256 initialMultiplier, long feeLimit = 5_000_000_000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(key);
        var owner = TronAddress.FromPublicKey(key.PublicKey);
        var raw = await client.BuildAsync(DeployContract(artifact, artifactJson, owner, name, symbol, admin, initialMultiplier), feeLimit, null, cancellationToken);
        var status = await client.SendAndWaitAsync(raw.Sign(key), cancellationToken: cancellationToken);
        if (status.State != TronTxState.Succeeded || status.ContractAddress is null)
            throw new TronTransactionFailedException(status.TxId, status.State == TronTxState.Expired ? "EXPIRED" : status.Result ?? "FAILED", status.ContractResult ?? []);
        return new TronToken(client, artifact, status.ContractAddress.Value);
    }

    // ------------------------------------------------------------------ reads

    public async Task<UInt256> TotalSupplyAsync(CancellationToken cancellationToken = default) => (UInt256)(await ReadAsync("totalSupply", [], cancellationToken))[0];
    public async Task<UInt256> BalanceOfAsync(TronAddress account, CancellationToken cancellationToken = default) =>
        (UInt256)(await ReadAsync("balanceOf", [account.ToEvm()], cancellationToken))[0];
    public async Task<string> SymbolAsync(CancellationToken cancellationToken = default) => (string)(await ReadAsync("symbol", [], cancellationToken))[0];
    public async Task<bool> PausedAsync(CancellationToken cancellationToken = default) => (bool)(await ReadAsync("paused", [], cancellationToken))[0];
    public async Task<bool> IsBlockedAsync(TronAddress account, CancellationToken cancellationToken = default) =>
        (bool)(await ReadAsync("isBlocked", [account.ToEvm()], cancellationToken))[0];
    public async Task<bool> IsOperationAppliedAsync(Hash32 operationId, CancellationToken cancellationToken = default) =>
        (bool)(await ReadAsync("operationApplied", [operationId], cancellationToken))[0];
    public async Task<UInt256> MultiplierAsync(CancellationToken cancellationToken = default) => (UInt256)(await ReadAsync("multiplier", [], cancellationToken))[0];
    public async Task<UInt256> MultiplierNonceAsync(CancellationToken cancellationToken = default) => (UInt256)(await ReadAsync("multiplierNonce", [], cancellationToken))[0];

    /// <summary>Whether <paramref name="account"/> holds <paramref name="role"/> (OpenZeppelin AccessControl; roles as in <see cref="SharemintToken"/>).</summary>
    public async Task<bool> HasRoleAsync(Hash32 role, TronAddress account, CancellationToken cancellationToken = default) =>
        (bool)(await ReadAsync("hasRole", [role, account.ToEvm()], cancellationToken))[0];

    /// <summary>ERC-8056 pending view: the multiplier last set and when it takes (or took) effect, unix seconds.</summary>
    public async Task<(UInt256 Value, ulong EffectiveAt)> NewUiMultiplierAsync(CancellationToken cancellationToken = default) =>
        ((UInt256)(await ReadAsync("newUIMultiplier", [], cancellationToken))[0], ((UInt256)(await ReadAsync("effectiveAt", [], cancellationToken))[0]).ToUInt64());

    private async Task<IReadOnlyList<object>> ReadAsync(string function, object[] arguments, CancellationToken cancellationToken)
    {
        var f = _abi.Function(function);
        var (output, _) = await _client.CallAsync(null, Address, f.EncodeCall(arguments), _abi, cancellationToken);
        try
        {
            return f.DecodeOutput(output);
        }
        catch (EvmException e) when (e.Code == EvmErrorCode.InvalidAbi)
        {
            throw new TronException(TronErrorCode.MalformedResponse, $"{function}: {e.Message} (is {Address} a SharemintToken?)", e);
        }
    }

    // ------------------------------------------------------------------ write calls (for a signer that builds, signs and tracks them)

    public TronTrigger MintCall(TronAddress issuer, TronAddress to, UInt256 amount, Hash32 operationId) => Call(issuer, "mint", to.ToEvm(), amount, operationId);

    /// <summary>Throws InvalidArgument when the lists differ in length or are empty (the contract would refuse them too).</summary>
    public TronTrigger MintBatchCall(TronAddress issuer, IReadOnlyList<TronAddress> recipients, IReadOnlyList<UInt256> amounts, Hash32 operationId)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        ArgumentNullException.ThrowIfNull(amounts);
        if (recipients.Count == 0 || recipients.Count != amounts.Count)
            throw new TronException(TronErrorCode.InvalidArgument, $"a batch needs as many amounts as recipients (got {recipients.Count} and {amounts.Count}), at least one");
        return Call(issuer, "mintBatch", recipients.Select(r => (object)r.ToEvm()).ToList(), amounts.Cast<object>().ToList(), operationId);
    }

    public TronTrigger BurnCall(TronAddress issuer, UInt256 amount, Hash32 operationId) => Call(issuer, "burn", amount, operationId);
    public TronTrigger BurnFromCall(TronAddress issuer, TronAddress account, UInt256 amount, Hash32 operationId) => Call(issuer, "burnFrom", account.ToEvm(), amount, operationId);
    public TronTrigger TransferCall(TronAddress from, TronAddress to, UInt256 amount) => Call(from, "transfer", to.ToEvm(), amount);
    /// <summary>A holder's ERC-20 approval of <paramref name="spender"/> (the issuer burns approved tokens for redemptions and moves).</summary>
    public TronTrigger ApproveCall(TronAddress owner, TronAddress spender, UInt256 amount) => Call(owner, "approve", spender.ToEvm(), amount);
    public TronTrigger PauseCall(TronAddress issuer) => Call(issuer, "pause");
    public TronTrigger UnpauseCall(TronAddress issuer) => Call(issuer, "unpause");
    public TronTrigger SetBlockedCall(TronAddress issuer, TronAddress account, bool blocked) => Call(issuer, "setBlocked", account.ToEvm(), blocked);

    /// <summary>grantRole, signed by a holder of the role's admin role.</summary>
    public TronTrigger GrantRoleCall(TronAddress admin, Hash32 role, TronAddress account) => Call(admin, "grantRole", role, account.ToEvm());

    /// <summary>renounceRole: <paramref name="holder"/> gives up <paramref name="role"/> (it signs, and confirms itself as the account).</summary>
    public TronTrigger RenounceRoleCall(TronAddress holder, Hash32 role) => Call(holder, "renounceRole", role, holder.ToEvm());

    /// <summary>Compare-and-set: succeeds only if the on-chain nonce equals <paramref name="expectedNonce"/>.</summary>
    public TronTrigger SetMultiplierCall(TronAddress issuer, UInt256 multiplier, ulong activatesAt, UInt256 expectedNonce) =>
        Call(issuer, "setMultiplier", multiplier, activatesAt, expectedNonce);

    private TronTrigger Call(TronAddress owner, string function, params object[] arguments) => new(owner, Address, _abi.Function(function).EncodeCall(arguments));

    /// <summary>
    /// Simulates <paramref name="call"/> (a revert throws its typed error and nothing is signed), checks the owner can pay
    /// for the energy, then builds, signs, sends and waits for the final block. A failure on chain throws
    /// <see cref="TronTransactionFailedException"/>; an expiry throws TransactionExpired (sign a new one only then).
    /// </summary>
    public async Task<TronTxStatus> SendAsync(TronTrigger call, EvmPrivateKey key, long feeLimit = DefaultFeeLimit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(key);
        var (_, energy) = await _client.CallAsync(call.Owner, call.Contract, call.Data, _abi, cancellationToken);
        var price = await _client.GetEnergyPriceAsync(cancellationToken);
        var account = await _client.GetAccountAsync(call.Owner, cancellationToken)
            ?? throw new TronException(TronErrorCode.InsufficientBalance, $"{call.Owner} is not an activated account: send it TRX first");
        var needed = energy * price;
        if (account.Balance < needed)
            throw new TronException(TronErrorCode.InsufficientBalance, $"{call.Owner} holds {account.Balance} sun; the call needs about {energy} energy = {needed} sun (no staked energy is modelled)");
        var raw = await _client.BuildAsync(call, feeLimit, null, cancellationToken);
        var status = await _client.SendAndWaitAsync(raw.Sign(key), cancellationToken: cancellationToken);
        return status.State switch
        {
            TronTxState.Succeeded => status,
            TronTxState.Expired => throw new TronException(TronErrorCode.TransactionExpired, $"{status.TxId} expired unconfirmed; it can never land"),
            _ => throw new TronTransactionFailedException(status.TxId, status.Result ?? "FAILED", status.ContractResult ?? [],
                (status.ContractResult?.Length ?? 0) >= 4 ? _abi.Decode(status.ContractResult!, status.TxId) : null),
        };
    }

    // ------------------------------------------------------------------ events

    /// <summary>
    /// Minted and Burned events (with operation ids) of this token in block <paramref name="number"/>, in log order, from
    /// successful transactions; from the solidified chain when <paramref name="final"/>, else from the node's head view.
    /// </summary>
    public async Task<IReadOnlyList<TronSupplyChange>> SupplyChangesInBlockAsync(long number, bool final = true, CancellationToken cancellationToken = default)
    {
        var minted = _abi.Event("Minted");
        var burned = _abi.Event("Burned");
        var result = new List<TronSupplyChange>();
        foreach (var info in await _client.GetBlockInfosAsync(number, final, cancellationToken))
        {
            if (info.State != TronTxState.Succeeded) continue;
            foreach (var log in info.Logs ?? [])
            {
                if (log.Address != Address || log.Topics.Count != 3) continue;
                var kind = log.Topics[0] == minted.Topic0 ? TokenSupplyChangeKind.Mint : log.Topics[0] == burned.Topic0 ? TokenSupplyChangeKind.Burn : (TokenSupplyChangeKind?)null;
                if (kind is not { } k) continue;
                var evmLog = new EvmLog(log.Address.ToEvm(), log.Topics, log.Data, (ulong)log.BlockNumber, Hash32.Zero, Hash32.Parse(log.TxId), (ulong)log.LogIndex, false);
                var values = (k == TokenSupplyChangeKind.Mint ? minted : burned).Decode(evmLog);
                var account = (EvmAddress)values[k == TokenSupplyChangeKind.Mint ? "to" : "from"];
                result.Add(new TronSupplyChange(k, (Hash32)values["opId"], new TronAddress(account), (UInt256)values["amount"], log.BlockNumber, log.TxId, log.LogIndex));
            }
        }
        return result;
    }

    /// <summary>Transfer events of this token in final block <paramref name="number"/> (to <paramref name="recipient"/> when given), in log order.</summary>
    public async Task<IReadOnlyList<TronTokenTransfer>> FinalTransfersInBlockAsync(long number, TronAddress? recipient = null, CancellationToken cancellationToken = default)
    {
        var transfer = _abi.Event("Transfer");
        var result = new List<TronTokenTransfer>();
        foreach (var info in await _client.GetFinalBlockInfosAsync(number, cancellationToken))
        {
            if (info.State != TronTxState.Succeeded) continue;
            foreach (var log in info.Logs ?? [])
            {
                if (log.Address != Address || log.Topics.Count != 3 || log.Topics[0] != transfer.Topic0) continue;
                var evmLog = new EvmLog(log.Address.ToEvm(), log.Topics, log.Data, (ulong)log.BlockNumber, Hash32.Zero, Hash32.Parse(log.TxId), (ulong)log.LogIndex, false);
                var values = transfer.Decode(evmLog);
                var to = new TronAddress((EvmAddress)values["to"]);
                if (recipient is { } r && r != to) continue;
                result.Add(new TronTokenTransfer(new TronAddress((EvmAddress)values["from"]), to, (UInt256)values["value"], log.BlockNumber, log.TxId, log.LogIndex));
            }
        }
        return result;
    }
}
