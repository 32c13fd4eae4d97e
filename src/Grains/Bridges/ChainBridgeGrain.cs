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
public sealed partial class ChainBridgeGrain(
    [PersistentState("bridge", LedgerStorage.Name)] IPersistentState<ChainBridgeState> state,
    ILogger<ChainBridgeGrain> logger,
    IOptions<BridgeOptions> options,
    TimeProvider clock)
    : LedgerGrain<ChainBridgeState>(state, logger), IChainBridgeGrain, IRemindable
{
    private const string WatchReminder = "deposit-watch";
    private readonly BridgeOptions _options = options.Value;
    private readonly Dictionary<string, CheckBackoff> _checks = new(StringComparer.Ordinal);
    // Mints asked for and not yet in a batch. Memory only: the order saved its intent before asking and asks again when this
    // activation is gone and answers that it does not know the id, so the first durable write of a mint is its batch's.
    private readonly Dictionary<string, PendingChainMint> _requested = new(StringComparer.Ordinal);
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

    public Task<IReadOnlyList<HeldDeposit>> GetHeldDepositsAsync() =>
        Task.FromResult<IReadOnlyList<HeldDeposit>>(State.HeldDeposits.Values.OrderBy(h => h.HeldAt).ToList());

    public Task<DepositWatch> GetDepositWatchAsync() => Task.FromResult(new DepositWatch(Key.Symbol, Key.Chain, State.Watching,
        State.DepositCursor, State.DepositsSeen, State.HeldDeposits.Count, State.DepositFailures));

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
        if (State.Mints.TryGetValue(operationId.Value, out var pending) || _requested.TryGetValue(operationId.Value, out pending))
        {
            return pending.Fingerprint == fingerprint
                ? MintProgress(operationId.Value, pending)
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Mint '{operationId}' was requested with other arguments.");
        }
        // Terminal ids stay terminal: a failed mint is reported failed again, never queued a second time.
        if (await RecallAsync(FailedKey(operationId.Value)) is not null || await WasAppliedAsync(operationId, fingerprint))
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

        // No write here: the batch that takes this mint writes it before anything is signed (see ComposeBatchesAsync).
        var mint = new PendingChainMint
        {
            Request = request with { Wallet = wallet },
            Fingerprint = fingerprint,
            QueuedAt = clock.GetUtcNow(),
            TraceParent = Telemetry.SharemintActivities.CurrentParent(),
        };
        _requested[operationId.Value] = mint;
        ArmWork();
        return MintProgress(operationId.Value, mint);
    }

    public async Task<ChainOperationProgress> GetMintProgressAsync(OperationId operationId)
    {
        if (State.Mints.TryGetValue(operationId.Value, out var pending) || _requested.TryGetValue(operationId.Value, out pending))
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
        if (await RecallAsync(FailedKey(operationId.Value)) is not null || await WasAppliedAsync(operationId, fingerprint))
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
            if (!asset.Status.AllowsMove())
            {
                throw new LedgerException(asset.Status.RefusalError(), $"{Key.Symbol} is {asset.Status}: no moves between chains.");
            }
        }

        var burn = new PendingChainBurn { Request = request with { HolderWallet = holder }, Fingerprint = fingerprint };
        State.Burns[operationId.Value] = burn;
        await CommitAsync();
        ArmWork();
        // The burn is recorded: whatever the first submission does, the work loop owns it from here.
        await IsolatedAsync($"burn {operationId}", () => TrySubmitBurnAsync(operationId.Value, burn));
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

    // ---------------------------------------------------------------- snapshots

    private ChainOperationProgress MintProgress(string id, PendingChainMint mint)
    {
        var submitted = mint.BatchId is not null && State.Batches.TryGetValue(mint.BatchId, out var batch) && batch.Submitted;
        return new ChainOperationProgress(id, submitted ? ChainOperationState.Submitted : ChainOperationState.Queued,
            submitted ? State.Batches[mint.BatchId!].TransactionId : null, null, null);
    }

    private static ChainOperationProgress BurnProgress(string id, PendingChainBurn burn) =>
        new(id, burn.Submitted ? ChainOperationState.Submitted : ChainOperationState.Queued, burn.TransactionId, null, null);

    private static string FailedKey(string id) => $"failed:{id}";

    private async Task<ChainOperationProgress> FinishedProgressAsync(string id)
    {
        if (await RecallAsync(FailedKey(id)) is { } failure)
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
        RateBuckets.Refill(copy, clock.GetUtcNow());
        return new RateLimit(copy.Capacity, copy.RefillPerSecond, copy.Level);
    }

    private DeploymentSnapshot Snapshot()
    {
        var config = RequireConfigured();
        return new DeploymentSnapshot(Key.Symbol, Key.Chain, config, State.Paused, State.Supply, State.Minted, State.Burned, StateVersion,
            LimitView(State.Outbound), LimitView(State.Inbound), State.Mints.Count + _requested.Count + State.Burns.Count, State.Watching);
    }
}
