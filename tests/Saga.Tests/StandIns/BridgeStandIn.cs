using Sharemint.Bridges;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Saga.Tests.StandIns;

/// <summary>
/// One deployment and its chain in memory. The ledger side follows the real bridge: a chain operation id is queued once,
/// a repeat returns its progress, and it ends either applied or failed, never both and never queued again. The chain side
/// (<see cref="OnChainSupply"/>, <see cref="Balances"/>) is what a chain client would read: a landed write changes it
/// whatever the ledger then does, so ledger and chain can be compared.
/// </summary>
public sealed class BridgeStandIn(SagaWorld world, string symbol, string chain) : IChainBridgeGrain
{
    private readonly Dictionary<string, (ChainMintRequest Request, string Fingerprint)> _mints = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (ChainBurnRequest Request, string Fingerprint)> _burns = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _applied = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CanonicalAmount> _capacity = new(StringComparer.Ordinal);
    private int _transactions;

    public string Chain => chain;
    public bool Paused { get; set; }
    public CanonicalAmount Supply { get; private set; }
    public CanonicalAmount OnChainSupply { get; private set; }
    public Dictionary<string, CanonicalAmount> Balances { get; } = new(StringComparer.Ordinal);
    /// <summary>Tokens the issuer's redemption address holds (deposits waiting to be burned).</summary>
    public CanonicalAmount RedemptionBalance { get; set; }
    /// <summary>Outbound and inbound bucket sizes (null: unlimited): a move larger than the bucket can never pass.</summary>
    public CanonicalAmount? OutboundCapacity { get; set; }
    public CanonicalAmount? InboundCapacity { get; set; }
    /// <summary>Outbound and inbound capacity left (null: unlimited).</summary>
    public CanonicalAmount? OutboundAvailable { get; set; }
    public CanonicalAmount? InboundAvailable { get; set; }
    public int PendingCount => _mints.Count + _burns.Count;
    public IReadOnlyDictionary<string, string> Applied => _applied;
    public IReadOnlyDictionary<string, string> Failed => _failed;
    /// <summary>Things the ledger refused after the chain had acted (must stay empty).</summary>
    public List<string> Anomalies { get; } = [];
    public long Version { get; private set; }

    public DeploymentSnapshot Snapshot() => new(symbol, chain, new DeploymentConfig("token", 8), Paused, Supply, CanonicalAmount.Zero, CanonicalAmount.Zero,
        Version, null, null, PendingCount, false);

    public bool IsPending(string id) => _mints.ContainsKey(id) || _burns.ContainsKey(id);

    /// <summary>
    /// The real bridge's activation is lost: mints it was asked for and had not yet written into a batch are gone (here
    /// every queued mint, since the work loop sends a mint in the same step that batches it). Returns how many.
    /// </summary>
    public int ForgetQueuedMints()
    {
        var forgotten = _mints.Count;
        _mints.Clear();
        return forgotten;
    }

    /// <summary>Tokens a holder has before the test starts (the asset's side is seeded by the world).</summary>
    internal void Seed(string wallet, CanonicalAmount amount)
    {
        Supply += amount;
        OnChainSupply += amount;
        Balances[wallet] = BalanceOf(wallet) + amount;
    }

    public CanonicalAmount BalanceOf(string wallet) => Balances.TryGetValue(wallet, out var b) ? b : CanonicalAmount.Zero;

    public Task<DeploymentSnapshot> GetAsync() => world.CallAsync("bridge.get", Snapshot);

    public Task<DeploymentSnapshot> SetPausedAsync(OperationId operationId, bool paused) => world.CallAsync("bridge.pause", () =>
    {
        Paused = paused;
        Version++;
        return Snapshot();
    });

    public Task<ChainOperationProgress> RequestMintAsync(OperationId operationId, ChainMintRequest request) => world.CallAsync("bridge.request-mint", () =>
    {
        var id = operationId.Value;
        var wallet = ChainAddress.Canonicalize(chain, request.Wallet);
        var fingerprint = $"{request.Backing}|{request.BackingId}|{wallet}|{request.Amount.Units}";
        if (_mints.TryGetValue(id, out var pending))
        {
            return pending.Fingerprint == fingerprint ? Progress(id, ChainOperationState.Queued)
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Mint '{id}' was requested with other arguments.");
        }
        if (Finished(id) is { } finished)
        {
            return finished;
        }
        if (request.Amount.Units <= 0)
        {
            throw new LedgerException(LedgerError.InvalidAmount, "Mint amount must be positive.");
        }
        RequireNotPaused();
        _mints[id] = (request with { Wallet = wallet }, fingerprint);
        Version++;
        return Progress(id, ChainOperationState.Queued);
    });

    public Task<ChainOperationProgress> GetMintProgressAsync(OperationId operationId) => world.CallAsync("bridge.mint-progress", () =>
        _mints.ContainsKey(operationId.Value) ? Progress(operationId.Value, ChainOperationState.Queued) : FinishedOrUnknown(operationId.Value));

    public Task<ChainOperationProgress> RequestBurnAsync(OperationId operationId, ChainBurnRequest request) => world.CallAsync("bridge.request-burn", () =>
    {
        var id = operationId.Value;
        var holder = request.HolderWallet is null ? null : ChainAddress.Canonicalize(chain, request.HolderWallet);
        var fingerprint = $"{request.Purpose}|{holder}|{request.Amount.Units}";
        if (_burns.TryGetValue(id, out var pending))
        {
            return pending.Fingerprint == fingerprint ? Progress(id, ChainOperationState.Queued)
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Burn '{id}' was requested with other arguments.");
        }
        if (Finished(id) is { } finished)
        {
            return finished;
        }
        RequireNotPaused();
        var burning = _burns.Values.Aggregate(CanonicalAmount.Zero, (s, b) => s + b.Request.Amount);
        if (burning + request.Amount > Supply)
        {
            throw new LedgerException(LedgerError.InsufficientSupply, $"Cannot burn {request.Amount}: supply on {chain} is {Supply}.");
        }
        if (request.Purpose == BurnPurpose.Redemption)
        {
            world.Asset.Authorize(id, request.Amount);
        }
        else if (world.Asset.Status != Assets.AssetStatus.Active)
        {
            throw new LedgerException(LedgerError.AssetPaused, $"{symbol} is {world.Asset.Status}: no moves between chains.");
        }
        _burns[id] = (request with { HolderWallet = holder }, fingerprint);
        Version++;
        return Progress(id, ChainOperationState.Queued);
    });

    public Task<ChainOperationProgress> GetBurnProgressAsync(OperationId operationId) => world.CallAsync("bridge.burn-progress", () =>
        _burns.ContainsKey(operationId.Value) ? Progress(operationId.Value, ChainOperationState.Queued) : FinishedOrUnknown(operationId.Value));

    public Task<bool> TakeCapacityAsync(OperationId transferId, TransferDirection direction, CanonicalAmount amount) => world.CallAsync("bridge.take-capacity", () =>
    {
        var key = $"{transferId.Value}|{direction}";
        if (_capacity.ContainsKey(key))
        {
            return true;
        }
        var available = direction == TransferDirection.Outbound ? OutboundAvailable : InboundAvailable;
        if ((direction == TransferDirection.Outbound ? OutboundCapacity : InboundCapacity) is { } size && amount > size)
        {
            throw new LedgerException(LedgerError.RateLimited, $"{amount} exceeds the {direction} capacity of {symbol}/{chain} ({size}); it can never pass.");
        }
        if (available is { } left)
        {
            if (left < amount)
            {
                return false;
            }
            if (direction == TransferDirection.Outbound)
            {
                OutboundAvailable = left - amount;
            }
            else
            {
                InboundAvailable = left - amount;
            }
        }
        _capacity[key] = amount;
        return true;
    });

    public Task ReturnCapacityAsync(OperationId transferId) => world.CallAsync("bridge.return-capacity", () =>
    {
        foreach (var direction in new[] { TransferDirection.Outbound, TransferDirection.Inbound })
        {
            if (_capacity.Remove($"{transferId.Value}|{direction}", out var amount))
            {
                if (direction == TransferDirection.Outbound && OutboundAvailable is { } o)
                {
                    OutboundAvailable = o + amount;
                }
                else if (direction == TransferDirection.Inbound && InboundAvailable is { } i)
                {
                    InboundAvailable = i + amount;
                }
            }
        }
    });

    /// <summary>
    /// The chain and the bridge's work loop, one operation per call: a queued write lands or fails (as the fault chooser
    /// says; a Solana mint to a frozen account fails), then the ledger records it. Nothing is sent while paused. False when
    /// nothing was ready.
    /// </summary>
    public async Task<bool> WorkAsync()
    {
        await Task.Yield();
        if (Paused)
        {
            return false;
        }
        if (_mints.Count > 0 && world.Asset.Status is not (Assets.AssetStatus.MintPaused or Assets.AssetStatus.Halted))
        {
            var (id, (request, fingerprint)) = _mints.First();
            _mints.Remove(id);
            var frozen = chain == "solana" && world.Sanctions.IsListed(chain, request.Wallet);
            if (frozen || world.Faults.ChainWriteFails(id))
            {
                Fail(id, frozen ? "account_frozen" : "chain_write_failed");
                return true;
            }
            OnChainSupply += request.Amount;
            Balances[request.Wallet] = BalanceOf(request.Wallet) + request.Amount;
            try
            {
                if (request.Backing == MintBacking.Reservation)
                {
                    world.Asset.Settle(request.BackingId, id, request.Amount);
                }
                else
                {
                    world.Asset.EndTransit(request.BackingId);
                }
                Supply += request.Amount;
                _applied[id] = Tx();
            }
            catch (LedgerException error)
            {
                Anomalies.Add($"mint {id} landed on {chain} but the ledger refused it: {error.Message}");
            }
            Version++;
            return true;
        }
        if (_burns.Count > 0 && world.Asset.Status != Assets.AssetStatus.Halted)
        {
            var (id, (request, _)) = _burns.First();
            _burns.Remove(id);
            var balance = request.HolderWallet is null ? RedemptionBalance : BalanceOf(request.HolderWallet);
            if (balance < request.Amount || world.Faults.ChainWriteFails(id))
            {
                if (request.Purpose == BurnPurpose.Redemption)
                {
                    world.Asset.CancelBurn(id);
                }
                Fail(id, balance < request.Amount ? "insufficient_balance" : "chain_write_failed");
                return true;
            }
            if (request.HolderWallet is null)
            {
                RedemptionBalance -= request.Amount;
            }
            else
            {
                Balances[request.HolderWallet] = balance - request.Amount;
            }
            OnChainSupply -= request.Amount;
            Supply -= request.Amount;
            if (request.Purpose == BurnPurpose.Redemption)
            {
                world.Asset.CompleteBurn(id);
            }
            else
            {
                world.Asset.BeginTransit(id, request.Amount);
            }
            _applied[id] = Tx();
            Version++;
            return true;
        }
        return false;
    }

    /// <summary>A holder sends tokens to the issuer's redemption address (a deposit the watcher will see).</summary>
    public void Deposit(string fromWallet, CanonicalAmount amount)
    {
        Balances[fromWallet] = BalanceOf(fromWallet) - amount;
        RedemptionBalance += amount;
    }

    private void Fail(string id, string code)
    {
        if (_applied.ContainsKey(id))
        {
            Anomalies.Add($"{id} failed after it was applied");
        }
        _failed[id] = code;
        Version++;
    }

    private string Tx() => $"{chain}-tx-{++_transactions}";

    private ChainOperationProgress? Finished(string id) =>
        _failed.TryGetValue(id, out var code) ? new ChainOperationProgress(id, ChainOperationState.Failed, null, code, $"{code} on {chain}")
        : _applied.TryGetValue(id, out var tx) ? new ChainOperationProgress(id, ChainOperationState.Recorded, tx, null, null)
        : null;

    private ChainOperationProgress FinishedOrUnknown(string id) =>
        Finished(id) ?? throw new LedgerException(LedgerError.InvalidArgument, $"No chain operation '{id}' on {symbol}/{chain}.");

    private static ChainOperationProgress Progress(string id, ChainOperationState state) => new(id, state, null, null, null);

    private void RequireNotPaused()
    {
        if (Paused)
        {
            throw new LedgerException(LedgerError.ChainPaused, $"{symbol}/{chain} is paused: no mints or burns.");
        }
    }

    // Deployment administration and the deposit watcher are not part of an order's saga: not modelled here.
    public Task<DeploymentSnapshot> ConfigureAsync(DeploymentConfig config) => throw NotModelled();
    public Task<DeploymentSnapshot> RecordMintAsync(OperationId operationId, OperationId reservationId, CanonicalAmount amount) => throw NotModelled();
    public Task<DeploymentSnapshot> RecordBurnAsync(OperationId operationId, CanonicalAmount amount) => throw NotModelled();
    public Task<DeploymentSnapshot> SetRateLimitsAsync(OperationId operationId, RateLimit? outbound, RateLimit? inbound) => throw NotModelled();
    public Task<DeploymentSnapshot> StartWatchingAsync() => throw NotModelled();
    public Task<IReadOnlyList<HeldDeposit>> GetHeldDepositsAsync() => throw NotModelled();
    public Task<DepositWatch> GetDepositWatchAsync() => throw NotModelled();

    private static NotSupportedException NotModelled() => new("deployment administration is not part of an order's saga");
}
