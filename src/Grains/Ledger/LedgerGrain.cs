using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sharemint.Operations;

namespace Sharemint.Ledger;

/// <summary>
/// Base for grains that hold money: one persistent state, written once per accepted operation. A failed write reloads
/// the stored state, so the in-memory copy never keeps an effect the database refused (an
/// <see cref="InconsistentStateException"/> means another activation wrote first: re-read and re-decide, never blind retry).
/// For states that record applied operations, once more than <see cref="ArchiveThreshold"/> entries accumulate they are
/// written to the archive and then dropped from the state, so a hot grain's state stays small.
/// </summary>
public abstract class LedgerGrain<TState>(IPersistentState<TState> state, ILogger logger) : Grain
    where TState : class, new()
{
    /// <summary>Entries kept in state before they move to the archive.</summary>
    public const int ArchiveThreshold = 64;

    /// <summary>Above this many archived keys a grain keeps no filter of them in memory (about 4 MB at the limit).</summary>
    private const long MaxFilteredKeys = 2_000_000;

    private IAppliedOperationArchive? _archive;
    // The entries of this activation's last two archiving batches: a key recorded just before it moved (a bridge's
    // finished mint, which its order asks about next) is answered from memory. Safe to keep: a recorded key never
    // changes, and the archive keeps the first value of a key as this does.
    private Dictionary<string, string> _justArchived = new(StringComparer.Ordinal);
    private Dictionary<string, string> _archivedBefore = new(StringComparer.Ordinal);
    private ArchivedKeyFilter? _archivedKeys;
    // The state (etag, archived count) the filter is known complete for.
    private string? _filterEtag;
    private long _filterArchived;

    /// <summary>The grain's state as last written (or being written).</summary>
    protected TState State => state.State;

    /// <summary>The stored version (etag) of the state, as a number for snapshots.</summary>
    protected long StateVersion => long.TryParse(state.Etag, out var version) ? version : 0;

    private AppliedOperations? Applied => (state.State as IRecordsOperations)?.Applied;

    private IAppliedOperationArchive Archive =>
        _archive ??= ServiceProvider.GetRequiredService<IAppliedOperationArchive>();

    /// <summary>
    /// True when <paramref name="operationId"/> was applied with the same arguments (return the current outcome, change
    /// nothing); false when new. Throws <c>IdempotencyConflict</c> when it was applied with other arguments.
    /// </summary>
    protected async ValueTask<bool> WasAppliedAsync(OperationId operationId, string fingerprint) =>
        AppliedOperations.Matches(operationId, await RecallAsync(operationId.Value), fingerprint);

    /// <summary>What was recorded under a key, in the state or the archive; null if nothing.</summary>
    protected async ValueTask<string?> RecallAsync(string key)
    {
        var applied = Applied ?? throw new InvalidOperationException($"{typeof(TState).Name} records no operations.");
        if (applied.Entries.TryGetValue(key, out var recorded))
        {
            return recorded;
        }
        if (applied.Archived == 0)
        {
            return null;
        }
        if (_justArchived.TryGetValue(key, out recorded) || _archivedBefore.TryGetValue(key, out recorded))
        {
            return recorded;
        }
        // Most keys asked for are new operation ids: the filter of archived keys rules them out without a query.
        if (await ArchivedKeysAsync(applied) is { } filter && !filter.MayContain(key))
        {
            return null;
        }
        return await Archive.FindAsync(this.GetGrainId(), key);
    }

    /// <summary>
    /// The filter of this grain's archived keys, valid for the state in memory: built by this activation from the archive
    /// after the state was read, and kept up to date by its own archiving. Any state it did not follow (a reload after a
    /// failed or raced write, another activation's write) has another etag or archived count, and the filter is built
    /// again. Null for a grain with too many archived keys to hold a filter (then every lookup queries).
    /// </summary>
    private async ValueTask<ArchivedKeyFilter?> ArchivedKeysAsync(AppliedOperations applied)
    {
        if (FilterFollows(applied) && !_archivedKeys!.Full)
        {
            return _archivedKeys;
        }
        _archivedKeys = null;
        if (applied.Archived > MaxFilteredKeys)
        {
            return null;
        }
        // Every key counted in applied.Archived was archived before the state that counts it was written (archive first,
        // then forget), so a query made after that state was read sees them all.
        var etag = state.Etag;
        var count = applied.Archived;
        var filter = new ArchivedKeyFilter(count);
        await foreach (var archived in Archive.KeysAsync(this.GetGrainId()))
        {
            filter.Add(archived);
        }
        if (state.Etag != etag || !ReferenceEquals(Applied, applied) || applied.Archived != count)
        {
            return null;
        }
        (_archivedKeys, _filterEtag, _filterArchived) = (filter, etag, count);
        return filter;
    }

    private bool FilterFollows(AppliedOperations applied) =>
        _archivedKeys is not null && _filterEtag == state.Etag && _filterArchived == applied.Archived;

    /// <summary>Drops in-memory changes that were not committed: reads the stored state back.</summary>
    protected Task ReloadAsync() => state.ReadStateAsync();

    /// <summary>Persists the state mutated in memory by the caller; on failure, restores the stored state and rethrows.</summary>
    protected async Task CommitAsync()
    {
        var filterFollows = Applied is { } before && FilterFollows(before);
        try
        {
            await state.WriteStateAsync();
            if (filterFollows)
            {
                // This activation's own write: the filter still covers every archived key.
                _filterEtag = state.Etag;
            }
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

        if (Applied is { Entries.Count: > ArchiveThreshold } applied)
        {
            var moving = applied.Entries.ToArray();
            await ArchiveThenForgetAsync("applied operations", () => Archive.ArchiveAsync(this.GetGrainId(), moving), () =>
            {
                var follows = FilterFollows(applied);
                (_archivedBefore, _justArchived) = (_justArchived, new Dictionary<string, string>(StringComparer.Ordinal));
                foreach (var (key, value) in moving)
                {
                    applied.Entries.Remove(key);
                    if (!_archivedBefore.ContainsKey(key))
                    {
                        _justArchived.TryAdd(key, value);
                    }
                    if (follows)
                    {
                        _archivedKeys!.Add(key);
                    }
                }
                applied.Archived += moving.Length;
                if (follows)
                {
                    _filterArchived = applied.Archived;
                }
            });
        }
        await ArchiveAfterCommitAsync();
    }

    /// <summary>
    /// Runs after each successful <see cref="CommitAsync"/>: where a grain moves other old parts of its state out (with
    /// <see cref="ArchiveThenForgetAsync"/>), as the applied operations are.
    /// </summary>
    protected virtual Task ArchiveAfterCommitAsync() => Task.CompletedTask;

    /// <summary>
    /// Archive first, then forget: <paramref name="forget"/> drops what <paramref name="archive"/> stored from the state in
    /// memory, and it leaves the stored state with the next write; until then it is in both, so the archive must take
    /// a repeat of the same entries without keeping them twice. Call after a commit: the effect is already committed,
    /// so a failed archive must not fail the caller; the entries stay in the state and the next commit tries again.
    /// Returns whether they moved.
    /// </summary>
    protected async Task<bool> ArchiveThenForgetAsync(string what, Func<Task> archive, Action forget)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(forget);
        try
        {
            await archive();
        }
        catch (Exception archiveError)
        {
            logger.LogWarning(archiveError, "Archiving {What} of {GrainId} failed; keeping them in state", what, this.GetGrainId());
            return false;
        }
        forget();
        return true;
    }
}
