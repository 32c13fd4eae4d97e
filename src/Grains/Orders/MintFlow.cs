using System.Globalization;
using Sharemint.Accounts;
using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Market;
using Sharemint.Operations;

namespace Sharemint.Orders;

/// <summary>
/// Mint: cash held at acceptance → custody reserved (shares bought first when inventory is short; outside market hours
/// the buy waits for the open) → mint queued on the chain → final on chain → cash captured.
/// </summary>
internal sealed class MintFlow(IOrderSaga saga, OrderOptions options, IBroker broker, IMarketCalendar calendar) : OrderFlow(saga, options)
{
    private OperationId HoldId => Saga.Op("hold");
    private OperationId ReserveOp => Saga.Op("reserve");
    // Another order may reserve the shares this order bought before this order reserves them. The next buy must then be a
    // fresh one, not a replay of the first (the broker and the asset would return the same fill and credit nothing, and the
    // order would loop forever): each buy and its custody credit are named by the number of buys already recorded, so a
    // replay after a crash between buying and recording is still the same, idempotent buy.
    private int BuyAttempt => State.Steps.Count(s => s.Name == "bought");
    private OperationId BuyOp => Saga.Op(BuyAttempt == 0 ? "buy" : $"buy-{BuyAttempt}");
    private OperationId CustodyInOp => Saga.Op(BuyAttempt == 0 ? "custody-in" : $"custody-in-{BuyAttempt}");

    public override Func<Task<bool>>? Step(OrderStage stage) => stage switch
    {
        // Reserved already, but the mint request was refused (paused chain) or its reply lost: only ask again. Never buy
        // or reserve a second time while waiting.
        OrderStage.Start or OrderStage.Buy when State.Reserved => RequestMintAsync,
        OrderStage.Start => ReserveAsync,
        OrderStage.Buy => BuyAsync,
        OrderStage.Minting => AwaitMintAsync,
        OrderStage.Capture => CaptureAsync,
        _ => null,
    };

    protected override ChainMintRequest MintRequest() => new(MintBacking.Reservation, ReserveOp.Value, State.Wallet, State.Amount);

    private async Task<bool> ReserveAsync()
    {
        // Re-asserting the hold is free when it exists, and restores it if the process died between saving and holding.
        try
        {
            await Saga.Account.HoldCashForMintAsync(HoldId, new MintPayment(State.Symbol, State.Chain, State.Wallet, State.Cash ?? 0m));
        }
        catch (LedgerException error) when (error.Error != LedgerError.ChainUnavailable)
        {
            return await Saga.FailAsync(error.Code, error.Message);
        }
        try
        {
            if (await Saga.Asset.TryReserveCustodyAsync(ReserveOp, State.Chain, State.Amount) is null)
            {
                // Inventory does not cover the order: buy the shares first. Not saved: the buy and its custody credit replay
                // under the same ids after a crash, and UndoAsync puts a buy that landed unrecorded into custody.
                State.Stage = OrderStage.Buy;
                Saga.Record("inventory", ReserveOp, "short", "buying shares");
                return true;
            }
        }
        catch (LedgerException error) when (error.Error is LedgerError.AssetPaused)
        {
            return await Saga.WaitAsync("reserve", error.Message);
        }
        catch (LedgerException error) when (error.Error is LedgerError.AssetDelisting or LedgerError.AssetDelisted)
        {
            // A delisting never resumes minting: end the order now and give the cash back.
            return await Saga.FailAsync(error.Code, error.Message);
        }
        // Inventory covers the order now, but an earlier pass may have bought for it with nothing recorded (the buy is not
        // saved before it is made, and its custody credit may have been lost): those shares enter custody as inventory.
        await CreditUnrecordedBuyAsync();
        return await ReservedAsync();
    }

    private async Task<bool> BuyAsync()
    {
        var now = Saga.Now;
        if (!calendar.IsOpen(now))
        {
            return await Saga.WaitAsync("buy", $"market closed: the broker buys at the next open ({calendar.NextOpen(now):u})", OrderStatus.Queued);
        }
        BrokerFill fill;
        try
        {
            fill = await broker.ExecuteAsync(BuyOp.Value, State.Underlying, BrokerSide.Buy, State.Shares);
        }
        catch (LedgerException error) when (error.Error == LedgerError.MarketClosed)
        {
            return await Saga.WaitAsync("buy", error.Message, OrderStatus.Queued);
        }
        Saga.Record("bought", BuyOp, "ok", $"{fill.Shares.ToString(CultureInfo.InvariantCulture)} {fill.Ticker} at {fill.Price.ToString(CultureInfo.InvariantCulture)}");
        try
        {
            // One asset write for both: the bought shares enter custody and back this order's reservation.
            await Saga.Asset.ReserveWithPurchaseAsync(ReserveOp, State.Chain, State.Amount, CustodyInOp, fill.Shares);
        }
        catch (LedgerException error) when (error.Error is LedgerError.InsufficientBacking or LedgerError.AssetPaused
                                                or LedgerError.AssetDelisting or LedgerError.AssetDelisted)
        {
            // The shares are in custody as inventory; try the reservation again from the start (which ends a delisted order).
            State.Stage = OrderStage.Start;
            await Saga.SaveAsync();
            Saga.Crash("mint.bought");
            return error.Error != LedgerError.AssetPaused;
        }
        return await ReservedAsync(bought: true);
    }

    private async Task<bool> ReservedAsync(bool bought = false)
    {
        // One write for the reservation and the mint stage: saved before the bridge hears of the mint, and AwaitMintAsync
        // asks again for a mint the bridge never heard of.
        State.Reserved = true;
        State.Status = OrderStatus.InProgress;
        State.Stage = OrderStage.Minting;
        Saga.Record("reserved", ReserveOp, "ok", $"{State.Shares.ToString(CultureInfo.InvariantCulture)} shares");
        await Saga.SaveAsync();
        if (bought)
        {
            Saga.Crash("mint.bought");
        }
        Saga.Crash("mint.reserved");
        return await RequestMintAsync();
    }

    protected override async Task<bool> MintedAsync(ChainOperationProgress progress)
    {
        // Recorded with the settlement's write, not one of its own: after a crash the bridge reports the mint again and
        // the capture repeats under the hold id, which takes the cash once.
        Saga.Record("minted", MintOp, "ok", progress.TransactionId);
        State.Stage = OrderStage.Capture;
        Saga.Crash("mint.minted");
        return await CaptureAsync();
    }

    protected override Task<bool> MintFailedAsync(ChainOperationProgress progress) =>
        Saga.FailAsync(progress.FailureCode ?? "chain_write_failed", $"Mint failed on {State.Chain}: {progress.FailureMessage}");

    private async Task<bool> CaptureAsync()
    {
        await Saga.Account.CaptureHoldAsync(HoldId);
        return await Saga.SettleAsync("captured", HoldId, $"{State.Cash?.ToString(CultureInfo.InvariantCulture)} USD");
    }

    /// <summary>
    /// The buy is not saved before it is made, so a buy may have landed with nothing recorded (the process died, or the
    /// custody credit was lost, before the reserved write). Its shares enter custody as inventory under the credit's own
    /// id, which adds nothing when the credit did land: they never stay at the broker outside the ledger.
    /// </summary>
    private async Task CreditUnrecordedBuyAsync()
    {
        if (await broker.FindFillAsync(BuyOp.Value) is { Side: BrokerSide.Buy } unrecorded)
        {
            // BuyAsync names the credit after recording "bought" (one more buy counted): use that same id here.
            await Saga.Asset.AddCustodyAsync(Saga.Op($"custody-in-{BuyAttempt + 1}"), unrecorded.Shares);
        }
    }

    public override async Task UndoAsync()
    {
        await CreditUnrecordedBuyAsync();
        // Released even when the order has no record of it: the reservation may have been made by a call whose reply or
        // whose save was lost. Releasing one that never existed changes nothing.
        try
        {
            await Saga.Asset.ReleaseReservationAsync(ReserveOp);
        }
        catch (LedgerException error) when (error.Error == LedgerError.ReservationNotFound)
        {
            // Never reserved: nothing to give back.
        }
        State.Reserved = false;
        // Released even when never held (the process died before the hold, or the hold is still in transit): that moves
        // no cash and closes the hold's id, so a hold arriving later is refused instead of taking cash for a dead order.
        await Saga.Account.ReleaseHoldAsync(HoldId);
    }
}
