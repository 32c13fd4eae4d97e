using System.Globalization;
using System.Numerics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Market;
using Sharemint.Operations;
using Sharemint.Quotes;
using Sharemint.Signers;
using Sharemint.Telemetry;
using Sharemint.Units;

namespace Sharemint.Orders;

/// <inheritdoc cref="IOrderGrain"/>
/// <remarks>
/// Every effect on another grain, the broker or a chain runs under an operation id derived from the order id and the step
/// (<c>{order}/reserve</c>, <c>{order}/mint</c>, …), so re-running a step after a crash repeats nothing. The stage is
/// written after each step; a stage names the next step to take, so the stored state is also the next step's intent.
/// </remarks>
[GrainType("sharemint.order")]
public sealed class OrderGrain(
    [PersistentState("order", LedgerStorage.Name)] IPersistentState<OrderState> state,
    ILogger<OrderGrain> logger,
    IOptions<OrderOptions> options,
    TimeProvider clock)
    : Grain, IOrderGrain, IRemindable
{
    private const string DriveReminder = "drive";
    private static readonly BigInteger NanoSharesDivisor = BigInteger.Pow(10, Multiplier.Decimals + CanonicalAmount.Decimals - 9);
    private readonly OrderOptions _options = options.Value;
    private IGrainTimer? _timer;
    private bool _driving;
    // Set when a step failed part-way: memory may differ from storage until the order is re-read.
    private bool _stale;
    private OrderStatus? _indexedStatus;
    // Whether a drive reminder may exist: armed by this activation, or possibly left by an earlier one.
    private bool _reminderArmed;

    private OrderState State => state.State;
    private string OrderId => this.GetPrimaryKeyString();
    private bool Placed => state.RecordExists;
    private bool Terminal => State.Status is OrderStatus.Settled or OrderStatus.Failed or OrderStatus.Cancelled;

    private OperationId Op(string step) => OperationId.From($"{OrderId}/{step}");
    private OperationId HoldId => Op("hold");
    private OperationId ReserveOp => Op("reserve");
    // Another order may reserve the shares this order bought before this order reserves them. The next buy must then be a
    // fresh one, not a replay of the first (the broker and the asset would return the same fill and credit nothing, and the
    // order would loop forever): each buy and its custody credit are named by the number of buys already recorded, so a
    // replay after a crash between buying and recording is still the same, idempotent buy.
    private int BuyAttempt => State.Steps.Count(s => s.Name == "bought");
    private OperationId BuyOp => Op(BuyAttempt == 0 ? "buy" : $"buy-{BuyAttempt}");
    private OperationId CustodyInOp => Op(BuyAttempt == 0 ? "custody-in" : $"custody-in-{BuyAttempt}");
    private OperationId CustodyOutOp => Op("custody-out");
    private OperationId BurnOp => Op("burn");
    private OperationId PayOp => Op("pay");
    private OperationId TransferId => Op("transfer");
    private OperationId MintOp => Op(State.MintAttempt == 0 ? "mint" : $"mint-{State.MintAttempt}");

    private IAssetGrain Asset => GrainFactory.GetGrain<IAssetGrain>(State.Symbol);
    private IHolderAccountGrain Account => GrainFactory.GetGrain<IHolderAccountGrain>(State.AccountId);
    private IChainBridgeGrain Bridge(string chain) => GrainFactory.GetGrain<IChainBridgeGrain>(DeploymentKey.For(State.Symbol, chain));

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Placed && !Terminal && State.Status != OrderStatus.Held)
        {
            _reminderArmed = true;
            ArmTimer();
        }
        return base.OnActivateAsync(cancellationToken);
    }

    // ---------------------------------------------------------------- placing

    public async Task<OrderSnapshot> PlaceMintAsync(MintOrderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireText(request.AccountId, "Account id");
        RequireText(request.QuoteId, "Quote id");
        var wallet = ChainAddress.Canonicalize(request.Chain, request.Wallet);
        var fingerprint = $"mint|{request.AccountId}|{request.QuoteId}|{request.Chain}|{wallet}";
        if (Placed)
        {
            return SamePlacement(fingerprint);
        }

        var quote = await GrainFactory.GetGrain<IQuoteGrain>(request.QuoteId).GetAsync();
        if (quote.AccountId != request.AccountId)
        {
            // Another partner's quote id reads as unknown: ids are not a way to probe other accounts.
            throw new LedgerException(LedgerError.QuoteNotFound, $"No quote '{request.QuoteId}'.");
        }
        if (quote.Side != QuoteSide.Mint)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Quote '{quote.QuoteId}' prices a redemption, not a mint.");
        }
        var asset = await GrainFactory.GetGrain<IAssetGrain>(quote.Symbol).GetAsync();
        if (asset.Status is AssetStatus.MintPaused or AssetStatus.Halted)
        {
            throw new LedgerException(LedgerError.AssetPaused, $"{quote.Symbol} is {asset.Status}: no mints.");
        }
        await RequireDeploymentAsync(quote.Symbol, request.Chain, quote.Amount);
        var account = GrainFactory.GetGrain<IHolderAccountGrain>(request.AccountId);
        await account.CheckEligibilityAsync(request.Chain, wallet);
        await GrainFactory.GetGrain<IQuoteGrain>(request.QuoteId).ConsumeAsync(OrderId);

        Begin(OrderKind.Mint, fingerprint, request.AccountId, quote.Symbol, asset.Definition.UnderlyingTicker, request.Chain, wallet, quote.Amount);
        State.QuoteId = quote.QuoteId;
        State.Cash = quote.Total;
        State.Shares = quote.Shares;
        Record("accepted", Op("place"), "ok", $"quote {quote.QuoteId}: {quote.Total.ToString(CultureInfo.InvariantCulture)} USD");
        await SaveAsync();
        try
        {
            await account.HoldCashForMintAsync(HoldId, new MintPayment(State.Symbol, State.Chain, State.Wallet, quote.Total));
        }
        catch (LedgerException)
        {
            // Refused (funds, limits): the order never existed. The quote stays used by this order id, so a retry with
            // the same idempotency key after topping up works, and no other order can take the price.
            await state.ClearStateAsync();
            state.State = new OrderState();
            if (ServiceProvider.GetService<IOrderIndex>() is { } index)
            {
                await index.RemoveAsync(OrderId);
            }
            _indexedStatus = null;
            throw;
        }
        return await AcceptedAsync();
    }

    public async Task<OrderSnapshot> PlaceRedeemAsync(RedeemOrderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireText(request.AccountId, "Account id");
        RequireText(request.Symbol, "Symbol");
        var wallet = ChainAddress.Canonicalize(request.Chain, request.Wallet);
        var fingerprint = $"redeem|{request.AccountId}|{request.Symbol}|{request.Chain}|{wallet}|{request.Amount.Units}|{request.QuoteId}";
        if (Placed)
        {
            return SamePlacement(fingerprint);
        }
        LedgerValidation.RequirePositive(request.Amount, "Redemption amount");
        var asset = await GrainFactory.GetGrain<IAssetGrain>(request.Symbol).GetAsync();
        if (asset.Status is AssetStatus.RedeemPaused or AssetStatus.Halted)
        {
            throw new LedgerException(LedgerError.AssetPaused, $"{request.Symbol} is {asset.Status}: no redemptions.");
        }
        await RequireDeploymentAsync(request.Symbol, request.Chain, request.Amount);
        var account = GrainFactory.GetGrain<IHolderAccountGrain>(request.AccountId);
        await account.CheckEligibilityAsync(request.Chain, wallet);
        var profile = (await account.GetAsync()).Profile;
        Quote? quote = null;
        if (request.QuoteId is not null)
        {
            quote = await GrainFactory.GetGrain<IQuoteGrain>(request.QuoteId).GetAsync();
            if (quote.AccountId != request.AccountId)
            {
                throw new LedgerException(LedgerError.QuoteNotFound, $"No quote '{request.QuoteId}'.");
            }
            if (quote.Side != QuoteSide.Redeem || quote.Symbol != request.Symbol || quote.Amount != request.Amount)
            {
                throw new LedgerException(LedgerError.InvalidArgument, $"Quote '{quote.QuoteId}' does not price this redemption.");
            }
            await GrainFactory.GetGrain<IQuoteGrain>(request.QuoteId).ConsumeAsync(OrderId);
        }

        Begin(OrderKind.Redeem, fingerprint, request.AccountId, request.Symbol, asset.Definition.UnderlyingTicker, request.Chain, wallet, request.Amount);
        State.FromWallet = wallet;
        State.QuoteId = quote?.QuoteId;
        State.Cash = quote?.Total;
        State.FeeRate = profile.FeeRate;
        Record("accepted", Op("place"), "ok", quote is null ? "priced at execution" : $"quote {quote.QuoteId}");
        await SaveAsync();
        return await AcceptedAsync();
    }

    public async Task<OrderSnapshot> PlaceTransferAsync(TransferOrderRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireText(request.AccountId, "Account id");
        RequireText(request.Symbol, "Symbol");
        var fromWallet = ChainAddress.Canonicalize(request.FromChain, request.FromWallet);
        var toWallet = ChainAddress.Canonicalize(request.ToChain, request.ToWallet);
        var fingerprint = $"transfer|{request.AccountId}|{request.Symbol}|{request.FromChain}|{fromWallet}|{request.ToChain}|{toWallet}|{request.Amount.Units}";
        if (Placed)
        {
            return SamePlacement(fingerprint);
        }
        LedgerValidation.RequirePositive(request.Amount, "Move amount");
        if (request.FromChain == request.ToChain)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A move needs two different chains.");
        }
        var asset = await GrainFactory.GetGrain<IAssetGrain>(request.Symbol).GetAsync();
        if (asset.Status != AssetStatus.Active)
        {
            throw new LedgerException(LedgerError.AssetPaused, $"{request.Symbol} is {asset.Status}: no moves between chains.");
        }
        await RequireDeploymentAsync(request.Symbol, request.FromChain, request.Amount);
        await RequireDeploymentAsync(request.Symbol, request.ToChain, request.Amount);
        var account = GrainFactory.GetGrain<IHolderAccountGrain>(request.AccountId);
        await account.CheckEligibilityAsync(request.FromChain, fromWallet);
        await account.CheckEligibilityAsync(request.ToChain, toWallet);

        Begin(OrderKind.Transfer, fingerprint, request.AccountId, request.Symbol, asset.Definition.UnderlyingTicker, request.ToChain, toWallet, request.Amount);
        State.FromChain = request.FromChain;
        State.FromWallet = fromWallet;
        Record("accepted", Op("place"), "ok", $"{request.FromChain} → {request.ToChain}");
        await SaveAsync();
        return await AcceptedAsync();
    }

    public async Task<OrderSnapshot> PlaceDepositRedemptionAsync(string symbol, string chain, TokenDeposit deposit)
    {
        ArgumentNullException.ThrowIfNull(deposit);
        var fingerprint = $"deposit|{symbol}|{chain}|{deposit.DepositId}";
        if (Placed)
        {
            return SamePlacement(fingerprint);
        }
        var asset = await GrainFactory.GetGrain<IAssetGrain>(symbol).GetAsync();
        var from = ChainAddress.Canonicalize(chain, deposit.FromAddress);
        var owner = await FindAccountByWalletAsync(chain, from);
        Begin(OrderKind.Redeem, fingerprint, owner ?? "", symbol, asset.Definition.UnderlyingTicker, chain, from,
            deposit.Amount ?? CanonicalAmount.Zero);
        State.FromDeposit = true;
        State.DepositId = deposit.DepositId;
        State.FromWallet = from;
        State.TransactionIds.Add(deposit.TransactionId);

        // A deposit the platform cannot attribute or must not touch waits for an operator (invariant 7): held, not redeemed.
        string? holdReason = null;
        if (deposit.Amount is null)
        {
            holdReason = $"amount_has_dust: {deposit.RawAmount} raw units is not a whole number of canonical units";
        }
        else if (await GrainFactory.GetGrain<ISanctionsListGrain>(0).IsSanctionedAsync(chain, from))
        {
            holdReason = $"address_sanctioned: {from} on {chain}";
        }
        else if (owner is null)
        {
            holdReason = $"unknown_sender: {from} is not allow-listed by any partner on {chain}";
        }
        else
        {
            var account = await GrainFactory.GetGrain<IHolderAccountGrain>(owner).GetAsync();
            State.FeeRate = account.Profile.FeeRate;
        }

        if (holdReason is not null)
        {
            State.Status = OrderStatus.Held;
            State.Stage = OrderStage.Done;
            State.FailureCode = holdReason[..holdReason.IndexOf(':', StringComparison.Ordinal)];
            State.FailureMessage = holdReason;
            Record("held", Op("place"), "held", holdReason);
            await SaveAsync();
            logger.LogWarning("Deposit {Deposit} on {Chain} held: {Reason}", deposit.DepositId, chain, holdReason);
            return Snapshot();
        }
        Record("accepted", Op("place"), "ok", $"deposit {deposit.DepositId}");
        await SaveAsync();
        return await AcceptedAsync();
    }

    public Task<OrderSnapshot> GetAsync() =>
        Placed ? Task.FromResult(Snapshot()) : throw new LedgerException(LedgerError.OrderNotFound, $"No order '{OrderId}'.");

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
        var cancellable = State.Status is OrderStatus.Accepted or OrderStatus.Queued
            && State.Stage is OrderStage.Start or OrderStage.Buy
            && !State.Reserved;
        if (!cancellable)
        {
            throw new LedgerException(LedgerError.OrderNotCancellable, $"Order '{OrderId}' is {State.Status}: it can no longer be cancelled.");
        }
        await UndoAsync();
        State.Status = OrderStatus.Cancelled;
        State.Stage = OrderStage.Done;
        Record("cancelled", Op("cancel"), "ok", null);
        await FinishAsync();
        return Snapshot();
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

    public async Task ReceiveReminder(string reminderName, TickStatus status)
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
            logger.LogInformation(error, "Order {Order}: step failed ({Message}); re-reading and retrying", OrderId, error.Message);
            _stale = true;
            await TryReloadAsync();
        }
        finally
        {
            _driving = false;
        }
        if (Terminal)
        {
            _timer?.Dispose();
            _timer = null;
        }
        else if (!_reminderArmed && State.Status != OrderStatus.Held)
        {
            // Off the acceptance path: an order still open after its first pass gets its durable reminder now. A crash
            // before this point is covered by the resumer, which finds the order in the index at the next start.
            await this.RegisterOrUpdateReminder(DriveReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminderArmed = true;
        }
    }

    /// <summary>Re-reads the stored order after a failed step; false while the database cannot be read (try next tick).</summary>
    private async Task<bool> TryReloadAsync()
    {
        try
        {
            await state.ReadStateAsync();
            _stale = false;
            return true;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            logger.LogWarning(error, "Order {Order}: re-reading the stored order failed; trying again on the next tick", OrderId);
            return false;
        }
    }

    /// <summary>Takes the next step. True when it moved the order on (so the next step can follow at once).</summary>
    private async Task<bool> StepAsync()
    {
        if (State.RetryAfter is { } retryAfter && clock.GetUtcNow() < retryAfter)
        {
            return false;
        }
        return (State.Kind, State.Stage) switch
        {
            (OrderKind.Mint, OrderStage.Start) => await ReserveForMintAsync(),
            (OrderKind.Mint, OrderStage.Buy) => await BuyForMintAsync(),
            (OrderKind.Mint, OrderStage.Minting) => await AwaitMintAsync(),
            (OrderKind.Mint, OrderStage.Capture) => await CaptureAsync(),
            (OrderKind.Redeem, OrderStage.Start) => await StartBurnAsync(State.Chain, State.FromDeposit ? null : State.FromWallet, BurnPurpose.Redemption),
            (OrderKind.Redeem, OrderStage.Burning) => await AwaitBurnAsync(State.Chain),
            (OrderKind.Redeem, OrderStage.Sell) => await SellAsync(),
            (OrderKind.Redeem, OrderStage.Pay) => await PayAsync(),
            (OrderKind.Transfer, OrderStage.Start) => await TakeCapacityAsync(),
            (OrderKind.Transfer, OrderStage.Burning) => await AwaitBurnAsync(State.FromChain!),
            (OrderKind.Transfer, OrderStage.Minting) => await AwaitMintAsync(),
            (_, OrderStage.Compensate) => await CompensateAsync(),
            _ => false,
        };
    }

    private async Task<bool> ReserveForMintAsync()
    {
        // Re-asserting the hold is free when it exists, and restores it if the process died between saving and holding.
        try
        {
            await Account.HoldCashForMintAsync(HoldId, new MintPayment(State.Symbol, State.Chain, State.Wallet, State.Cash ?? 0m));
        }
        catch (LedgerException error) when (error.Error != LedgerError.ChainUnavailable)
        {
            return await FailAsync(error.Code, error.Message);
        }
        try
        {
            await Asset.ReserveCustodyAsync(ReserveOp, State.Chain, State.Amount);
        }
        catch (LedgerException error) when (error.Error == LedgerError.InsufficientBacking)
        {
            // Inventory does not cover the order: buy the shares first.
            State.Stage = OrderStage.Buy;
            Record("inventory", ReserveOp, "short", "buying shares");
            await SaveAsync();
            return true;
        }
        catch (LedgerException error) when (error.Error is LedgerError.AssetPaused)
        {
            return await WaitAsync("reserve", error.Message);
        }
        State.Reserved = true;
        State.Status = OrderStatus.InProgress;
        Record("reserved", ReserveOp, "ok", $"{State.Shares.ToString(CultureInfo.InvariantCulture)} shares");
        await SaveAsync();
        Crash("mint.reserved");
        return await RequestMintAsync(new ChainMintRequest(MintBacking.Reservation, ReserveOp.Value, State.Wallet, State.Amount));
    }

    private async Task<bool> BuyForMintAsync()
    {
        var calendar = ServiceProvider.GetRequiredService<IMarketCalendar>();
        var now = clock.GetUtcNow();
        if (!calendar.IsOpen(now))
        {
            return await WaitAsync("buy", $"market closed: the broker buys at the next open ({calendar.NextOpen(now):u})", OrderStatus.Queued);
        }
        var broker = ServiceProvider.GetRequiredService<IBroker>();
        BrokerFill fill;
        try
        {
            fill = await broker.ExecuteAsync(BuyOp.Value, State.Underlying, BrokerSide.Buy, State.Shares);
        }
        catch (LedgerException error) when (error.Error == LedgerError.MarketClosed)
        {
            return await WaitAsync("buy", error.Message, OrderStatus.Queued);
        }
        Record("bought", BuyOp, "ok", $"{fill.Shares.ToString(CultureInfo.InvariantCulture)} {fill.Ticker} at {fill.Price.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            // One asset write for both: the bought shares enter custody and back this order's reservation.
            await Asset.ReserveWithPurchaseAsync(ReserveOp, State.Chain, State.Amount, CustodyInOp, fill.Shares);
        }
        catch (LedgerException error) when (error.Error is LedgerError.InsufficientBacking or LedgerError.AssetPaused)
        {
            // The shares are in custody as inventory; try the reservation again from the start.
            State.Stage = OrderStage.Start;
            await SaveAsync();
            Crash("mint.bought");
            return error.Error != LedgerError.AssetPaused;
        }
        State.Reserved = true;
        State.Status = OrderStatus.InProgress;
        Record("reserved", ReserveOp, "ok", $"{State.Shares.ToString(CultureInfo.InvariantCulture)} shares");
        await SaveAsync();
        Crash("mint.bought");
        Crash("mint.reserved");
        return await RequestMintAsync(new ChainMintRequest(MintBacking.Reservation, ReserveOp.Value, State.Wallet, State.Amount));
    }

    private async Task<bool> RequestMintAsync(ChainMintRequest request)
    {
        try
        {
            await Bridge(State.Chain).RequestMintAsync(MintOp, request);
        }
        catch (LedgerException error) when (error.Error is LedgerError.ChainPaused or LedgerError.AssetPaused)
        {
            return await WaitAsync("mint", error.Message);
        }
        State.Stage = OrderStage.Minting;
        Record("mint-queued", MintOp, "ok", State.Chain);
        await SaveAsync();
        Crash($"{Kind}.mint-queued");
        return true;
    }

    private async Task<bool> AwaitMintAsync()
    {
        ChainOperationProgress progress;
        try
        {
            progress = await Bridge(State.Chain).GetMintProgressAsync(MintOp);
        }
        catch (LedgerException error) when (error.Error == LedgerError.InvalidArgument)
        {
            // The stage was saved but the request never reached the bridge (crash in between): ask again.
            return State.Kind == OrderKind.Mint
                ? await RequestMintAsync(new ChainMintRequest(MintBacking.Reservation, ReserveOp.Value, State.Wallet, State.Amount))
                : await RequestMintAsync(new ChainMintRequest(MintBacking.Transit, BurnOp.Value, State.Wallet, State.Amount));
        }
        switch (progress.State)
        {
            case ChainOperationState.Recorded:
                AddTransaction(progress.TransactionId);
                Record("minted", MintOp, "ok", progress.TransactionId);
                if (State.Kind == OrderKind.Mint)
                {
                    State.Stage = OrderStage.Capture;
                    await SaveAsync();
                    Crash("mint.minted");
                    return true;
                }
                State.Stage = OrderStage.Done;
                State.Status = OrderStatus.Settled;
                await FinishAsync();
                return true;
            case ChainOperationState.Failed when State.Kind == OrderKind.Mint:
                return await FailAsync(progress.FailureCode ?? "chain_write_failed", $"Mint failed on {State.Chain}: {progress.FailureMessage}");
            case ChainOperationState.Failed:
                // A move's tokens are in transit: never give up on them. Retry the destination mint under a new id later.
                Record("mint-failed", MintOp, progress.FailureCode ?? "failed", progress.FailureMessage);
                State.MintAttempt++;
                State.RetryAfter = clock.GetUtcNow() + _options.MintRetryDelay;
                await SaveAsync();
                return await RequestMintAsync(new ChainMintRequest(MintBacking.Transit, BurnOp.Value, State.Wallet, State.Amount));
            default:
                return false;
        }
    }

    private async Task<bool> CaptureAsync()
    {
        await Account.CaptureHoldAsync(HoldId);
        State.Stage = OrderStage.Done;
        State.Status = OrderStatus.Settled;
        Record("captured", HoldId, "ok", $"{State.Cash?.ToString(CultureInfo.InvariantCulture)} USD");
        await FinishAsync();
        return true;
    }

    private async Task<bool> StartBurnAsync(string chain, string? holderWallet, BurnPurpose purpose)
    {
        try
        {
            await Bridge(chain).RequestBurnAsync(BurnOp, new ChainBurnRequest(purpose, holderWallet, State.Amount));
        }
        catch (LedgerException error) when (error.Error is LedgerError.ChainPaused or LedgerError.AssetPaused)
        {
            return await WaitAsync("burn", error.Message);
        }
        catch (LedgerException error) when (error.Error != LedgerError.ChainUnavailable)
        {
            return State.FromDeposit ? await HoldAsync(error.Code, error.Message) : await FailAsync(error.Code, error.Message);
        }
        State.Stage = OrderStage.Burning;
        State.Status = OrderStatus.InProgress;
        Record("burn-submitted", BurnOp, "ok", chain);
        await SaveAsync();
        Crash($"{Kind}.burn-submitted");
        return true;
    }

    private async Task<bool> AwaitBurnAsync(string chain)
    {
        ChainOperationProgress progress;
        try
        {
            progress = await Bridge(chain).GetBurnProgressAsync(BurnOp);
        }
        catch (LedgerException error) when (error.Error == LedgerError.InvalidArgument)
        {
            State.Stage = OrderStage.Start;
            return true;
        }
        switch (progress.State)
        {
            case ChainOperationState.Recorded:
                AddTransaction(progress.TransactionId);
                Record("burned", BurnOp, "ok", progress.TransactionId);
                if (State.Kind == OrderKind.Transfer)
                {
                    await SaveAsync();
                    Crash("transfer.burned");
                    return await RequestMintAsync(new ChainMintRequest(MintBacking.Transit, BurnOp.Value, State.Wallet, State.Amount));
                }
                State.Stage = OrderStage.Sell;
                await SaveAsync();
                Crash("redeem.burned");
                return true;
            case ChainOperationState.Failed:
                var message = $"Burn failed on {chain}: {progress.FailureMessage}";
                return State.FromDeposit
                    ? await HoldAsync(progress.FailureCode ?? "chain_write_failed", message)
                    : await FailAsync(progress.FailureCode ?? "chain_write_failed", message);
            default:
                return false;
        }
    }

    private async Task<bool> SellAsync()
    {
        var asset = await Asset.GetAsync();
        var shares = SharesReleased(asset.Multiplier, State.Amount);
        var now = clock.GetUtcNow();
        var calendar = ServiceProvider.GetRequiredService<IMarketCalendar>();
        decimal gross;
        string detail;
        var broker = ServiceProvider.GetRequiredService<IBroker>();
        // A sale made before a crash stands even if the market has closed since: settle from that fill, never from a price.
        var earlierSale = await broker.FindFillAsync(Op("sell").Value);
        if (earlierSale is not null || calendar.IsOpen(now))
        {
            var fill = earlierSale ?? await broker.ExecuteAsync(Op("sell").Value, State.Underlying, BrokerSide.Sell, shares);
            await Asset.RemoveCustodyAsync(CustodyOutOp, fill.Shares);
            gross = fill.Cash;
            detail = $"sold {fill.Shares.ToString(CultureInfo.InvariantCulture)} at {fill.Price.ToString(CultureInfo.InvariantCulture)}";
        }
        else
        {
            // Outside market hours the shares stay in custody as inventory, and the partner is paid at the last price
            // less the off-hours spread (documented rule; the issuer carries the overnight risk).
            var price = (await ServiceProvider.GetRequiredService<IMarketData>().GetLastPriceAsync(State.Underlying)).Price;
            var widened = price * (10_000m - _options.OffHoursSpreadBps) / 10_000m;
            gross = Math.Floor(shares * widened * 100m) / 100m;
            detail = $"kept {shares.ToString(CultureInfo.InvariantCulture)} shares as inventory (market closed), priced at {widened.ToString("0.######", CultureInfo.InvariantCulture)}";
        }
        if (State.Cash is null)
        {
            var fee = Math.Ceiling(gross * State.FeeRate * 100m) / 100m;
            State.Cash = Math.Max(0m, gross - fee);
        }
        State.Shares = shares;
        State.Stage = OrderStage.Pay;
        Record("sold", Op("sell"), "ok", detail);
        await SaveAsync();
        Crash("redeem.sold");
        return true;
    }

    private async Task<bool> PayAsync()
    {
        if (State.Cash is > 0m)
        {
            await Account.CreditCashAsync(PayOp, State.Cash.Value);
        }
        State.Stage = OrderStage.Done;
        State.Status = OrderStatus.Settled;
        Record("paid", PayOp, "ok", $"{State.Cash?.ToString(CultureInfo.InvariantCulture)} USD");
        await FinishAsync();
        return true;
    }

    private async Task<bool> TakeCapacityAsync()
    {
        try
        {
            if (!await Bridge(State.FromChain!).TakeCapacityAsync(TransferId, TransferDirection.Outbound, State.Amount))
            {
                return await WaitAsync("capacity", $"over the outbound rate limit of {State.FromChain}", OrderStatus.Queued);
            }
            if (!await Bridge(State.Chain).TakeCapacityAsync(TransferId, TransferDirection.Inbound, State.Amount))
            {
                await Bridge(State.FromChain!).ReturnCapacityAsync(TransferId);
                return await WaitAsync("capacity", $"over the inbound rate limit of {State.Chain}", OrderStatus.Queued);
            }
        }
        catch (LedgerException error) when (error.Error == LedgerError.RateLimited)
        {
            return await FailAsync(error.Code, error.Message);
        }
        State.CapacityTaken = true;
        Record("capacity", TransferId, "ok", null);
        await SaveAsync();
        return await StartBurnAsync(State.FromChain!, State.FromWallet, BurnPurpose.TransferOut);
    }

    private async Task<bool> CompensateAsync()
    {
        await UndoAsync();
        State.Stage = OrderStage.Done;
        State.Status = OrderStatus.Failed;
        Record("compensated", Op("compensate"), "ok", null);
        await FinishAsync();
        return true;
    }

    /// <summary>Releases whatever the order still holds: reservation, cash hold, rate-limit capacity. Idempotent.</summary>
    private async Task UndoAsync()
    {
        if (State.Kind == OrderKind.Mint)
        {
            if (State.Reserved)
            {
                await Asset.ReleaseReservationAsync(ReserveOp);
                State.Reserved = false;
            }
            try
            {
                await Account.ReleaseHoldAsync(HoldId);
            }
            catch (LedgerException error) when (error.Error == LedgerError.InvalidArgument)
            {
                // Never held (the process died before the hold): nothing to give back.
            }
        }
        if (State.Kind == OrderKind.Transfer && State.CapacityTaken)
        {
            await Bridge(State.FromChain!).ReturnCapacityAsync(TransferId);
            await Bridge(State.Chain).ReturnCapacityAsync(TransferId);
            State.CapacityTaken = false;
        }
    }

    private async Task<bool> FailAsync(string code, string message)
    {
        State.FailureCode = code;
        State.FailureMessage = message;
        State.Stage = OrderStage.Compensate;
        Record("failed", Op("fail"), code, message);
        await SaveAsync();
        return true;
    }

    private async Task<bool> HoldAsync(string code, string message)
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
    private async Task<bool> WaitAsync(string step, string reason, OrderStatus? status = null)
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

    private void Begin(OrderKind kind, string fingerprint, string accountId, string symbol, string underlying, string chain, string wallet, CanonicalAmount amount)
    {
        var now = clock.GetUtcNow();
        state.State = new OrderState
        {
            Kind = kind,
            Status = OrderStatus.Accepted,
            Stage = OrderStage.Start,
            RequestFingerprint = fingerprint,
            AccountId = accountId,
            Symbol = symbol,
            Underlying = underlying,
            Chain = chain,
            Wallet = wallet,
            Amount = amount,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    private async Task<OrderSnapshot> AcceptedAsync()
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
        var reminder = await this.GetReminder(DriveReminder);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private void ArmTimer()
    {
        _timer ??= this.RegisterGrainTimer(_ => DriveAsync(), new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = _options.PollPeriod,
            KeepAlive = true,
        });
    }

    private string Kind => State.Kind.ToString().ToLowerInvariant();

    private void Record(string name, OperationId operationId, string outcome, string? detail) =>
        State.Steps.Add(new OrderStep(name, operationId.Value, outcome, clock.GetUtcNow(), detail));

    private void AddTransaction(string? transactionId)
    {
        if (!string.IsNullOrEmpty(transactionId) && !State.TransactionIds.Contains(transactionId))
        {
            State.TransactionIds.Add(transactionId);
        }
    }

    private async Task SaveAsync()
    {
        State.UpdatedAt = clock.GetUtcNow();
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception error)
        {
            logger.LogWarning(error, "Order {Order}: state write failed; reloading", OrderId);
            await state.ReadStateAsync();
            throw;
        }
        // The index lists orders by status, so it is written when the status changes; awaited so that a process that
        // dies right after this write is found by the resumer at restart.
        if (_indexedStatus != State.Status && await IndexAsync(Snapshot()))
        {
            _indexedStatus = State.Status;
        }
    }

    private async Task<bool> IndexAsync(OrderSnapshot snapshot)
    {
        var index = ServiceProvider.GetService<IOrderIndex>();
        if (index is null)
        {
            return false;
        }
        try
        {
            await index.UpsertAsync(snapshot);
            return true;
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // The index is a projection for listing; the next save tries again.
            logger.LogWarning(error, "Order {Order}: index update failed", snapshot.OrderId);
            return false;
        }
    }

    /// <summary>Crash tests only: stop the process hard at a named point, once (see <see cref="OrderOptions.CrashAt"/>).</summary>
    private void Crash(string point)
    {
        if (_options.CrashAt != point || _options.CrashMarker is not { } marker || File.Exists(marker))
        {
            return;
        }
        File.WriteAllText(marker, point);
        Environment.FailFast($"crash test: stopping hard at {point}");
    }

    private OrderSnapshot SamePlacement(string fingerprint) =>
        State.RequestFingerprint == fingerprint
            ? Snapshot()
            : throw new LedgerException(LedgerError.IdempotencyConflict, $"Order '{OrderId}' was placed with a different request.");

    private async Task RequireDeploymentAsync(string symbol, string chain, CanonicalAmount amount)
    {
        _ = ChainAddress.FamilyOf(chain);
        var deployment = await GrainFactory.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain)).GetAsync();
        if (deployment.Paused)
        {
            throw new LedgerException(LedgerError.ChainPaused, $"{symbol} on {chain} is paused.");
        }
        _ = amount.ToChainUnits(deployment.Config.Decimals);
    }

    private async Task<string?> FindAccountByWalletAsync(string chain, string wallet)
    {
        foreach (var accountId in await GrainFactory.GetGrain<ICatalogGrain>(0).ListAccountsAsync())
        {
            var account = await GrainFactory.GetGrain<IHolderAccountGrain>(accountId).GetAsync();
            if (account.Wallets.Contains(new AllowListedWallet(chain, wallet)))
            {
                return accountId;
            }
        }
        return null;
    }

    private static void RequireText(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"{what} is required.");
        }
    }

    /// <summary>Shares a burn releases: amount × multiplier, rounded down to nano-shares (never sell more than was backing).</summary>
    internal static decimal SharesReleased(Multiplier multiplier, CanonicalAmount amount) =>
        (decimal)(multiplier.Raw * amount.Units / NanoSharesDivisor) / 1_000_000_000m;

    private OrderSnapshot Snapshot() => new(
        OrderId, State.Kind, State.Status, State.AccountId, State.Symbol, State.Chain, State.FromChain, State.Wallet, State.FromWallet,
        State.Amount, State.Cash, State.QuoteId, State.Steps.ToList(), State.TransactionIds.ToList(), State.FailureCode,
        State.FailureMessage, State.CreatedAt, State.UpdatedAt, long.TryParse(state.Etag, out var v) ? v : 0);
}
