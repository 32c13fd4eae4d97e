using Sharemint.Errors;
using Sharemint.Operations;

namespace Sharemint.Ledger;

/// <summary>
/// The operation ids a grain has applied, each with what it recorded (a fingerprint of the arguments, or an outcome).
/// Lives inside the grain's state so the id is recorded in the same write as the effect (invariant 3). The most recent
/// entries stay here; older ones move to the <see cref="IAppliedOperationArchive"/> (see <see cref="LedgerGrain{TState}"/>).
/// </summary>
[GenerateSerializer, Alias("sharemint.AppliedOperations")]
public sealed class AppliedOperations
{
    /// <summary>Key (an operation id, or a prefixed fact such as <c>settled:{id}</c>) → what was recorded.</summary>
    [Id(0)]
    public Dictionary<string, string> Entries { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How many entries have moved to the archive; when non-zero, a key missing here must be looked up there.</summary>
    [Id(1)]
    public long Archived { get; set; }

    /// <summary>Records a key; call only in the same state write as its effect.</summary>
    public void Record(OperationId operationId, string fingerprint) => Entries[operationId.Value] = fingerprint;

    /// <summary>Records a fact under an arbitrary key (e.g. which mint settled a reservation).</summary>
    public void Record(string key, string value) => Entries[key] = value;

    /// <summary>Throws <see cref="LedgerError.IdempotencyConflict"/> when <paramref name="recorded"/> differs from <paramref name="fingerprint"/>.</summary>
    public static bool Matches(OperationId operationId, string? recorded, string fingerprint) =>
        recorded is null
            ? false
            : recorded == fingerprint
                ? true
                : throw new LedgerException(LedgerError.IdempotencyConflict,
                    $"Operation '{operationId}' was already applied with different arguments ({recorded}); refusing {fingerprint}.");
}

/// <summary>Where applied-operation entries go when a grain's state has enough of them. Written before they leave the state.</summary>
public interface IAppliedOperationArchive
{
    /// <summary>The recorded value for a key of a grain, or null.</summary>
    Task<string?> FindAsync(GrainId grain, string key);

    /// <summary>Every key archived for a grain (any order); what a grain reads once to filter out lookups of new ids.</summary>
    IAsyncEnumerable<string> KeysAsync(GrainId grain);

    /// <summary>Stores entries durably (idempotent: an existing key keeps its first value).</summary>
    Task ArchiveAsync(GrainId grain, IReadOnlyCollection<KeyValuePair<string, string>> entries);
}

/// <summary>State of a grain that records applied operations.</summary>
public interface IRecordsOperations
{
    AppliedOperations Applied { get; }
}
