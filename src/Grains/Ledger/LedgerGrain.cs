using Microsoft.Extensions.Logging;

namespace Sharemint.Ledger;

/// <summary>
/// Base for grains that hold money: one persistent state, written once per accepted operation. A failed write reloads
/// the stored state, so the in-memory copy never keeps an effect the database refused (an
/// <see cref="InconsistentStateException"/> means another activation wrote first: re-read and re-decide, never blind retry).
/// </summary>
public abstract class LedgerGrain<TState>(IPersistentState<TState> state, ILogger logger) : Grain
    where TState : class, new()
{
    /// <summary>The grain's state as last written (or being written).</summary>
    protected TState State => state.State;

    /// <summary>The stored version (etag) of the state, as a number for snapshots.</summary>
    protected long StateVersion => long.TryParse(state.Etag, out var version) ? version : 0;

    /// <summary>True once the state has been written at least once.</summary>
    protected bool Exists => state.RecordExists;

    /// <summary>Persists the state mutated in memory by the caller; on failure, restores the stored state and rethrows.</summary>
    protected async Task CommitAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception writeError)
        {
            logger.LogWarning(writeError, "State write of {GrainId} failed; reloading stored state", this.GetGrainId());
            try
            {
                await state.ReadStateAsync();
            }
            catch (Exception readError)
            {
                // Memory may now hold an unwritten effect: drop this activation so the next call starts from storage.
                logger.LogError(readError, "Reloading {GrainId} failed; deactivating", this.GetGrainId());
                DeactivateOnIdle();
            }
            throw;
        }
    }
}
