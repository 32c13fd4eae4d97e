using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharemint.Ledger;
using Sharemint.Market;
using Sharemint.Signers;

namespace Sharemint.Orders;

/// <inheritdoc cref="IOrderGrain"/>
/// <remarks>
/// The Orleans host of one order's saga: it wires the engine (<see cref="OrderSagaEngine"/>) to grain storage, grain
/// references, a grain timer and a reminder, and forwards each call. Orleans runs one call at a time per activation, which
/// is what the engine expects.
/// </remarks>
[GrainType("sharemint.order")]
public sealed class OrderGrain(
    [PersistentState("order", LedgerStorage.Name)] IPersistentState<OrderState> state,
    ILogger<OrderGrain> logger,
    IOptions<OrderOptions> options,
    TimeProvider clock,
    IBroker broker,
    IMarketCalendar calendar,
    IMarketData marketData,
    IOrderIndex index)
    : Grain, IOrderGrain, IRemindable, IOrderDriveScheduler
{
    private const string DriveReminder = "drive";
    private IGrainTimer? _timer;
    private OrderSagaEngine? _engine;

    private OrderSagaEngine Engine => _engine ??= new OrderSagaEngine(
        this.GetPrimaryKeyString(),
        options.Value,
        new OrderSagaPorts(new PersistentOrderStore(state), new GrainOrderPeers(GrainFactory), this, clock, broker, calendar, marketData, index,
            new ProcessCrashSeam(options.Value), logger));

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Engine.Activate();
        await Engine.RepairIndexAsync();
        await base.OnActivateAsync(cancellationToken);
    }

    public Task<OrderSnapshot> PlaceMintAsync(MintOrderRequest request) => Engine.PlaceMintAsync(request);

    public Task<OrderSnapshot> PlaceRedeemAsync(RedeemOrderRequest request) => Engine.PlaceRedeemAsync(request);

    public Task<OrderSnapshot> PlaceTransferAsync(TransferOrderRequest request) => Engine.PlaceTransferAsync(request);

    public Task<OrderSnapshot> PlaceDepositRedemptionAsync(string symbol, string chain, TokenDeposit deposit) =>
        Engine.PlaceDepositRedemptionAsync(symbol, chain, deposit);

    public Task<OrderSnapshot> GetAsync() => Engine.GetAsync();

    public Task<OrderSnapshot?> FindAsync() => Engine.FindAsync();

    public Task<OrderSnapshot> CancelAsync() => Engine.CancelAsync();

    public Task<OrderSnapshot> AdvanceAsync() => Engine.AdvanceAsync();

    public Task OnChainOperationFinalAsync(string operationId) => Engine.OnChainOperationFinalAsync(operationId);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Engine.OnWakeUpAsync();

    void IOrderDriveScheduler.StartTimer(Func<Task> drive, TimeSpan period) =>
        _timer ??= this.RegisterGrainTimer(_ => drive(), new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = period,
            KeepAlive = true,
        });

    void IOrderDriveScheduler.StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    async Task IOrderDriveScheduler.RegisterWakeUpAsync(TimeSpan period) => await this.RegisterOrUpdateReminder(DriveReminder, period, period);

    async Task IOrderDriveScheduler.UnregisterWakeUpAsync()
    {
        var reminder = await this.GetReminder(DriveReminder);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }
}
