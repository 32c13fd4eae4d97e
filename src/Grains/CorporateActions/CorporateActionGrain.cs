using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Market;
using Sharemint.Signers;
using Sharemint.Units;
using Sharemint.Webhooks;

namespace Sharemint.CorporateActions;

/// <inheritdoc cref="ICorporateActionGrain"/>
[GrainType("sharemint.corporate-actions")]
public sealed class CorporateActionGrain(
    [PersistentState("corporate-actions", LedgerStorage.Name)] IPersistentState<CorporateActionState> state,
    IBroker broker,
    IOptions<CorporateActionOptions> options,
    IOptions<Sharemint.Orders.OrderOptions> crashSwitch,
    TimeProvider clock,
    IWebhookOutbox webhooks,
    ILogger<CorporateActionGrain> logger)
    : Grain, ICorporateActionGrain, IRemindable
{
    private const string Reminder = "corporate-action";
    private const int MaxActionIdLength = 64;
    // Every chain holds exactly the same value: Solana's f64 round-trips 15 significant digits.
    private const int SignificantDigits = 15;
    // Beyond this the backing arithmetic and the chains' ranges are no longer trusted.
    private const decimal MaxMultiplier = 1_000_000_000m;

    private IGrainTimer? _timer;
    private bool _advancing;

    private string Symbol => this.GetPrimaryKeyString();

    private CorporateActionRecord? Open => state.State.Actions.LastOrDefault(a => a.Stage != CorporateActionStage.Completed);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Open is not null)
        {
            StartTimer();
        }
        await base.OnActivateAsync(cancellationToken);
    }

    public async Task<CorporateActionSnapshot> DeclareAsync(CorporateActionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireActionId(request.ActionId);
        if (state.State.Actions.FirstOrDefault(a => a.Request.ActionId == request.ActionId) is { } existing)
        {
            return existing.Request == request
                ? Snapshot(existing)
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Corporate action '{request.ActionId}' was declared with other terms.");
        }
        var asset = await GrainFactory.GetGrain<IAssetGrain>(Symbol).GetAsync();
        var now = clock.GetUtcNow();
        var settings = options.Value;
        if (request.EffectiveAt < now + settings.MinimumLead)
        {
            throw new LedgerException(LedgerError.InvalidArgument,
                $"The effective time {request.EffectiveAt:O} must be at least {settings.MinimumLead.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s ahead (now {now:O}).");
        }
        if (Open is { } open)
        {
            throw new LedgerException(LedgerError.CorporateActionConflict,
                $"{Symbol} already has corporate action '{open.Request.ActionId}' (effective {open.Request.EffectiveAt:O}) in progress.");
        }
        var newMultiplier = NewMultiplier(asset.Multiplier, request);
        var deployments = (await GrainFactory.GetGrain<ICatalogGrain>(0).ListDeploymentsAsync()).Where(d => d.Symbol == Symbol).ToList();
        var chains = new List<ChainStep>();
        foreach (var deployment in deployments)
        {
            var config = (await GrainFactory.GetGrain<IChainBridgeGrain>($"{Symbol}/{deployment.Chain}").GetAsync()).Config;
            chains.Add(new ChainStep { Chain = deployment.Chain, TokenAddress = config.TokenAddress, Decimals = config.Decimals });
        }
        var record = new CorporateActionRecord
        {
            Request = request,
            OldMultiplier = asset.Multiplier,
            NewMultiplier = newMultiplier,
            PauseFrom = request.EffectiveAt - settings.PauseBefore,
            PauseUntil = request.EffectiveAt + settings.PauseAfter,
            Stage = CorporateActionStage.Declared,
            Chains = chains,
            DeclaredAt = now,
        };
        state.State.Actions.Add(record);
        await state.WriteStateAsync();
        // The reminder survives a restart of every silo; the timer makes the steps prompt while this activation lives.
        await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        StartTimer();
        logger.LogInformation("{Symbol}: corporate action {Action} declared, multiplier {Old} -> {New} at {EffectiveAt:O}",
            Symbol, request.ActionId, record.OldMultiplier, newMultiplier, request.EffectiveAt);
        return Snapshot(record);
    }

    public Task<CorporateActionSnapshot> GetAsync(string actionId) =>
        Task.FromResult(state.State.Actions.FirstOrDefault(a => a.Request.ActionId == actionId) is { } found
            ? Snapshot(found)
            : throw new LedgerException(LedgerError.CorporateActionNotFound, $"{Symbol} has no corporate action '{actionId}'."));

    public Task<IReadOnlyList<CorporateActionSnapshot>> ListAsync() =>
        Task.FromResult<IReadOnlyList<CorporateActionSnapshot>>(state.State.Actions.Select(Snapshot).ToList());

    public Task<IReadOnlyList<MultiplierChange>> HistoryAsync() =>
        Task.FromResult<IReadOnlyList<MultiplierChange>>(state.State.Actions
            .Where(a => a.AppliedAt is not null)
            .Select(a => new MultiplierChange(a.Request.ActionId, a.Request.Kind, a.OldMultiplier, a.NewMultiplier, a.Request.EffectiveAt, a.AppliedAt!.Value))
            .ToList());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != Reminder)
        {
            return;
        }
        if (Open is null)
        {
            var reminder = await this.GetReminder(Reminder);
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }
            return;
        }
        StartTimer();
        await AdvanceAsync();
    }

    public async Task<CorporateActionSnapshot?> AdvanceAsync()
    {
        if (Open is not { } action || _advancing)
        {
            return Open is { } current ? Snapshot(current) : null;
        }
        _advancing = true;
        try
        {
            await StepAsync(action);
        }
        catch (LedgerException error) when (error.Error is LedgerError.ChainUnavailable or LedgerError.ChainWriteFailed or LedgerError.InsufficientBacking
                                                or LedgerError.MarketClosed or LedgerError.PriceUnavailable)
        {
            // Transient or waiting on the market: the next tick tries again from the recorded step.
            Note(action, error.Message);
            await state.WriteStateAsync();
        }
        finally
        {
            _advancing = false;
        }
        if (action.Stage == CorporateActionStage.Completed)
        {
            _timer?.Dispose();
            _timer = null;
        }
        return Snapshot(action);
    }

    private async Task StepAsync(CorporateActionRecord action)
    {
        var now = clock.GetUtcNow();
        var asset = GrainFactory.GetGrain<IAssetGrain>(Symbol);
        var id = action.Request.ActionId;
        if (action.Stage == CorporateActionStage.Declared)
        {
            await WriteChainsAsync(action);
            if (await VerifyAsync(action, pending: true))
            {
                action.Stage = CorporateActionStage.Scheduled;
                action.Problems.Clear();
                await state.WriteStateAsync();
            }
        }
        if (action.Stage is CorporateActionStage.Declared or CorporateActionStage.Scheduled && now >= action.PauseFrom)
        {
            // Pause even if a chain is still behind: nothing may mint or burn across an unchecked switch.
            await asset.OpenCorporateActionWindowAsync(id);
            action.Stage = CorporateActionStage.Paused;
            await state.WriteStateAsync();
        }
        if (action.Stage == CorporateActionStage.Paused && now >= action.Request.EffectiveAt)
        {
            await ApplyAsync(action, asset);
        }
        if (action.Stage == CorporateActionStage.Applied)
        {
            await AnnounceAsync(action);
            await WriteChainsAsync(action);
            if (now >= action.PauseUntil && await VerifyAsync(action, pending: false))
            {
                await asset.CloseCorporateActionWindowAsync(id);
                action.Stage = CorporateActionStage.Completed;
                action.CompletedAt = now;
                action.Problems.Clear();
                await state.WriteStateAsync();
                logger.LogInformation("{Symbol}: corporate action {Action} completed; every chain shows {New}", Symbol, id, action.NewMultiplier);
            }
        }
    }

    /// <summary>Switches the ledger: the custodian splits first (exactly once), a dividend's cash buys the extra shares.</summary>
    private async Task ApplyAsync(CorporateActionRecord action, IAssetGrain asset)
    {
        var request = action.Request;
        var snapshot = await asset.GetAsync();
        var factor = 1m;
        if (request.Kind is CorporateActionKind.Split or CorporateActionKind.ReverseSplit)
        {
            factor = (decimal)request.NewShares / request.OldShares;
            await broker.ApplySplitAsync($"ca:{Symbol}:{request.ActionId}:split", snapshot.Definition.UnderlyingTicker, request.NewShares, request.OldShares);
        }
        // Issued and reserved are frozen by the window. A dividend's cash buys what backing at the new multiplier needs
        // beyond custody; a split can leave a nano-share short after the custodian's rounding, bought the same way.
        var custodyAfter = Math.Floor(snapshot.CustodyShares * factor * 1_000_000_000m) / 1_000_000_000m;
        var needed = action.NewMultiplier.SharesToBack(snapshot.Issued)
            + Math.Max(snapshot.ReservedShares, action.NewMultiplier.SharesToBack(snapshot.PendingMint));
        var shortfall = Math.Ceiling((needed - custodyAfter) * 1_000_000_000m) / 1_000_000_000m;
        if (shortfall > 0 && action.SharesBought == 0)
        {
            var fill = await broker.ExecuteAsync($"ca:{Symbol}:{request.ActionId}:reinvest", snapshot.Definition.UnderlyingTicker, BrokerSide.Buy, shortfall);
            action.SharesBought = fill.Shares;
            await state.WriteStateAsync();
        }
        await asset.ApplyCorporateActionAsync(request.ActionId, action.NewMultiplier, factor, action.SharesBought);
        action.Stage = CorporateActionStage.Applied;
        action.AppliedAt = clock.GetUtcNow();
        await state.WriteStateAsync();
        logger.LogInformation("{Symbol}: corporate action {Action} applied to the ledger (multiplier {New})", Symbol, request.ActionId, action.NewMultiplier);
    }

    /// <summary>
    /// Records <c>asset.multiplier_changed</c> for the partners that hold the asset, once the ledger has switched. The
    /// outbox keys the event on the action id, so a publication repeated after a crash before <c>Announced</c> was
    /// written records nothing new: exactly one event per change.
    /// </summary>
    private async Task AnnounceAsync(CorporateActionRecord action)
    {
        if (action.Announced)
        {
            return;
        }
        var request = action.Request;
        await webhooks.PublishAssetEventAsync(Symbol, WebhookEventTypes.AssetMultiplierChanged, $"multiplier/{request.ActionId}", new
        {
            symbol = Symbol,
            actionId = request.ActionId,
            kind = request.Kind.ToString(),
            oldMultiplier = action.OldMultiplier.Value.ToString(CultureInfo.InvariantCulture),
            newMultiplier = action.NewMultiplier.Value.ToString(CultureInfo.InvariantCulture),
            effectiveAt = request.EffectiveAt,
            appliedAt = action.AppliedAt,
        });
        action.Announced = true;
        await state.WriteStateAsync();
    }

    /// <summary>
    /// Brings every chain's write forward. A new write records its id and the nonce it expects before it is submitted; a
    /// write that failed (e.g. the nonce moved) is retried under a new id only after re-reading the chain.
    /// </summary>
    private async Task WriteChainsAsync(CorporateActionRecord action)
    {
        foreach (var chain in action.Chains)
        {
            if (chain.WriteState == "final")
            {
                continue;
            }
            var signer = GrainFactory.GetGrain<IChainSignerGrain>(chain.Chain);
            if (chain.WriteId is null)
            {
                var onChain = await GrainFactory.GetGrain<IChainReaderGrain>(chain.Chain).GetMultiplierAsync(chain.TokenAddress);
                chain.Attempts++;
                chain.ExpectedNonce = Math.Max(0, onChain.Nonce);
                chain.WriteId = $"ca:{Symbol}:{action.Request.ActionId}:{chain.Chain}:{chain.Attempts.ToString(CultureInfo.InvariantCulture)}";
                chain.WriteState = "pending";
                await state.WriteStateAsync();
            }
            var status = await signer.SubmitAsync(new ChainWrite(chain.WriteId, ChainWriteKind.SetMultiplier, chain.TokenAddress, chain.Decimals, [],
                new MultiplierWrite(action.NewMultiplier.Raw.ToString(CultureInfo.InvariantCulture), action.Request.EffectiveAt.ToUnixTimeSeconds(), chain.ExpectedNonce)));
            // Crash tests: the write is submitted (and may be on chain) but this grain has not recorded its outcome.
            Crash($"corporate-action.submitted.{chain.Chain}");
            if (status.State == ChainWriteState.Pending)
            {
                status = await signer.CheckAsync(chain.WriteId);
            }
            switch (status.State)
            {
                case ChainWriteState.Final:
                    chain.WriteState = "final";
                    break;
                case ChainWriteState.Failed:
                    Note(action, $"{chain.Chain}: write {chain.WriteId} failed ({status.FailureCode}: {status.FailureMessage}); retrying after re-reading the chain");
                    chain.WriteId = null;
                    chain.WriteState = "failed";
                    break;
            }
            await state.WriteStateAsync();
        }
    }

    /// <summary>
    /// Reads every chain: before the switch each must show the new value as its latest with the action's effective time;
    /// after it, the new value as current. A chain that does not is reported and written again.
    /// </summary>
    private async Task<bool> VerifyAsync(CorporateActionRecord action, bool pending)
    {
        var target = action.NewMultiplier.Raw.ToString(CultureInfo.InvariantCulture);
        var at = action.Request.EffectiveAt.ToUnixTimeSeconds();
        var problems = new List<string>();
        foreach (var chain in action.Chains)
        {
            var onChain = await GrainFactory.GetGrain<IChainReaderGrain>(chain.Chain).GetMultiplierAsync(chain.TokenAddress);
            chain.Seen = new OnChainMultiplierSeen(onChain.CurrentRaw, onChain.LatestRaw, onChain.LatestEffectiveAt);
            var shows = pending
                ? onChain.LatestRaw == target && onChain.LatestEffectiveAt == at
                : onChain.InForceAt(clock.GetUtcNow().ToUnixTimeSeconds()) == target;
            if (shows)
            {
                continue;
            }
            problems.Add($"{chain.Chain}: shows {(pending ? $"{onChain.LatestRaw} from {onChain.LatestEffectiveAt}" : onChain.CurrentRaw)}, expected {target}{(pending ? $" from {at}" : "")}");
            if (chain.WriteState == "final")
            {
                // The write landed but the chain shows something else (someone changed it since): write again.
                chain.WriteId = null;
                chain.WriteState = "stale";
            }
        }
        action.Problems.Clear();
        action.Problems.AddRange(problems);
        await state.WriteStateAsync();
        if (problems.Count > 0)
        {
            logger.LogWarning("{Symbol}: corporate action {Action}: chains disagree: {Problems}", Symbol, action.Request.ActionId, string.Join("; ", problems));
        }
        return problems.Count == 0;
    }

    /// <summary>
    /// The new multiplier, rounded down (in the reserve's favour) to 18 decimals and 15 significant digits, so every chain,
    /// Solana's f64 included, holds exactly the same value.
    /// </summary>
    internal static Multiplier NewMultiplier(Multiplier old, CorporateActionRequest request)
    {
        decimal exact;
        try
        {
            exact = request.Kind switch
            {
                CorporateActionKind.DividendReinvested => DividendMultiplier(old, request),
                CorporateActionKind.Split or CorporateActionKind.ReverseSplit => SplitMultiplier(old, request),
                _ => throw new LedgerException(LedgerError.InvalidArgument, $"Unknown corporate action kind {(int)request.Kind}."),
            };
        }
        catch (OverflowException)
        {
            throw new LedgerException(LedgerError.AmountOverflow, $"The new multiplier of {old} overflows.");
        }
        if (exact > MaxMultiplier)
        {
            throw new LedgerException(LedgerError.AmountOverflow, $"The new multiplier {exact.ToString(CultureInfo.InvariantCulture)} exceeds {MaxMultiplier.ToString(CultureInfo.InvariantCulture)}.");
        }
        var rounded = RoundDown(exact);
        if (rounded <= 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"The new multiplier of {old} rounds to zero.");
        }
        return Multiplier.From(rounded);
    }

    private static decimal DividendMultiplier(Multiplier old, CorporateActionRequest request)
    {
        if (request.DividendPerShare <= 0 || request.ReferencePrice <= 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A dividend needs a positive dividend per share and a positive reference price.");
        }
        if (request.NewShares != 0 || request.OldShares != 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A dividend has no split ratio.");
        }
        return checked(old.Value * (1m + request.DividendPerShare / request.ReferencePrice));
    }

    private static decimal SplitMultiplier(Multiplier old, CorporateActionRequest request)
    {
        if (request.NewShares <= 0 || request.OldShares <= 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"A split ratio needs positive share counts (got {request.NewShares} for {request.OldShares}).");
        }
        if (request.DividendPerShare != 0 || request.ReferencePrice != 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A split has no dividend.");
        }
        var splits = request.NewShares > request.OldShares;
        if (request.Kind == CorporateActionKind.Split ? !splits : request.NewShares >= request.OldShares)
        {
            throw new LedgerException(LedgerError.InvalidArgument,
                $"{request.NewShares} for {request.OldShares} is not a {(request.Kind == CorporateActionKind.Split ? "split" : "reverse split")}.");
        }
        if (request.NewShares > 1_000_000 || request.OldShares > 1_000_000)
        {
            throw new LedgerException(LedgerError.AmountOverflow, "A split ratio's share counts are at most 1,000,000.");
        }
        return checked(old.Value * request.NewShares / request.OldShares);
    }

    private static decimal RoundDown(decimal value)
    {
        var truncated = decimal.Round(value, Multiplier.Decimals, MidpointRounding.ToZero);
        var integerDigits = truncated >= 1 ? (int)Math.Floor(Math.Log10((double)truncated)) + 1 : 0;
        var leadingZeros = 0;
        if (truncated < 1)
        {
            for (var probe = truncated; probe < 0.1m && probe > 0; probe *= 10)
            {
                leadingZeros++;
            }
        }
        var decimals = Math.Clamp(SignificantDigits - integerDigits + leadingZeros, 0, Multiplier.Decimals);
        return decimal.Round(truncated, decimals, MidpointRounding.ToZero);
    }

    private static void RequireActionId(string? actionId)
    {
        if (string.IsNullOrEmpty(actionId) || actionId.Length > MaxActionIdLength
            || !actionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"An action id is 1-{MaxActionIdLength} letters, digits, '-' or '_'.");
        }
    }

    private static void Note(CorporateActionRecord action, string problem)
    {
        action.Problems.Remove(problem);
        action.Problems.Add(problem);
        if (action.Problems.Count > 20)
        {
            action.Problems.RemoveAt(0);
        }
    }

    /// <summary>Crash tests only: stop the process hard at a named point, once (the orders' crash switch and marker file).</summary>
    private void Crash(string point)
    {
        if (crashSwitch.Value.CrashAt != point || crashSwitch.Value.CrashMarker is not { } marker || File.Exists(marker))
        {
            return;
        }
        File.WriteAllText(marker, point);
        Environment.FailFast($"crash test: stopping hard at {point}");
    }

    private void StartTimer() =>
        _timer ??= this.RegisterGrainTimer(async _ => await AdvanceAsync(), new GrainTimerCreationOptions(options.Value.Tick, options.Value.Tick) { Interleave = false });

    private CorporateActionSnapshot Snapshot(CorporateActionRecord action) => new(Symbol, action.Request, action.OldMultiplier, action.NewMultiplier,
        action.PauseFrom, action.PauseUntil, action.Stage,
        action.Chains.Select(c => new CorporateActionChain(c.Chain, c.TokenAddress, c.WriteId, c.WriteState, c.Attempts, c.Seen?.CurrentRaw, c.Seen?.LatestRaw,
            c.Seen?.LatestEffectiveAt ?? 0,
            c.Seen is { } seen && seen.LatestRaw == action.NewMultiplier.Raw.ToString(CultureInfo.InvariantCulture) && seen.LatestEffectiveAt == action.Request.EffectiveAt.ToUnixTimeSeconds(),
            c.Seen is { } now && (now.CurrentRaw == action.NewMultiplier.Raw.ToString(CultureInfo.InvariantCulture)
                || (action.AppliedAt is not null && now.LatestRaw == action.NewMultiplier.Raw.ToString(CultureInfo.InvariantCulture))))).ToList(),
        action.Problems.ToList(), action.SharesBought, action.DeclaredAt, action.AppliedAt, action.CompletedAt);
}
