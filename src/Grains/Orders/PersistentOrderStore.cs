namespace Sharemint.Orders;

/// <summary>The order store over Orleans grain storage (the ledger's PostgreSQL provider, with its etag checks).</summary>
internal sealed class PersistentOrderStore(IPersistentState<OrderState> state) : IOrderStore
{
    public OrderState State
    {
        get => state.State;
        set => state.State = value;
    }

    public bool RecordExists => state.RecordExists;

    public string? Etag => state.Etag;

    public Task ReadAsync() => state.ReadStateAsync();

    public Task WriteAsync() => state.WriteStateAsync();

    public Task ClearAsync() => state.ClearStateAsync();
}
