using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharemint.Assets;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Operations;
using Sharemint.Orders;
using Sharemint.Signers;
using Sharemint.Units;

namespace Sharemint.Bridges;

/// <inheritdoc cref="IChainBridgeGrain"/>
[GrainType("sharemint.chain-bridge")]
public sealed class ChainBridgeGrain(
    [PersistentState("bridge", LedgerStorage.Name)] IPersistentState<ChainBridgeState> state,
    ILogger<ChainBridgeGrain> logger,
    IOptions<BridgeOptions> options,
    TimeProvider clock)
    : LedgerGrain<ChainBridgeState>(state, logger), IChainBridgeGrain, IRemindable
{
    private const string WatchReminder = "deposit-watch";
    private readonly BridgeOptions _options = options.Value;
    private IGrainTimer? _workTimer;
    private IGrainTimer? _watchTimer;
    private int? _maxMintBatch;

    private (string Symbol, string Chain) Key => DeploymentKey.Parse(this.GetPrimaryKeyString());

    private IAssetGrain Asset => GrainFactory.GetGrain<IAssetGrain>(Key.Symbol);

    private IChainSignerGrain Signer => GrainFactory.GetGrain<IChainSignerGrain>(Key.Chain);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ArmWork();
        if (State.Watching)
        {
            ArmWatch();
        }
        return base.OnActivateAsync(cancellationToken);
    }

    public Task<DeploymentSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public async Task<DeploymentSnapshot> ConfigureAsync(DeploymentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _ = ChainAddress.FamilyOf(Key.Chain);
        if (config.Decimals is < 0 or > 36)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Token decimals must be 0-36 (got {config.Decimals}).");
        }
        if (string.IsNullOrWhiteSpace(config.TokenAddress))
        {
            throw new LedgerException(LedgerError.AddressInvalid, "Token address is required.");
        }
        var canonical = config with { TokenAddress = ChainAddress.Canonicalize(Key.Chain, config.TokenAddress) };
        if (State.Config == canonical)
        {
            return Snapshot();
        }
        if (State.Config is not null && !State.Minted.IsZero && State.Config != canonical)
        {
            throw new LedgerException(LedgerError.InvalidArgument,
                $"{this.GetPrimaryKeyString()} has minted tokens; its token address and decimals cannot change.");
        }
        State.Config = canonical;
        await CommitAsync();
        return Snapshot();
    }

    public async Task<DeploymentSnapshot> SetPausedAsync(OperationId operationId, bool paused)
    {
        RequireConfigured();
        var fingerprint = $"paused|{paused}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        State.Paused = paused;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<DeploymentSnapshot> RecordMintAsync(OperationId operationId, OperationId reservationId, CanonicalAmount amount)
    {
        var config = RequireConfigured();
        var fingerprint = $"mint|{reservationId}|{amount.Units}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        LedgerValidation.RequirePositive(amount, "Mint amount");
        _ = amount.ToChainUnits(config.Decimals);
        RequireNotPaused();

        // Backing first: the asset turns the reservation into issued tokens (or refuses), and only then does supply grow.
        // A crash between the two leaves issued ahead of supply (backed, never unbacked); the retry settles idempotently.
        await Asset.SettleReservationAsync(reservationId, operationId, Key.Chain, amount);

        State.Supply += amount;
        State.Minted += amount;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<DeploymentSnapshot> RecordBurnAsync(OperationId operationId, CanonicalAmount amount)
    {
        var config = RequireConfigured();
        var fingerprint = $"burn|{amount.Units}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            // The supply already fell; make sure the asset has released the backing too (a crash may have cut it short).
            await Asset.CompleteBurnAsync(operationId);
            return Snapshot();
        }
        LedgerValidation.RequirePositive(amount, "Burn amount");
        _ = amount.ToChainUnits(config.Decimals);
        RequireNotPaused();
        if (amount > State.Supply)
        {
            throw new LedgerException(LedgerError.InsufficientSupply, $"Cannot burn {amount}: supply on {Key.Chain} is {State.Supply}.");
        }

        await Asset.AuthorizeBurnAsync(operationId, Key.Chain, amount);

        State.Supply -= amount;
        State.Burned += amount;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();

        await Asset.CompleteBurnAsync(operationId);
        return Snapshot();
    }

    // ---------------------------------------------------------------- chain mints (batched)

    public async Task<ChainOperationProgress> RequestMintAsync(OperationId operationId, ChainMintRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = RequireConfigured();
        var wallet = ChainAddress.Canonicalize(Key.Chain, request.Wallet);
        var fingerprint = $"chain-mint|{request.Backing}|{request.BackingId}|{wallet}|{request.Amount.Units}";
        if (State.Mints.TryGetValue(operationId.Value, out var pending))
        {
            return pending.Fingerprint == fingerprint
                ? MintProgress(operationId.Value, pending)
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Mint '{operationId}' was requested with other arguments.");
        }
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return await FinishedProgressAsync(operationId.Value);
        }
        LedgerValidation.RequirePositive(request.Amount, "Mint amount");
        _ = request.Amount.ToChainUnits(config.Decimals);
        if (string.IsNullOrWhiteSpace(request.BackingId))
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A mint needs the id of its backing (reservation or transit).");
        }
        RequireNotPaused();

        State.Mints[operationId.Value] = new PendingChainMint
        {
            Request = request with { Wallet = wallet },
            Fingerprint = fingerprint,
            QueuedAt = clock.GetUtcNow(),
        };
        await CommitAsync();
        ArmWork();
        return MintProgress(operationId.Value, State.Mints[operationId.Value]);
    }

    public async Task<ChainOperationProgress> GetMintProgressAsync(OperationId operationId)
    {
        if (State.Mints.TryGetValue(operationId.Value, out var pending))
        {
            ArmWork();
            return MintProgress(operationId.Value, pending);
        }
        return await FinishedProgressAsync(operationId.Value);
    }

    // ---------------------------------------------------------------- chain burns

    public async Task<ChainOperationProgress> RequestBurnAsync(OperationId operationId, ChainBurnRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var config = RequireConfigured();
        var holder = request.HolderWallet is null ? null : ChainAddress.Canonicalize(Key.Chain, request.HolderWallet);
        var fingerprint = $"chain-burn|{request.Purpose}|{holder}|{request.Amount.Units}";
        if (State.Burns.TryGetValue(operationId.Value, out var pending))
        {
            return pending.Fingerprint == fingerprint
                ? BurnProgress(operationId.Value, pending)
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Burn '{operationId}' was requested with other arguments.");
        }
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return await FinishedProgressAsync(operationId.Value);
        }
        LedgerValidation.RequirePositive(request.Amount, "Burn amount");
        _ = request.Amount.ToChainUnits(config.Decimals);
        RequireNotPaused();
        var burning = State.Burns.Values.Where(b => !b.SupplyRecorded).Aggregate(CanonicalAmount.Zero, (s, b) => s + b.Request.Amount);
        if (burning + request.Amount > State.Supply)
        {
            throw new LedgerException(LedgerError.InsufficientSupply,
                $"Cannot burn {request.Amount}: supply on {Key.Chain} is {State.Supply} ({burning} already being burned).");
        }
        if (request.Purpose == BurnPurpose.Redemption)
        {
            // The asset refuses when redemptions are paused, and counts the burn as pending until it completes.
            await Asset.AuthorizeBurnAsync(operationId, Key.Chain, request.Amount);
        }
        else
        {
            var asset = await Asset.GetAsync();
            if (asset.Status != AssetStatus.Active)
            {
                throw new LedgerException(LedgerError.AssetPaused, $"{Key.Symbol} is {asset.Status}: no moves between chains.");
            }
        }

        var burn = new PendingChainBurn { Request = request with { HolderWallet = holder }, Fingerprint = fingerprint };
        State.Burns[operationId.Value] = burn;
        await CommitAsync();
        await TrySubmitBurnAsync(operationId.Value, burn);
        ArmWork();
        return BurnProgress(operationId.Value, burn);
    }

    public async Task<ChainOperationProgress> GetBurnProgressAsync(OperationId operationId)
    {
        if (State.Burns.TryGetValue(operationId.Value, out var pending))
        {
            ArmWork();
            return BurnProgress(operationId.Value, pending);
        }
        return await FinishedProgressAsync(operationId.Value);
    }

    // ---------------------------------------------------------------- rate limits

    public async Task<DeploymentSnapshot> SetRateLimitsAsync(OperationId operationId, RateLimit? outbound, RateLimit? inbound)
    {
        RequireConfigured();
        var fingerprint = $"limits|{outbound?.Capacity.Units}|{outbound?.RefillPerSecond.Units}|{inbound?.Capacity.Units}|{inbound?.RefillPerSecond.Units}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        foreach (var limit in new[] { outbound, inbound })
        {
            if (limit is not null && (limit.Capacity.Units <= 0 || limit.RefillPerSecond.Units < 0))
            {
                throw new LedgerException(LedgerError.InvalidAmount, "A rate limit needs a positive capacity and a non-negative refill rate.");
            }
        }
        var now = clock.GetUtcNow();
        State.Outbound = outbound is null ? null : new RateBucket { Capacity = outbound.Capacity, RefillPerSecond = outbound.RefillPerSecond, Level = outbound.Capacity, UpdatedAt = now };
        State.Inbound = inbound is null ? null : new RateBucket { Capacity = inbound.Capacity, RefillPerSecond = inbound.RefillPerSecond, Level = inbound.Capacity, UpdatedAt = now };
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<bool> TakeCapacityAsync(OperationId transferId, TransferDirection direction, CanonicalAmount amount)
    {
        RequireConfigured();
        LedgerValidation.RequirePositive(amount, "Move amount");
        if (State.Taken.TryGetValue(transferId.Value, out var taken))
        {
            return taken.Direction == direction && taken.Amount == amount
                ? true
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Transfer '{transferId}' took other capacity.");
        }
        var bucket = direction == TransferDirection.Outbound ? State.Outbound : State.Inbound;
        if (bucket is not null)
        {
            Refill(bucket);
            if (amount > bucket.Capacity)
            {
                throw new LedgerException(LedgerError.RateLimited,
                    $"{amount} exceeds the {direction.ToString().ToLowerInvariant()} capacity of {this.GetPrimaryKeyString()} ({bucket.Capacity}); it can never pass.");
            }
            if (amount > bucket.Level)
            {
                return false;
            }
            bucket.Level -= amount;
        }
        State.Taken[transferId.Value] = new TakenCapacity(direction, amount);
        await CommitAsync();
        return true;
    }

    public async Task ReturnCapacityAsync(OperationId transferId)
    {
        if (!State.Taken.Remove(transferId.Value, out var taken))
        {
            return;
        }
        var bucket = taken.Direction == TransferDirection.Outbound ? State.Outbound : State.Inbound;
        if (bucket is not null)
        {
            Refill(bucket);
            var level = bucket.Level + taken.Amount;
            bucket.Level = level > bucket.Capacity ? bucket.Capacity : level;
        }
        await CommitAsync();
    }

    private void Refill(RateBucket bucket)
    {
        var now = clock.GetUtcNow();
        var seconds = (long)Math.Max(0, (now - bucket.UpdatedAt).TotalSeconds);
        if (seconds == 0)
        {
            return;
        }
        var added = CanonicalAmount.FromUnits(checked(Math.Min(bucket.Capacity.Units, bucket.RefillPerSecond.Units * Math.Min(seconds, 1_000_000_000L))));
        var level = bucket.Level + added;
        bucket.Level = level > bucket.Capacity ? bucket.Capacity : level;
        bucket.UpdatedAt = bucket.UpdatedAt.AddSeconds(seconds);
    }

    // ---------------------------------------------------------------- deposit watcher

    public async Task<DeploymentSnapshot> StartWatchingAsync()
    {
        RequireConfigured();
        if (!State.Watching)
        {
            State.Watching = true;
            await CommitAsync();
        }
        await this.RegisterOrUpdateReminder(WatchReminder, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        ArmWatch();
        return Snapshot();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The reminder only keeps a watcher (and unfinished chain work) alive across restarts; timers do the work.
        if (State.Watching)
        {
            ArmWatch();
        }
        ArmWork();
        return Task.CompletedTask;
    }

    private async Task ScanDepositsAsync(CancellationToken cancellationToken)
    {
        var config = State.Config;
        if (config is null || !State.Watching)
        {
            return;
        }
        try
        {
            var page = await Signer.ScanDepositsAsync(config.TokenAddress, config.Decimals, State.DepositCursor, 50);
            foreach (var deposit in page.Deposits)
            {
                // One deposit, one order: the order id is derived from the chain event, so a re-scan lands on the same order.
                var order = GrainFactory.GetGrain<IOrderGrain>(OrderIds.ForDeposit(Key.Chain, deposit.DepositId));
                await order.PlaceDepositRedemptionAsync(Key.Symbol, Key.Chain, deposit);
            }
            if (page.NextCursor != State.DepositCursor)
            {
                State.DepositCursor = page.NextCursor;
                State.DepositsSeen += page.Deposits.Count;
                await CommitAsync();
            }
        }
        catch (Exception error) when (error is LedgerException or TimeoutException)
        {
            logger.LogWarning(error, "Deposit scan of {Deployment} failed; retrying later", this.GetPrimaryKeyString());
        }
    }

    // ---------------------------------------------------------------- the work loop

    private void ArmWork()
    {
        if (_workTimer is null && (State.Mints.Count > 0 || State.Burns.Count > 0))
        {
            _workTimer = this.RegisterGrainTimer(WorkAsync, new GrainTimerCreationOptions
            {
                DueTime = _options.WorkPeriod,
                Period = _options.WorkPeriod,
                KeepAlive = true,
            });
        }
    }

    private void ArmWatch()
    {
        _watchTimer ??= this.RegisterGrainTimer(ScanDepositsAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = _options.DepositScanInterval,
            KeepAlive = false,
        });
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ComposeBatchesAsync();
            await SubmitBatchesAsync();
            await CheckBatchesAsync();
            await CheckBurnsAsync();
        }
        catch (LedgerException error) when (error.Error is LedgerError.ChainUnavailable)
        {
            logger.LogInformation("{Deployment}: chain unavailable ({Message}); retrying", this.GetPrimaryKeyString(), error.Message);
        }
        catch (Exception error) when (error is LedgerException or TimeoutException or Orleans.Storage.InconsistentStateException)
        {
            logger.LogWarning(error, "{Deployment}: chain work failed; retrying", this.GetPrimaryKeyString());
        }
        if (State.Mints.Count == 0 && State.Burns.Count == 0)
        {
            _workTimer?.Dispose();
            _workTimer = null;
        }
    }

    private async Task<int> MaxMintBatchAsync() => _maxMintBatch ??= Math.Max(1, (await Signer.GetInfoAsync()).MaxMintBatch);

    /// <summary>Groups queued mints into batches and persists each batch's composition before anything is signed.</summary>
    private async Task ComposeBatchesAsync()
    {
        var queued = State.Mints.Where(m => m.Value.BatchId is null).OrderBy(m => m.Value.QueuedAt).ToList();
        if (queued.Count == 0)
        {
            return;
        }
        var max = await MaxMintBatchAsync();
        var windowClosed = clock.GetUtcNow() - queued[0].Value.QueuedAt >= _options.MintBatchWindow;
        if (!windowClosed && queued.Count < max)
        {
            return;
        }
        if (State.Paused)
        {
            return;
        }
        foreach (var chunk in queued.Chunk(max))
        {
            var batchId = $"{this.GetPrimaryKeyString()}/mint/{State.NextBatch++}";
            State.Batches[batchId] = new MintBatch { MintOperationIds = chunk.Select(m => m.Key).ToList() };
            foreach (var (_, mint) in chunk)
            {
                mint.BatchId = batchId;
            }
        }
        await CommitAsync();
    }

    private async Task SubmitBatchesAsync()
    {
        var config = RequireConfigured();
        foreach (var (batchId, batch) in State.Batches.Where(b => !b.Value.Submitted).ToList())
        {
            var lines = batch.MintOperationIds
                .Select(id => State.Mints[id].Request)
                .Select(r => new ChainWriteLine(r.Wallet, r.Amount))
                .ToList();
            var status = await Signer.SubmitAsync(new ChainWrite(batchId, ChainWriteKind.Mint, config.TokenAddress, config.Decimals, lines));
            batch.Submitted = true;
            batch.TransactionId = status.TransactionId;
            await CommitAsync();
        }
    }

    private async Task CheckBatchesAsync()
    {
        foreach (var (batchId, batch) in State.Batches.Where(b => b.Value.Submitted).ToList())
        {
            var status = await Signer.CheckAsync(batchId);
            if (status.State == ChainWriteState.Pending)
            {
                continue;
            }
            if (status.State == ChainWriteState.Failed)
            {
                foreach (var id in batch.MintOperationIds)
                {
                    State.Mints.Remove(id);
                    State.Applied.Record($"failed:{id}", $"{status.FailureCode}|{status.FailureMessage}");
                }
                State.Batches.Remove(batchId);
                await CommitAsync();
                continue;
            }

            // Final on-chain. Backing first: each reservation is settled (or transit ended) on the asset, then supply grows.
            // A crash in between re-runs these idempotent calls on the next pass.
            var settlements = batch.MintOperationIds
                .Select(id => (Id: id, State.Mints[id].Request))
                .Where(m => m.Request.Backing == MintBacking.Reservation)
                .Select(m => new ReservationSettlement(m.Request.BackingId, m.Id, Key.Chain, m.Request.Amount))
                .ToList();
            if (settlements.Count > 0)
            {
                // One asset write for the whole batch: the hot asset grain pays per batch, not per order.
                await Asset.SettleReservationsAsync(settlements);
            }
            foreach (var id in batch.MintOperationIds.Where(id => State.Mints[id].Request.Backing == MintBacking.Transit))
            {
                await Asset.EndTransitAsync(OperationId.From(State.Mints[id].Request.BackingId));
            }
            foreach (var id in batch.MintOperationIds)
            {
                var mint = State.Mints[id];
                State.Supply += mint.Request.Amount;
                State.Minted += mint.Request.Amount;
                State.Applied.Record(OperationId.From(id), mint.Fingerprint);
                State.Applied.Record($"tx:{id}", status.TransactionId ?? "");
                State.Mints.Remove(id);
            }
            State.Batches.Remove(batchId);
            await CommitAsync();
        }
    }

    private async Task TrySubmitBurnAsync(string operationId, PendingChainBurn burn)
    {
        var config = RequireConfigured();
        var kind = burn.Request.HolderWallet is null ? ChainWriteKind.BurnFromRedemption : ChainWriteKind.BurnFromHolder;
        var line = new ChainWriteLine(burn.Request.HolderWallet ?? "", burn.Request.Amount);
        try
        {
            var status = await Signer.SubmitAsync(new ChainWrite(BurnWriteId(operationId), kind, config.TokenAddress, config.Decimals, [line]));
            burn.Submitted = true;
            burn.TransactionId = status.TransactionId;
            await CommitAsync();
        }
        catch (LedgerException error) when (error.Error is LedgerError.ChainUnavailable)
        {
            logger.LogInformation("{Deployment}: burn {Operation} waits for the chain", this.GetPrimaryKeyString(), operationId);
        }
    }

    private string BurnWriteId(string operationId) => $"{this.GetPrimaryKeyString()}/burn/{operationId}";

    private async Task CheckBurnsAsync()
    {
        foreach (var (id, burn) in State.Burns.ToList())
        {
            if (!burn.Submitted)
            {
                await TrySubmitBurnAsync(id, burn);
                continue;
            }
            if (!burn.SupplyRecorded)
            {
                var status = await Signer.CheckAsync(BurnWriteId(id));
                if (status.State == ChainWriteState.Pending)
                {
                    continue;
                }
                if (status.State == ChainWriteState.Failed)
                {
                    if (burn.Request.Purpose == BurnPurpose.Redemption)
                    {
                        await Asset.CancelBurnAsync(OperationId.From(id));
                    }
                    State.Burns.Remove(id);
                    State.Applied.Record($"failed:{id}", $"{status.FailureCode}|{status.FailureMessage}");
                    await CommitAsync();
                    continue;
                }
                // Final: the chain's supply fell, so the ledger's falls now; the asset's side follows.
                State.Supply -= burn.Request.Amount;
                State.Burned += burn.Request.Amount;
                burn.SupplyRecorded = true;
                burn.TransactionId = status.TransactionId ?? burn.TransactionId;
                await CommitAsync();
            }
            if (burn.Request.Purpose == BurnPurpose.Redemption)
            {
                await Asset.CompleteBurnAsync(OperationId.From(id));
            }
            else
            {
                await Asset.BeginTransitAsync(OperationId.From(id), Key.Chain, burn.Request.Amount);
            }
            State.Burns.Remove(id);
            State.Applied.Record(OperationId.From(id), burn.Fingerprint);
            State.Applied.Record($"tx:{id}", burn.TransactionId ?? "");
            await CommitAsync();
        }
    }

    // ---------------------------------------------------------------- snapshots

    private ChainOperationProgress MintProgress(string id, PendingChainMint mint)
    {
        var submitted = mint.BatchId is not null && State.Batches.TryGetValue(mint.BatchId, out var batch) && batch.Submitted;
        return new ChainOperationProgress(id, submitted ? ChainOperationState.Submitted : ChainOperationState.Queued,
            submitted ? State.Batches[mint.BatchId!].TransactionId : null, null, null);
    }

    private static ChainOperationProgress BurnProgress(string id, PendingChainBurn burn) =>
        new(id, burn.Submitted ? ChainOperationState.Submitted : ChainOperationState.Queued, burn.TransactionId, null, null);

    private async Task<ChainOperationProgress> FinishedProgressAsync(string id)
    {
        if (await RecallAsync($"failed:{id}") is { } failure)
        {
            var bar = failure.IndexOf('|', StringComparison.Ordinal);
            return new ChainOperationProgress(id, ChainOperationState.Failed, null,
                bar < 0 ? failure : failure[..bar], bar < 0 ? null : failure[(bar + 1)..]);
        }
        if (await RecallAsync(id) is not null)
        {
            var tx = await RecallAsync($"tx:{id}");
            return new ChainOperationProgress(id, ChainOperationState.Recorded, string.IsNullOrEmpty(tx) ? null : tx, null, null);
        }
        throw new LedgerException(LedgerError.InvalidArgument, $"No chain operation '{id}' on {this.GetPrimaryKeyString()}.");
    }

    private DeploymentConfig RequireConfigured() =>
        State.Config ?? throw new LedgerException(LedgerError.DeploymentNotFound, $"{this.GetPrimaryKeyString()} is not deployed.");

    private void RequireNotPaused()
    {
        if (State.Paused)
        {
            throw new LedgerException(LedgerError.ChainPaused, $"{this.GetPrimaryKeyString()} is paused: no mints or burns.");
        }
    }

    private RateLimit? LimitView(RateBucket? bucket)
    {
        if (bucket is null)
        {
            return null;
        }
        var copy = new RateBucket { Capacity = bucket.Capacity, RefillPerSecond = bucket.RefillPerSecond, Level = bucket.Level, UpdatedAt = bucket.UpdatedAt };
        Refill(copy);
        return new RateLimit(copy.Capacity, copy.RefillPerSecond, copy.Level);
    }

    private DeploymentSnapshot Snapshot()
    {
        var config = RequireConfigured();
        return new DeploymentSnapshot(Key.Symbol, Key.Chain, config, State.Paused, State.Supply, State.Minted, State.Burned, StateVersion,
            LimitView(State.Outbound), LimitView(State.Inbound), State.Mints.Count + State.Burns.Count, State.Watching);
    }
}
