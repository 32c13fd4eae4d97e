using System.Runtime.CompilerServices;
using Orleans.Storage;

namespace Sharemint.Silo.Storage;

/// <summary>
/// Wraps the ADO.NET grain storage so that fields a newer build wrote survive this build's writes. On a read it keeps the
/// row's unknown fields and state version (found by <see cref="GrainStateJsonSerializer"/>) beside the activation's
/// <see cref="IGrainState{T}"/>; on each write of that activation it hands them back to the serializer, which merges them
/// into the row. Keyed by the grain state object, which lives exactly as long as the activation, so nothing outlives it.
/// </summary>
public sealed class VersionTolerantGrainStorage(IGrainStorage inner) : IGrainStorage
{
    /// <summary>The name the wrapped ADO.NET provider is registered under (rows do not depend on a provider's name).</summary>
    public const string InnerName = "sharemint-adonet";

    private readonly ConditionalWeakTable<object, StoredRowScope> _rows = new();

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var scope = new StoredRowScope();
        StoredRowScope.Enter(scope);
        await inner.ReadStateAsync(stateName, grainId, grainState);
        Remember(grainState, scope);
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // The activation's own scope: after the write it describes the row as written (same unknown fields, same version).
        StoredRowScope.Enter(_rows.TryGetValue(grainState, out var scope) ? scope : null);
        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        StoredRowScope.Enter(null);
        await inner.ClearStateAsync(stateName, grainId, grainState);
        _rows.Remove(grainState);
    }

    private void Remember(object grainState, StoredRowScope scope)
    {
        if (scope.Unknown is null && scope.StoredVersion <= GrainStateJsonSerializer.StateVersion)
        {
            _rows.Remove(grainState);
            return;
        }
        _rows.AddOrUpdate(grainState, scope);
    }
}
