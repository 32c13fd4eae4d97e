using Microsoft.Extensions.Logging;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Operations;
using Sharemint.Signers;
using Sharemint.Telemetry;

namespace Sharemint.Orders;

/// <summary>
/// The saga engine of one order, independent of its host: idempotent placement, persistence, the step log, the order
/// index, timers and wake-ups, and the crash seam. What each kind of order does is its flow (<see cref="MintFlow"/>,
/// <see cref="RedeemFlow"/>, <see cref="TransferFlow"/>), a step table the engine runs: one step per stage, each saved
/// before the next. Every effect on another grain, the broker or a chain runs under an operation id derived from the
/// order id and the step, and any exception from a remote call is an unknown outcome: the engine re-reads the stored
/// order and the flow asks again under the same id on the next tick. Nothing is failed or compensated on an unknown
/// outcome. The engine expects its host to run one call at a time (an Orleans grain's turns).
/// </summary>
public sealed class OrderSagaEngine : IOrderSaga
{
    private static readonly TimeSpan WakeUpPeriod = TimeSpan.FromMinutes(1);
    private readonly string _orderId;
    private readonly OrderSagaPorts _ports;
    private readonly IOrderStore _store;
    private readonly OrderOptions _options;
    private readonly ILogger _logger;
    private bool _timerRunning;
    private bool _driving;
    // Set when a step failed part-way: memory may differ from storage until the order is re-read.
    private bool _stale;
    private OrderStatus? _indexedStatus;
    // Whether a wake-up may exist: armed by this engine, or possibly left by an earlier one.
    private bool _reminderArmed;
    private OrderFlow? _flow;
    private OrderKind _flowKind;

    public OrderSagaEngine(string orderId, OrderOptions options, OrderSagaPorts ports)
    {
        ArgumentException.ThrowIfNullOrEmpty(orderId);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ports);
        _orderId = orderId;
        _options = options;
        _ports = ports;
        _store = ports.Store;
        _logger = ports.Logger;
    }

    /// <summary>The order as this engine holds it (what was stored, plus the changes of a step not yet saved).</summary>
    public OrderState State => _store.State;
    public string OrderId => _orderId;
    private bool Placed => _store.RecordExists;
    private bool Terminal => State.Status is OrderStatus.Settled or OrderStatus.Failed or OrderStatus.Cancelled;

    private OperationId Op(string step) => OperationId.From($"{OrderId}/{step}");
    private OperationId HoldId => Op("hold");

    IAssetGrain IOrderSaga.Asset => _ports.Peers.Asset(State.Symbol);
    IHolderAccountGrain IOrderSaga.Account => _ports.Peers.Account(State.AccountId);
    IChainBridgeGrain IOrderSaga.Bridge(string chain) => _ports.Peers.Bridge(State.Symbol, chain);
    DateTimeOffset IOrderSaga.Now => _ports.Clock.GetUtcNow();
    private IHolderAccountGrain Account => _ports.Peers.Account(State.AccountId);
    OperationId IOrderSaga.Op(string step) => Op(step);
    void IOrderSaga.Record(string name, OperationId operationId, string outcome, string? detail) => Record(name, operationId, outcome, detail);
    Task IOrderSaga.SaveAsync() => SaveAsync();
    void IOrderSaga.Crash(string point) => Crash(point);

    /// <summary>The flow of this order's kind; state is never copied into it, so it can be made again after a re-read.</summary>
    private OrderFlow Flow
    {
        get
        {
            if (_flow is null || _flowKind != State.Kind)
            {
                _flowKind = State.Kind;
                _flow = State.Kind switch
                {
                    OrderKind.Mint => new MintFlow(this, _options, _ports.Broker, _ports.Calendar),
                    OrderKind.Redeem => new RedeemFlow(this, _options, _ports.Broker, _ports.Calendar, _ports.MarketData),
                    _ => new TransferFlow(this, _options),
                };
            }
            return _flow;
        }
    }

    /// <summary>Called when the host loads the order: an open order is driven again, and its wake-up may exist.</summary>
    public void Activate()
    {
        if (Placed && !Terminal && State.Status != OrderStatus.Held)
        {
            _reminderArmed = true;
            ArmTimer();
        }
    }

    /// <summary>
    /// Called after <see cref="Activate"/>: a finished or held order writes its index row again (a no-op when the row is
    /// current). A process that died between the order's state write and its index write left the row, and the webhook
    /// events written with it, behind; the resumer (which finds the stale row) or a reminder loads the order again, and
    /// this repairs both.
    /// </summary>
    public async Task RepairIndexAsync()
    {
        if (Placed && (Terminal || State.Status == OrderStatus.Held) && await IndexAsync(Snapshot()))
        {
            _indexedStatus = Listed(State.Status);
        }
    }

    // ---------------------------------------------------------------- placing

    public async Task<OrderSnapshot> PlaceMintAsync(MintOrderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wallet = ChainAddress.Canonicalize(request.Chain, request.Wallet);
        if (Placed)
        {
            return SamePlacement(OrderAdmission.Fingerprint(request, wallet));
        }
        _store.State = await Admission.MintAsync(request, wallet);
        await SaveAsync();
        // Armed before the first remote call: a hold whose reply is lost leaves an accepted order that must still be driven
        // (the drive re-asserts the hold under the same operation id).
        ArmTimer();
        try
        {
            await Account.HoldCashForMintAsync(HoldId, new MintPayment(State.Symbol, State.Chain, State.Wallet, State.Cash ?? 0m));
        }
        catch (LedgerException)
        {
            // Refused (funds, limits): the order never existed. The quote stays used by this order id, so a retry with
            // the same idempotency key after topping up works, and no other order can take the price.
            StopTimer();
            await _store.ClearAsync();
            _store.State = new OrderState();
            await _ports.Index.RemoveAsync(OrderId);
            _indexedStatus = null;
            throw;
        }
        return Accepted();
    }

    public async Task<OrderSnapshot> PlaceRedeemAsync(RedeemOrderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var wallet = ChainAddress.Canonicalize(request.Chain, request.Wallet);
        if (Placed)
        {
            return SamePlacement(OrderAdmission.Fingerprint(request, wallet));
        }
        _store.State = await Admission.RedeemAsync(request, wallet);
        await SaveAsync();
        return Accepted();
    }

    public async Task<OrderSnapshot> PlaceTransferAsync(TransferOrderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var fromWallet = ChainAddress.Canonicalize(request.FromChain, request.FromWallet);
        var toWallet = ChainAddress.Canonicalize(request.ToChain, request.ToWallet);
        if (Placed)
        {
            return SamePlacement(OrderAdmission.Fingerprint(request, fromWallet, toWallet));
        }
        _store.State = await Admission.TransferAsync(request, fromWallet, toWallet);
        await SaveAsync();
        return Accepted();
    }

    public async Task<OrderSnapshot> PlaceDepositRedemptionAsync(string symbol, string chain, TokenDeposit deposit)
    {
        ArgumentNullException.ThrowIfNull(deposit);
        if (Placed)
        {
            return SamePlacement(OrderAdmission.Fingerprint(symbol, chain, deposit));
        }
        _store.State = await Admission.DepositAsync(symbol, chain, deposit);
        await SaveAsync();
        if (State.Status == OrderStatus.Held)
        {
            _logger.LogWarning("Deposit {Deposit} on {Chain} held: {Reason}", deposit.DepositId, chain, State.FailureMessage);
            return Snapshot();
        }
        return Accepted();
    }

    public Task<OrderSnapshot> GetAsync() =>
        Placed ? Task.FromResult(Snapshot()) : throw new LedgerException(LedgerError.OrderNotFound, $"No order '{OrderId}'.");

    public Task<OrderSnapshot?> FindAsync() => Task.FromResult(Placed ? Snapshot() : null);

    public async Task<OrderSnapshot> CancelAsync()
    {
        if (!Placed)
        {
            throw new LedgerException(LedgerError.OrderNotFound, $"No order '{OrderId}'.");
        }
        if (State.Status == OrderStatus.Cancelled)
        {
            return Snapshot();
        }
        if (!CancelRequested)
        {
            if (!OrderCancellation.IsCancellable(State))
            {
                throw new LedgerException(LedgerError.OrderNotCancellable, $"Order '{OrderId}' is {State.Status}: it can no longer be cancelled.");
            }
            // The intent is saved before anything is undone. Undoing first let an activation that died (or lost the etag
            // race) after releasing the hold leave an order that carried on without its cash; now every activation that
            // loads the order finishes the cancel, and a stale one's save fails instead of carrying on.
            State.Stage = OrderStage.Compensate;
            Record("cancel-requested", Op("cancel"), "ok", null);
            await SaveAsync();
        }
        await CompensateAsync();
        return Snapshot();
    }

    private bool CancelRequested => State.Steps.Any(s => s.Name == "cancel-requested");

    /// <summary>Undoes what the order holds, then ends it: cancelled when the partner asked for it, failed otherwise.</summary>
    private async Task CompensateAsync()
    {
        await Flow.UndoAsync();
        State.Stage = OrderStage.Done;
        if (CancelRequested)
        {
            State.Status = OrderStatus.Cancelled;
            Record("cancelled", Op("cancel"), "ok", null);
        }
        else
        {
            State.Status = OrderStatus.Failed;
            Record("compensated", Op("compensate"), "ok", null);
        }
        await FinishAsync();
    }

    public async Task OnChainOperationFinalAsync(string operationId)
    {
        // A wake-up only: the drive loop re-reads the bridge; an order not placed (or finished) has nothing to do.
        if (Placed)
        {
            await DriveAsync();
        }
    }

    public async Task<OrderSnapshot> AdvanceAsync()
    {
        if (!Placed)
        {
            throw new LedgerException(LedgerError.OrderNotFound, $"No order '{OrderId}'.");
        }
        await DriveAsync();
        return Snapshot();
    }

    /// <summary>The durable wake-up fired: drive the order, or remove the wake-up when there is nothing left to do.</summary>
    public async Task OnWakeUpAsync()
    {
        if (!Placed || Terminal || State.Status == OrderStatus.Held)
        {
            await StopReminderAsync();
            return;
        }
        ArmTimer();
        await DriveAsync();
    }

    // ---------------------------------------------------------------- the saga

    private async Task DriveAsync()
    {
        if (_driving || !Placed || Terminal || State.Status == OrderStatus.Held)
        {
            return;
        }
        if (_stale && !await TryReloadAsync())
        {
            return;
        }
        _driving = true;
        // Timer ticks start with no trace: continue the one of the request that placed the order.
        using var span = SharemintActivities.Continue($"order {Kind} drive", State.TraceParent);
        try
        {
            for (var i = 0; i < 16 && !Terminal; i++)
            {
                if (!await StepAsync())
                {
                    break;
                }
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // A step failed part-way (another activation wrote first, a call timed out, the chain or the database is
            // away). Memory may hold changes that were never saved, and step ids derive from the recorded steps, so
            // re-read the stored order and re-decide from it on the next tick: never act on unsaved state.
            _logger.LogInformation(error, "Order {Order}: step failed ({Message}); re-reading and retrying", OrderId, error.Message);
            _stale = true;
            await TryReloadAsync();
        }
        finally
        {
            _driving = false;
        }
        if (Terminal)
        {
            StopTimer();
        }
        else if (!_reminderArmed && State.Status != OrderStatus.Held && _indexedStatus != Listed(State.Status))
        {
            // An open order is found by the resumer's sweep through the index (every silo, every sweep period), so it
            // needs no durable reminder of its own, unless its index row was not written (the index was away): then
            // nothing else would find it after a crash, and it registers one.
            await _ports.Scheduler.RegisterWakeUpAsync(WakeUpPeriod);
            _reminderArmed = true;
        }
    }

    /// <summary>Re-reads the stored order after a failed step; false while the database cannot be read (try next tick).</summary>
    private async Task<bool> TryReloadAsync()
    {
        try
        {
            await _store.ReadAsync();
            _stale = false;
            return true;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            _logger.LogWarning(error, "Order {Order}: re-reading the stored order failed; trying again on the next tick", OrderId);
            return false;
        }
    }

    /// <summary>Takes the next step. True when it moved the order on (so the next step can follow at once).</summary>
    private async Task<bool> StepAsync()
    {
        if (State.RetryAfter is { } retryAfter && _ports.Clock.GetUtcNow() < retryAfter)
        {
            return false;
        }
        if (State.Stage == OrderStage.Compensate)
        {
            await CompensateAsync();
            return true;
        }
        return Flow.Step(State.Stage) is { } step && await step();
    }

    async Task<bool> IOrderSaga.SettleAsync(string name, OperationId operationId, string? detail)
    {
        State.Stage = OrderStage.Done;
        State.Status = OrderStatus.Settled;
        Record(name, operationId, "ok", detail);
        await FinishAsync();
        return true;
    }

    async Task<bool> IOrderSaga.FailAsync(string code, string message)
    {
        State.FailureCode = code;
        State.FailureMessage = message;
        State.Stage = OrderStage.Compensate;
        Record("failed", Op("fail"), code, message);
        await SaveAsync();
        return true;
    }

    async Task<bool> IOrderSaga.HoldAsync(string code, string message)
    {
        State.FailureCode = code;
        State.FailureMessage = message;
        State.Status = OrderStatus.Held;
        State.Stage = OrderStage.Done;
        Record("held", Op("hold-for-operator"), code, message);
        await SaveAsync();
        await StopReminderAsync();
        return false;
    }

    /// <summary>Records why the order waits (once per reason) and tells the loop to stop for now.</summary>
    async Task<bool> IOrderSaga.WaitAsync(string step, string reason, OrderStatus? status)
    {
        var last = State.Steps.Count > 0 ? State.Steps[^1] : null;
        var newStatus = status ?? State.Status;
        if (last?.Name != $"waiting:{step}" || last.Detail != reason || newStatus != State.Status)
        {
            State.Status = newStatus;
            Record($"waiting:{step}", Op(step), "waiting", reason);
            await SaveAsync();
        }
        return false;
    }

    // ---------------------------------------------------------------- bookkeeping

    private OrderAdmission Admission => new(_ports.Peers, _ports.Clock, OrderId);

    private OrderSnapshot Accepted()
    {
        SharemintMetrics.OrderPlaced(Kind, State.Symbol, State.Chain);
        ArmTimer();
        return Snapshot();
    }

    private async Task FinishAsync()
    {
        await SaveAsync();
        SharemintMetrics.OrderFinished(Kind, State.Status.ToString().ToLowerInvariant(), State.Symbol, State.Chain, State.UpdatedAt - State.CreatedAt);
        if (State.Status == OrderStatus.Settled && State.Cash is { } cash)
        {
            SharemintMetrics.OrderSettledVolume(Kind, State.Symbol, State.Chain, cash);
        }
        await StopReminderAsync();
        Crash($"{Kind}.finished");
    }

    private async Task StopReminderAsync()
    {
        if (!_reminderArmed)
        {
            return;
        }
        _reminderArmed = false;
        await _ports.Scheduler.UnregisterWakeUpAsync();
    }

    private void ArmTimer()
    {
        if (!_timerRunning)
        {
            _timerRunning = true;
            _ports.Scheduler.StartTimer(DriveAsync, _options.PollPeriod);
        }
    }

    private void StopTimer()
    {
        if (_timerRunning)
        {
            _timerRunning = false;
            _ports.Scheduler.StopTimer();
        }
    }

    private string Kind => State.Kind.ToString().ToLowerInvariant();

    private void Record(string name, OperationId operationId, string outcome, string? detail) =>
        State.Steps.Add(new OrderStep(name, operationId.Value, outcome, _ports.Clock.GetUtcNow(), detail));

    void IOrderSaga.AddTransaction(string? transactionId)
    {
        if (!string.IsNullOrEmpty(transactionId) && !State.TransactionIds.Contains(transactionId))
        {
            State.TransactionIds.Add(transactionId);
        }
    }

    private async Task SaveAsync()
    {
        State.UpdatedAt = _ports.Clock.GetUtcNow();
        try
        {
            await _store.WriteAsync();
        }
        catch (Exception error)
        {
            _logger.LogWarning(error, "Order {Order}: state write failed; reloading", OrderId);
            await _store.ReadAsync();
            throw;
        }
        // The index (and the webhook events written with it) changes only at acceptance, when the order is held, and when
        // it is final: Queued and InProgress list as the row last written ("accepted"); the order itself has the live
        // status. Awaited so that a process that dies right after this write is found by the resumer at restart.
        var listed = Listed(State.Status);
        if (_indexedStatus != listed && await IndexAsync(Snapshot()))
        {
            _indexedStatus = listed;
        }
    }

    /// <summary>The status the index must show: the in-between statuses count as accepted, so they write nothing.</summary>
    private static OrderStatus Listed(OrderStatus status) =>
        status is OrderStatus.Queued or OrderStatus.InProgress ? OrderStatus.Accepted : status;

    private async Task<bool> IndexAsync(OrderSnapshot snapshot)
    {
        try
        {
            await _ports.Index.UpsertAsync(snapshot);
            return true;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // The index is a projection for listing; the next save tries again.
            _logger.LogWarning(error, "Order {Order}: index update failed", snapshot.OrderId);
            return false;
        }
    }

    /// <summary>Crash tests only: the host may stop hard at a named point (see <see cref="IOrderCrashSeam"/>).</summary>
    private void Crash(string point) => _ports.CrashSeam.Crash(point);

    private OrderSnapshot SamePlacement(string fingerprint)
    {
        if (State.RequestFingerprint != fingerprint)
        {
            throw new LedgerException(LedgerError.IdempotencyConflict, $"Order '{OrderId}' was placed with a different request.");
        }
        // The first placement's reply may have been lost after the order was saved: make sure it is being driven.
        if (!Terminal && State.Status != OrderStatus.Held)
        {
            ArmTimer();
        }
        return Snapshot();
    }

    /// <summary>What a reader sees of the order now.</summary>
    public OrderSnapshot Snapshot() => State.ToSnapshot(OrderId, long.TryParse(_store.Etag, out var v) ? v : 0);
}
