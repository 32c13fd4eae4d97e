using System.Collections.Concurrent;

namespace Sharemint.Chains.Solana;

/// <summary>Where a write-ahead record stands.</summary>
public enum SignedTransactionState
{
    /// <summary>Signed and persisted; may or may not have reached the cluster.</summary>
    Pending,
    /// <summary>Landed without error and reached the requested commitment.</summary>
    Succeeded,
    /// <summary>Landed with an error (fee paid, no effect). Final for this operation.</summary>
    Failed,
}

/// <summary>
/// The write-ahead record of one operation: the exact bytes last signed, their blockhash and
/// lifetime, and the signatures of earlier attempts that were proven unable to land.
/// </summary>
public sealed record SignedTransactionRecord(
    string OperationId,
    int Attempt,
    string Signature,
    byte[] WireTransaction,
    string Blockhash,
    ulong LastValidBlockHeight,
    string IntentHash,
    IReadOnlyList<string> AbandonedSignatures,
    SignedTransactionState State,
    ulong? Slot,
    string? ErrorJson);

/// <summary>
/// Durable storage for write-ahead records, supplied by the caller (the platform keeps it in grain
/// state / PostgreSQL). <see cref="SaveAsync"/> must be durable when its task completes: the sender
/// broadcasts only after it returns.
/// </summary>
public interface ISignedTransactionStore
{
    /// <summary>The record for an operation, or null.</summary>
    Task<SignedTransactionRecord?> GetAsync(string operationId, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the record for its operation id.</summary>
    Task SaveAsync(SignedTransactionRecord record, CancellationToken cancellationToken);
}

/// <summary>A process-local store (tests, tools). Not durable across restarts.</summary>
public sealed class InMemorySignedTransactionStore : ISignedTransactionStore
{
    private readonly ConcurrentDictionary<string, SignedTransactionRecord> _records = new();

    /// <summary>All records (a snapshot).</summary>
    public IReadOnlyCollection<SignedTransactionRecord> Records => _records.Values.ToList();

    /// <inheritdoc/>
    public Task<SignedTransactionRecord?> GetAsync(string operationId, CancellationToken cancellationToken) =>
        Task.FromResult(_records.TryGetValue(operationId, out var r) ? r : null);

    /// <inheritdoc/>
    public Task SaveAsync(SignedTransactionRecord record, CancellationToken cancellationToken)
    {
        _records[record.OperationId] = record;
        return Task.CompletedTask;
    }
}
