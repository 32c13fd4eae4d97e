using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Operations;

namespace Sharemint.Orders;

/// <summary>
/// One kind of order as a step table: <see cref="Step"/> names the step for each stage, top to bottom. The chain steps
/// that mints and moves share (queue a mint, wait for it) and that redemptions and moves share (request a burn, wait for
/// it) live here once. Every remote call runs under an operation id derived from the order id, so asking again after an
/// unknown outcome (timeout, crash) repeats nothing.
/// </summary>
internal abstract class OrderFlow(IOrderSaga saga, OrderOptions options)
{
    protected IOrderSaga Saga { get; } = saga;
    protected OrderOptions Options { get; } = options;
    protected OrderState State => Saga.State;
    protected string Kind => State.Kind.ToString().ToLowerInvariant();

    protected OperationId BurnOp => Saga.Op("burn");
    protected OperationId MintOp => Saga.Op(State.MintAttempt == 0 ? "mint" : $"mint-{State.MintAttempt}");

    /// <summary>The step to take in <paramref name="stage"/>; null when this kind has none there.</summary>
    public abstract Func<Task<bool>>? Step(OrderStage stage);

    /// <summary>Releases whatever the order still holds (reservation, cash hold, capacity). Idempotent.</summary>
    public virtual Task UndoAsync() => Task.CompletedTask;

    /// <summary>What the destination mint is backed by (a reservation for mints, the burn for moves).</summary>
    protected abstract ChainMintRequest MintRequest();

    /// <summary>Reported by the bridge: the mint failed for good under the current operation id.</summary>
    protected abstract Task<bool> MintFailedAsync(ChainOperationProgress progress);

    /// <summary>Reported by the bridge: the mint is final on chain.</summary>
    protected abstract Task<bool> MintedAsync(ChainOperationProgress progress);

    /// <summary>Reported by the bridge: the burn is final on chain.</summary>
    protected virtual Task<bool> BurnedAsync(ChainOperationProgress progress) => Task.FromResult(false);

    /// <summary>The burn's arguments: which chain, whose wallet (null for a deposit held by the issuer), why.</summary>
    protected virtual (string Chain, string? HolderWallet, BurnPurpose Purpose) BurnRequest() => throw new InvalidOperationException("no burn in this flow");

    protected async Task<bool> RequestMintAsync()
    {
        if (State.Stage != OrderStage.Minting)
        {
            // The stage is durable before the bridge hears of the mint (AwaitMintAsync asks again for a mint the bridge
            // never heard of), so the queued mint itself needs no write of its own.
            State.Stage = OrderStage.Minting;
            await Saga.SaveAsync();
        }
        try
        {
            await Saga.Bridge(State.Chain).RequestMintAsync(MintOp, MintRequest());
        }
        catch (LedgerException error) when (error.Error is LedgerError.ChainPaused or LedgerError.AssetPaused)
        {
            return await Saga.WaitAsync("mint", error.Message);
        }
        Saga.Record("mint-queued", MintOp, "ok", State.Chain);
        Saga.Crash($"{Kind}.mint-queued");
        return true;
    }

    protected async Task<bool> AwaitMintAsync()
    {
        ChainOperationProgress progress;
        try
        {
            progress = await Saga.Bridge(State.Chain).GetMintProgressAsync(MintOp);
        }
        catch (LedgerException error) when (error.Error == LedgerError.InvalidArgument)
        {
            // The stage was saved but the request never reached the bridge (crash in between): ask again.
            return await RequestMintAsync();
        }
        switch (progress.State)
        {
            case ChainOperationState.Recorded:
                Saga.AddTransaction(progress.TransactionId);
                return await MintedAsync(progress);
            case ChainOperationState.Failed:
                return await MintFailedAsync(progress);
            default:
                return false;
        }
    }

    protected async Task<bool> RequestBurnAsync()
    {
        var (chain, holderWallet, purpose) = BurnRequest();
        if (State.Stage != OrderStage.Burning)
        {
            // The intent is durable before the bridge hears of it: once a burn may exist the order can no longer be
            // cancelled or failed on an unknown outcome, only driven until the bridge reports the burn's fate.
            State.Stage = OrderStage.Burning;
            State.Status = OrderStatus.InProgress;
            Saga.Record("burn-requested", BurnOp, "ok", chain);
            await Saga.SaveAsync();
        }
        try
        {
            await Saga.Bridge(chain).RequestBurnAsync(BurnOp, new ChainBurnRequest(purpose, holderWallet, State.Amount));
        }
        catch (LedgerException error) when (error.Error is LedgerError.ChainPaused or LedgerError.AssetPaused)
        {
            return await Saga.WaitAsync("burn", error.Message);
        }
        catch (LedgerException error) when (error.Error != LedgerError.ChainUnavailable)
        {
            // A definitive refusal (no allowance, not enough supply): the bridge holds no burn under this id.
            return State.FromDeposit ? await Saga.HoldAsync(error.Code, error.Message) : await Saga.FailAsync(error.Code, error.Message);
        }
        Saga.Crash($"{Kind}.burn-submitted");
        return true;
    }

    protected async Task<bool> AwaitBurnAsync()
    {
        var chain = BurnRequest().Chain;
        ChainOperationProgress progress;
        try
        {
            progress = await Saga.Bridge(chain).GetBurnProgressAsync(BurnOp);
        }
        catch (LedgerException error) when (error.Error == LedgerError.InvalidArgument)
        {
            // The intent was saved but the request never reached the bridge, or its reply was lost: ask again under the
            // same operation id (the bridge answers a request it already holds with its progress).
            return await RequestBurnAsync();
        }
        switch (progress.State)
        {
            case ChainOperationState.Recorded:
                Saga.AddTransaction(progress.TransactionId);
                Saga.Record("burned", BurnOp, "ok", progress.TransactionId);
                return await BurnedAsync(progress);
            case ChainOperationState.Failed:
                var message = $"Burn failed on {chain}: {progress.FailureMessage}";
                return State.FromDeposit
                    ? await Saga.HoldAsync(progress.FailureCode ?? "chain_write_failed", message)
                    : await Saga.FailAsync(progress.FailureCode ?? "chain_write_failed", message);
            default:
                return false;
        }
    }
}
