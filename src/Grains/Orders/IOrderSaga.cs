using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Operations;

namespace Sharemint.Orders;

/// <summary>
/// What the saga engine (<see cref="OrderSagaEngine"/>) offers a flow: the stored order, its operation ids, the grains it
/// talks to, and the bookkeeping every step shares (the step log, saving, waiting, failing, holding, settling).
/// A flow never saves state by other means and never keeps its own copy of it.
/// </summary>
internal interface IOrderSaga
{
    OrderState State { get; }

    /// <summary>The operation id of one step of this order: <c>{order}/{step}</c>.</summary>
    OperationId Op(string step);

    IAssetGrain Asset { get; }

    IHolderAccountGrain Account { get; }

    IChainBridgeGrain Bridge(string chain);

    DateTimeOffset Now { get; }

    /// <summary>Appends to the step log (saved with the next <see cref="SaveAsync"/>).</summary>
    void Record(string name, OperationId operationId, string outcome, string? detail);

    void AddTransaction(string? transactionId);

    /// <summary>Writes the order (and its index row when the status changed).</summary>
    Task SaveAsync();

    /// <summary>Records why the order waits, once per reason; false (stop for now).</summary>
    Task<bool> WaitAsync(string step, string reason, OrderStatus? status = null);

    /// <summary>Records a definitive refusal and moves to compensation.</summary>
    Task<bool> FailAsync(string code, string message);

    /// <summary>Parks the order for an operator (deposits that cannot be redeemed).</summary>
    Task<bool> HoldAsync(string code, string message);

    /// <summary>Records the last step and settles the order.</summary>
    Task<bool> SettleAsync(string name, OperationId operationId, string? detail);

    /// <summary>Crash tests only: stops the process hard at a named point of this order's flow.</summary>
    void Crash(string point);
}
