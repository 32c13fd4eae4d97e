using Orleans.Storage;
using Sharemint.Silo.Orders;

namespace Sharemint.Silo.Storage;

/// <summary>
/// The ledger's grain storage: orders in their own <c>order_index</c> rows (<see cref="OrderRowGrainStorage"/>), every
/// other grain in <c>orleans_storage</c> through <paramref name="grains"/>.
/// </summary>
public sealed class OrderRoutedGrainStorage(IGrainStorage grains, OrderRowGrainStorage orders) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        For(stateName, grainId).ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        For(stateName, grainId).WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        For(stateName, grainId).ClearStateAsync(stateName, grainId, grainState);

    private IGrainStorage For(string stateName, GrainId grainId) => OrderRowGrainStorage.Keeps(stateName, grainId) ? orders : grains;
}
