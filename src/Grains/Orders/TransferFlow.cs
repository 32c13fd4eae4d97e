using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Operations;

namespace Sharemint.Orders;

/// <summary>
/// Move between chains: rate-limit capacity taken on both chains (over the limit: queued, cancellable) → burn on the
/// source (intent saved first; the amount is then in transit) → final → mint on the destination. A failed destination
/// mint is never given up: the tokens are in transit, so it is retried under a new operation id.
/// </summary>
internal sealed class TransferFlow(IOrderSaga saga, OrderOptions options) : OrderFlow(saga, options)
{
    private OperationId TransferId => Saga.Op("transfer");
    private string FromChain => State.FromChain!;

    public override Func<Task<bool>>? Step(OrderStage stage) => stage switch
    {
        OrderStage.Start => TakeCapacityAsync,
        OrderStage.Burning => AwaitBurnAsync,
        OrderStage.Minting => AwaitMintAsync,
        _ => null,
    };

    protected override (string Chain, string? HolderWallet, BurnPurpose Purpose) BurnRequest() =>
        (FromChain, State.FromWallet, BurnPurpose.TransferOut);

    protected override ChainMintRequest MintRequest() => new(MintBacking.Transit, BurnOp.Value, State.Wallet, State.Amount);

    private async Task<bool> TakeCapacityAsync()
    {
        try
        {
            if (!await Saga.Bridge(FromChain).TakeCapacityAsync(TransferId, TransferDirection.Outbound, State.Amount))
            {
                return await Saga.WaitAsync("capacity", $"over the outbound rate limit of {FromChain}", OrderStatus.Queued);
            }
            if (!await Saga.Bridge(State.Chain).TakeCapacityAsync(TransferId, TransferDirection.Inbound, State.Amount))
            {
                await Saga.Bridge(FromChain).ReturnCapacityAsync(TransferId);
                return await Saga.WaitAsync("capacity", $"over the inbound rate limit of {State.Chain}", OrderStatus.Queued);
            }
        }
        catch (LedgerException error) when (error.Error == LedgerError.RateLimited)
        {
            return await Saga.FailAsync(error.Code, error.Message);
        }
        // Recorded with the burn intent's write: taking capacity again under the transfer id after a crash takes nothing
        // more, and UndoAsync returns it whether or not it was recorded.
        State.CapacityTaken = true;
        Saga.Record("capacity", TransferId, "ok", null);
        return await RequestBurnAsync();
    }

    protected override async Task<bool> BurnedAsync(ChainOperationProgress progress)
    {
        // The burn's record and the mint stage in one write, before the bridge hears of the destination mint.
        State.Stage = OrderStage.Minting;
        await Saga.SaveAsync();
        Saga.Crash("transfer.burned");
        return await RequestMintAsync();
    }

    protected override Task<bool> MintedAsync(ChainOperationProgress progress) =>
        Saga.SettleAsync("minted", MintOp, progress.TransactionId);

    protected override async Task<bool> MintFailedAsync(ChainOperationProgress progress)
    {
        // A move's tokens are in transit: never give up on them. Retry the destination mint under a new id later.
        Saga.Record("mint-failed", MintOp, progress.FailureCode ?? "failed", progress.FailureMessage);
        State.MintAttempt++;
        State.RetryAfter = Saga.Now + Options.MintRetryDelay;
        await Saga.SaveAsync();
        return await RequestMintAsync();
    }

    public override async Task UndoAsync()
    {
        // Returned on both chains even when the order has no record of taking it: an outbound leg taken before the inbound
        // leg refused (or a take whose reply was lost) holds capacity too. Returning what was never taken changes nothing.
        await Saga.Bridge(FromChain).ReturnCapacityAsync(TransferId);
        await Saga.Bridge(State.Chain).ReturnCapacityAsync(TransferId);
        State.CapacityTaken = false;
    }
}
