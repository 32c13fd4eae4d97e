using Microsoft.Extensions.Logging;
using Sharemint.Assets;
using Sharemint.Errors;
using Sharemint.Operations;
using Sharemint.Orders;
using Sharemint.Signers;

namespace Sharemint.Bridges;

/// <summary>
/// The chain work of a deployment: mints grouped into batches, burns, each submitted and then checked until final. Every
/// batch and burn is handled on its own (one that fails never holds up the others), nothing queued is sent while the chain
/// or the asset is paused, and a write in flight is checked on a backoff schedule rather than on every tick.
/// </summary>
public sealed partial class ChainBridgeGrain
{
    private void ArmWork()
    {
        if (_workTimer is null && HasWork)
        {
            _workTimer = this.RegisterGrainTimer(WorkAsync, new GrainTimerCreationOptions
            {
                DueTime = _options.WorkPeriod,
                Period = _options.WorkPeriod,
                KeepAlive = true,
            });
        }
    }

    private bool HasWork => State.Mints.Count > 0 || _requested.Count > 0 || State.Burns.Count > 0;

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        var finished = new List<string>();
        var gate = WorkGate.Closed;
        await IsolatedAsync("pause check", async () => gate = await ReadGateAsync());
        if (gate.MintsEnded is { } refusal)
        {
            await IsolatedAsync("ending unsent mints", () => EndUnsentMintsAsync(refusal, finished));
        }
        if (gate.Mints)
        {
            await IsolatedAsync("mint batching", ComposeBatchesAsync);
        }
        foreach (var (batchId, batch) in State.Batches.ToList())
        {
            if (!batch.Submitted)
            {
                if (gate.Mints)
                {
                    await IsolatedAsync($"mint batch {batchId}", () => SubmitBatchAsync(batchId, batch));
                }
            }
            else if (IsDue(batchId))
            {
                await IsolatedAsync($"mint batch {batchId}", () => CheckBatchAsync(batchId, batch, finished));
            }
        }
        foreach (var (id, burn) in State.Burns.ToList())
        {
            if (!burn.Submitted)
            {
                if (gate.Allows(burn.Request.Purpose))
                {
                    await IsolatedAsync($"burn {id}", () => TrySubmitBurnAsync(id, burn));
                }
            }
            else if (burn.SupplyRecorded || IsDue(id))
            {
                await IsolatedAsync($"burn {id}", () => CheckBurnAsync(id, burn, finished));
            }
        }
        foreach (var id in finished)
        {
            NotifyOrder(id);
        }
        if (!HasWork)
        {
            _workTimer?.Dispose();
            _workTimer = null;
            _checks.Clear();
        }
    }

    /// <summary>Runs one piece of chain work; a failure is logged and retried on a later pass, never passed on.</summary>
    private async Task<bool> IsolatedAsync(string what, Func<Task> work)
    {
        try
        {
            await work();
            return true;
        }
        catch (LedgerException error) when (error.Error is LedgerError.ChainUnavailable)
        {
            logger.LogInformation("{Deployment}: {Work} waits for the chain ({Message})", this.GetPrimaryKeyString(), what, error.Message);
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "{Deployment}: {Work} failed; retrying later", this.GetPrimaryKeyString(), what);
        }
        return false;
    }

    /// <summary>What may be sent now: nothing while the chain is paused; per the asset's status otherwise (read only when needed).</summary>
    private async Task<WorkGate> ReadGateAsync()
    {
        if (State.Paused)
        {
            return WorkGate.Closed;
        }
        var unsent = _requested.Count > 0 || State.Mints.Values.Any(m => m.BatchId is null) || State.Batches.Values.Any(b => !b.Submitted) || State.Burns.Values.Any(b => !b.Submitted);
        if (!unsent)
        {
            return WorkGate.Open;
        }
        var status = (await Asset.GetAsync()).Status;
        return new WorkGate(
            status.AllowsMint(),
            status.AllowsRedeem(),
            status.AllowsMove(),
            status is AssetStatus.Delisting or AssetStatus.Delisted ? status.RefusalError() : null);
    }

    /// <summary>
    /// A delisting never lets minting resume, so a mint for a reservation that is not in a batch yet (nothing signed) fails
    /// now and its order refunds. A move's mint keeps waiting: its tokens were burned on another chain, an operator decides.
    /// </summary>
    private async Task EndUnsentMintsAsync(LedgerError refusal, List<string> finished)
    {
        // Those still only in memory end the same way: their failure is recorded, so the order's next ask hears it.
        var ended = State.Mints.Where(m => m.Value.BatchId is null).Concat(_requested)
            .Where(m => m.Value.Request.Backing == MintBacking.Reservation).Select(m => m.Key).Distinct().ToList();
        if (ended.Count == 0)
        {
            return;
        }
        foreach (var id in ended)
        {
            State.Mints.Remove(id);
            if (await RecallAsync(id) is null && await RecallAsync(FailedKey(id)) is null)
            {
                State.Applied.Record(FailedKey(id), $"{LedgerErrors.Code(refusal)}|{Key.Symbol} is being delisted: nothing more is minted");
            }
        }
        await CommitAsync();
        foreach (var id in ended)
        {
            _requested.Remove(id);
        }
        finished.AddRange(ended);
        logger.LogInformation("{Deployment}: {Count} queued mint(s) ended, the asset is being delisted", this.GetPrimaryKeyString(), ended.Count);
    }

    /// <summary>True when a write in flight is due for a check; each pending answer doubles the wait, up to the cap.</summary>
    private bool IsDue(string id)
    {
        var now = clock.GetUtcNow();
        if (!_checks.TryGetValue(id, out var backoff))
        {
            _checks[id] = new CheckBackoff(now, _options.WorkPeriod);
            return true;
        }
        return now >= backoff.Due;
    }

    private void CheckedPending(string id)
    {
        var delay = _checks.TryGetValue(id, out var backoff) ? backoff.Delay * 2 : _options.WorkPeriod;
        delay = delay > _options.MaxCheckInterval ? _options.MaxCheckInterval : delay;
        _checks[id] = new CheckBackoff(clock.GetUtcNow() + delay, delay);
    }

    private async Task<int> MaxMintBatchAsync() => _maxMintBatch ??= Math.Max(1, (await Signer.GetInfoAsync()).MaxMintBatch);

    /// <summary>
    /// Groups queued mints into batches and persists each batch's composition before anything is signed. For a mint
    /// requested since the last batch this is its first durable write; until it succeeds the mint stays in memory.
    /// </summary>
    private async Task ComposeBatchesAsync()
    {
        var queued = Unbatched();
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
        await ForgetSettledRequestsAsync();
        queued = Unbatched();
        if (queued.Count == 0)
        {
            return;
        }
        foreach (var chunk in queued.Chunk(max))
        {
            var batchId = $"{this.GetPrimaryKeyString()}/mint/{State.NextBatch++}";
            State.Batches[batchId] = new MintBatch { MintOperationIds = chunk.Select(m => m.Key).ToList() };
            foreach (var (id, mint) in chunk)
            {
                // A copy enters the state, so a failed write (which reloads the state) leaves the memory queue as it was.
                State.Mints[id] = new PendingChainMint
                {
                    Request = mint.Request,
                    Fingerprint = mint.Fingerprint,
                    QueuedAt = mint.QueuedAt,
                    TraceParent = mint.TraceParent,
                    BatchId = batchId,
                };
            }
        }
        await CommitAsync();
        foreach (var (id, _) in queued)
        {
            _requested.Remove(id);
        }
    }

    private List<KeyValuePair<string, PendingChainMint>> Unbatched() =>
        State.Mints.Where(m => m.Value.BatchId is null).Concat(_requested).OrderBy(m => m.Value.QueuedAt).ToList();

    /// <summary>
    /// Drops memory-only requests the stored state already holds or has finished: after a failed write reloaded the state,
    /// another activation may have batched or recorded them, and an id must never go into a second batch.
    /// </summary>
    private async Task ForgetSettledRequestsAsync()
    {
        foreach (var id in _requested.Keys.ToList())
        {
            if (State.Mints.ContainsKey(id) || await RecallAsync(id) is not null || await RecallAsync(FailedKey(id)) is not null)
            {
                _requested.Remove(id);
            }
        }
    }

    private async Task SubmitBatchAsync(string batchId, MintBatch batch)
    {
        // The batch continues the trace of its first mint and links the others: each mint's trace reaches the chain call.
        var parents = batch.MintOperationIds.Select(id => State.Mints[id].TraceParent).ToList();
        using var span = Telemetry.SharemintActivities.Continue("bridge mint batch", parents.FirstOrDefault(p => p is not null), parents);
        var config = RequireConfigured();
        var lines = batch.MintOperationIds
            .Select(id => State.Mints[id].Request)
            .Select(r => new ChainWriteLine(r.Wallet, r.Amount))
            .ToList();
        var status = await CallSignerAsync(SignerCallPoint.SubmitMint,
            s => s.SubmitAsync(new ChainWrite(batchId, ChainWriteKind.Mint, config.TokenAddress, config.Decimals, lines)));
        batch.Submitted = true;
        batch.TransactionId = status.TransactionId;
        await CommitAsync();
    }

    private async Task CheckBatchAsync(string batchId, MintBatch batch, List<string> finished)
    {
        var status = await CallSignerAsync(SignerCallPoint.CheckMint, s => s.CheckAsync(batchId));
        if (status.State == ChainWriteState.Pending)
        {
            CheckedPending(batchId);
            return;
        }
        if (status.State == ChainWriteState.Failed)
        {
            foreach (var id in batch.MintOperationIds)
            {
                State.Mints.Remove(id);
                // Terminal either way: an id already applied is never also recorded as failed.
                if (await RecallAsync(id) is null)
                {
                    State.Applied.Record(FailedKey(id), $"{status.FailureCode}|{status.FailureMessage}");
                }
            }
            State.Batches.Remove(batchId);
            await CommitAsync();
            _checks.Remove(batchId);
            finished.AddRange(batch.MintOperationIds);
            return;
        }

        // Final on-chain. Backing first: each reservation is settled (or transit ended) on the asset, then supply grows. The
        // asset records a final mint even when it is paused now or its multiplier moved (and raises the alert instead).
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
        _checks.Remove(batchId);
        finished.AddRange(batch.MintOperationIds);
    }

    private async Task TrySubmitBurnAsync(string operationId, PendingChainBurn burn)
    {
        var config = RequireConfigured();
        var kind = burn.Request.HolderWallet is null ? ChainWriteKind.BurnFromRedemption : ChainWriteKind.BurnFromHolder;
        var line = new ChainWriteLine(burn.Request.HolderWallet ?? "", burn.Request.Amount);
        var status = await CallSignerAsync(SignerCallPoint.SubmitBurn,
            s => s.SubmitAsync(new ChainWrite(BurnWriteId(operationId), kind, config.TokenAddress, config.Decimals, [line])));
        burn.Submitted = true;
        burn.TransactionId = status.TransactionId;
        await CommitAsync();
    }

    private string BurnWriteId(string operationId) => $"{this.GetPrimaryKeyString()}/burn/{operationId}";

    private async Task CheckBurnAsync(string id, PendingChainBurn burn, List<string> finished)
    {
        if (!burn.SupplyRecorded)
        {
            var status = await CallSignerAsync(SignerCallPoint.CheckBurn, s => s.CheckAsync(BurnWriteId(id)));
            if (status.State == ChainWriteState.Pending)
            {
                CheckedPending(id);
                return;
            }
            if (status.State == ChainWriteState.Failed)
            {
                if (burn.Request.Purpose == BurnPurpose.Redemption)
                {
                    await Asset.CancelBurnAsync(OperationId.From(id));
                }
                State.Burns.Remove(id);
                if (await RecallAsync(id) is null)
                {
                    State.Applied.Record(FailedKey(id), $"{status.FailureCode}|{status.FailureMessage}");
                }
                await CommitAsync();
                _checks.Remove(id);
                finished.Add(id);
                return;
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
        _checks.Remove(id);
        finished.Add(id);
    }

    /// <summary>A call to the chain signer through the fault seam (none in production).</summary>
    private async Task<ChainWriteStatus> CallSignerAsync(SignerCallPoint point, Func<IChainSignerGrain, Task<ChainWriteStatus>> call)
    {
        var faults = ServiceProvider.GetService(typeof(ISignerCallFaults)) as ISignerCallFaults;
        if (faults is not null)
        {
            await faults.BeforeAsync(this.GetPrimaryKeyString(), point);
        }
        var status = await call(Signer);
        if (faults is not null)
        {
            await faults.AfterAsync(this.GetPrimaryKeyString(), point, status);
        }
        return status;
    }

    /// <summary>
    /// Tells the order owning <paramref name="operationId"/> (ids are <c>{order}/{step}</c>) that its chain operation is
    /// terminal. Fire and forget: the order calls back into this grain, so awaiting here would deadlock, and a lost
    /// notice costs only latency (the order's reminder polls anyway).
    /// </summary>
    private void NotifyOrder(string operationId)
    {
        var slash = operationId.LastIndexOf('/');
        if (slash <= 0)
        {
            return;
        }
        var order = GrainFactory.GetGrain<IOrderGrain>(operationId[..slash]);
        _ = order.OnChainOperationFinalAsync(operationId).ContinueWith(
            t => logger.LogDebug(t.Exception, "Notifying the order of {Operation} failed; its reminder will see it", operationId),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>What the current pause state lets the work loop send.</summary>
    private readonly record struct WorkGate(bool Mints, bool RedemptionBurns, bool TransferBurns, LedgerError? MintsEnded = null)
    {
        public static WorkGate Open => new(true, true, true);

        public static WorkGate Closed => new(false, false, false);

        public bool Allows(BurnPurpose purpose) => purpose == BurnPurpose.Redemption ? RedemptionBurns : TransferBurns;
    }

    /// <summary>When a write in flight is next checked, and the wait that led there.</summary>
    private readonly record struct CheckBackoff(DateTimeOffset Due, TimeSpan Delay);
}
