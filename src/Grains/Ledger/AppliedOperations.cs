using Sharemint.Errors;
using Sharemint.Operations;

namespace Sharemint.Ledger;

/// <summary>
/// The operation ids a grain has applied, each with a fingerprint of its arguments. Lives inside the grain's state so
/// the id is recorded in the same write as the effect (invariant 3).
/// </summary>
[GenerateSerializer, Alias("sharemint.AppliedOperations")]
public sealed class AppliedOperations
{
    /// <summary>Operation id → fingerprint of the arguments it was applied with.</summary>
    [Id(0)]
    public Dictionary<string, string> Entries { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// True when <paramref name="operationId"/> was already applied with the same arguments (the caller returns the
    /// current outcome without changing anything); false when it is new.
    /// </summary>
    /// <exception cref="LedgerException"><see cref="LedgerError.IdempotencyConflict"/> when it was applied with other arguments.</exception>
    public bool WasApplied(OperationId operationId, string fingerprint)
    {
        if (!Entries.TryGetValue(operationId.Value, out var recorded))
        {
            return false;
        }
        return recorded == fingerprint
            ? true
            : throw new LedgerException(LedgerError.IdempotencyConflict,
                $"Operation '{operationId}' was already applied with different arguments ({recorded}); refusing {fingerprint}.");
    }

    /// <summary>Records an operation; call only in the same state write as its effect.</summary>
    public void Record(OperationId operationId, string fingerprint) => Entries[operationId.Value] = fingerprint;
}
