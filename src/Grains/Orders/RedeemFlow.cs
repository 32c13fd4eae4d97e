using System.Globalization;
using System.Numerics;
using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Market;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Orders;

/// <summary>
/// Redeem, by API or by a deposit to the redemption address: burn requested (intent saved first) → final on chain →
/// shares sold (outside market hours kept as inventory and priced at the last price less the off-hours spread) → cash
/// paid to the partner.
/// </summary>
internal sealed class RedeemFlow(IOrderSaga saga, OrderOptions options, IBroker broker, IMarketCalendar calendar, IMarketData marketData)
    : OrderFlow(saga, options)
{
    private static readonly BigInteger NanoSharesDivisor = BigInteger.Pow(10, Multiplier.Decimals + CanonicalAmount.Decimals - 9);

    public override Func<Task<bool>>? Step(OrderStage stage) => stage switch
    {
        OrderStage.Start => RequestBurnAsync,
        OrderStage.Burning => AwaitBurnAsync,
        OrderStage.Sell => SellAsync,
        OrderStage.Pay => PayAsync,
        _ => null,
    };

    protected override (string Chain, string? HolderWallet, BurnPurpose Purpose) BurnRequest() =>
        (State.Chain, State.FromDeposit ? null : State.FromWallet, BurnPurpose.Redemption);

    protected override async Task<bool> BurnedAsync(ChainOperationProgress progress)
    {
        // Saved at once: the burn is final on chain, and the order must show it (and its transaction) even while the sale
        // cannot go on yet (no price, market closed), since a failed step re-reads the stored order.
        State.Stage = OrderStage.Sell;
        await Saga.SaveAsync();
        Saga.Crash("redeem.burned");
        return true;
    }

    protected override ChainMintRequest MintRequest() => throw new InvalidOperationException("a redemption mints nothing");

    protected override Task<bool> MintedAsync(ChainOperationProgress progress) => Task.FromResult(false);

    protected override Task<bool> MintFailedAsync(ChainOperationProgress progress) => Task.FromResult(false);

    private async Task<bool> SellAsync()
    {
        var asset = await Saga.Asset.GetAsync();
        var shares = SharesReleased(asset.Multiplier, State.Amount);
        var now = Saga.Now;
        var sellOp = Saga.Op("sell");
        var custodyOut = Saga.Op("custody-out");
        // A sale made before a crash stands even if the market has closed since: settle from that fill, never from a price.
        var earlierSale = await broker.FindFillAsync(sellOp.Value);
        var saleStarted = State.Steps.Any(s => s.Name == "selling");
        if (earlierSale is null && !calendar.IsOpen(now))
        {
            // Outside market hours the shares stay in custody as inventory, and the partner is paid at the last price
            // less the off-hours spread (documented rule; the issuer carries the overnight risk). A sale already begun
            // (its shares may have left custody) waits for the open instead.
            return saleStarted
                ? await Saga.WaitAsync("sell", $"market closed: the broker sells at the next open ({calendar.NextOpen(now):u})")
                : await PayFromInventoryAsync(shares, sellOp, Options.OffHoursSpreadBps, "market closed");
        }
        if (!saleStarted)
        {
            // Saved before the custody leaves: once it may have left, the shares must be sold, even after the market closed.
            Saga.Record("selling", custodyOut, "ok", $"{shares.ToString(CultureInfo.InvariantCulture)} shares");
            await Saga.SaveAsync();
        }
        // The shares leave custody before the broker sells them. The burn freed them, and until now another order (a mint
        // short of inventory) could reserve them: a sale first would then sell shares that back tokens.
        try
        {
            await Saga.Asset.RemoveCustodyAsync(custodyOut, shares);
        }
        catch (LedgerException error) when (error.Error == LedgerError.InsufficientBacking && earlierSale is null)
        {
            // Refused, so never removed (a repeat of a removal answers without checking): the shares back another order
            // now. Nothing to sell; they stay in custody and the partner is paid from inventory at the price.
            return await PayFromInventoryAsync(shares, sellOp, 0, "they back another order");
        }
        BrokerFill fill;
        try
        {
            fill = earlierSale ?? await broker.ExecuteAsync(sellOp.Value, State.Underlying, BrokerSide.Sell, shares);
        }
        catch (LedgerException error) when (error.Error == LedgerError.MarketClosed)
        {
            return await Saga.WaitAsync("sell", error.Message);
        }
        return await SoldAsync(shares, sellOp, fill.Cash,
            $"sold {fill.Shares.ToString(CultureInfo.InvariantCulture)} at {fill.Price.ToString(CultureInfo.InvariantCulture)}");
    }

    /// <summary>The shares stay in custody as inventory; the partner is paid at the last price less <paramref name="spreadBps"/>.</summary>
    private async Task<bool> PayFromInventoryAsync(decimal shares, OperationId sellOp, int spreadBps, string why)
    {
        var price = (await marketData.GetLastPriceAsync(State.Underlying)).Price;
        var widened = price * (10_000m - spreadBps) / 10_000m;
        var gross = Math.Floor(shares * widened * 100m) / 100m;
        return await SoldAsync(shares, sellOp, gross,
            $"kept {shares.ToString(CultureInfo.InvariantCulture)} shares as inventory ({why}), priced at {widened.ToString("0.######", CultureInfo.InvariantCulture)}");
    }

    private async Task<bool> SoldAsync(decimal shares, OperationId sellOp, decimal gross, string detail)
    {
        if (State.Cash is null)
        {
            var fee = Math.Ceiling(gross * State.FeeRate * 100m) / 100m;
            State.Cash = Math.Max(0m, gross - fee);
        }
        State.Shares = shares;
        State.Stage = OrderStage.Pay;
        Saga.Record("sold", sellOp, "ok", detail);
        await Saga.SaveAsync();
        Saga.Crash("redeem.sold");
        return true;
    }

    private async Task<bool> PayAsync()
    {
        var payOp = Saga.Op("pay");
        if (State.Cash is > 0m)
        {
            await Saga.Account.CreditCashAsync(payOp, State.Cash.Value);
        }
        return await Saga.SettleAsync("paid", payOp, $"{State.Cash?.ToString(CultureInfo.InvariantCulture)} USD");
    }

    /// <summary>Shares a burn releases: amount × multiplier, rounded down to nano-shares (never sell more than was backing).</summary>
    internal static decimal SharesReleased(Multiplier multiplier, CanonicalAmount amount) =>
        (decimal)(multiplier.Raw * amount.Units / NanoSharesDivisor) / 1_000_000_000m;
}
