using System.Collections.Concurrent;

namespace Sharemint.Chains.Evm;

/// <summary>
/// One signed attempt of an operation, persisted before broadcast. Attempts of one operation share the nonce unless the
/// nonce was provably consumed by another transaction, in which case a later attempt carries a new nonce.
/// </summary>
public sealed record SignedEvmTransaction(
    string OperationKey,
    ulong ChainId,
    EvmAddress From,
    ulong Nonce,
    int Attempt,
    Hash32 Hash,
    byte[] Raw,
    EvmAddress? To,
    UInt256 Value,
    byte[] Data,
    ulong GasLimit,
    UInt256 MaxFeePerGas,
    UInt256 MaxPriorityFeePerGas,
    DateTimeOffset SignedAt);

/// <summary>
/// Durable write-ahead log of signed transactions, supplied by the caller (the platform's chain signer grain; in tests
/// <see cref="InMemorySignedTransactionStore"/>). The sender calls <see cref="SaveAsync"/> and waits for it before any
/// broadcast, so that a crash can never leave a broadcast transaction the platform does not know about.
/// </summary>
public interface ISignedTransactionStore
{
    /// <summary>
    /// Persists an attempt. Must be durable when the task completes. Saving the same (chain, operation key, attempt) again
    /// with the same hash is a no-op; with a different hash it must throw (two different transactions for one attempt).
    /// </summary>
    Task SaveAsync(SignedEvmTransaction transaction, CancellationToken cancellationToken);

    /// <summary>All attempts persisted for an operation on a chain, in attempt order; empty when none.</summary>
    Task<IReadOnlyList<SignedEvmTransaction>> GetAttemptsAsync(ulong chainId, string operationKey, CancellationToken cancellationToken);
}

/// <summary>Process-local <see cref="ISignedTransactionStore"/> for tests and tools. Thread-safe; not durable.</summary>
public sealed class InMemorySignedTransactionStore : ISignedTransactionStore
{
    private readonly ConcurrentDictionary<(ulong ChainId, string Key), List<SignedEvmTransaction>> _attempts = new();

    /// <summary>Every attempt saved so far, across operations.</summary>
    public IReadOnlyList<SignedEvmTransaction> All
    {
        get
        {
            var all = new List<SignedEvmTransaction>();
            foreach (var list in _attempts.Values)
            {
                lock (list) all.AddRange(list);
            }
            return all;
        }
    }

    public Task SaveAsync(SignedEvmTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var list = _attempts.GetOrAdd((transaction.ChainId, transaction.OperationKey), _ => []);
        lock (list)
        {
            var existing = list.Find(t => t.Attempt == transaction.Attempt);
            if (existing is not null)
            {
                if (existing.Hash != transaction.Hash)
                    throw new InvalidOperationException($"attempt {transaction.Attempt} of '{transaction.OperationKey}' already saved with another hash");
                return Task.CompletedTask;
            }
            list.Add(transaction);
            list.Sort((a, b) => a.Attempt.CompareTo(b.Attempt));
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SignedEvmTransaction>> GetAttemptsAsync(ulong chainId, string operationKey, CancellationToken cancellationToken)
    {
        if (!_attempts.TryGetValue((chainId, operationKey), out var list)) return Task.FromResult<IReadOnlyList<SignedEvmTransaction>>([]);
        lock (list) return Task.FromResult<IReadOnlyList<SignedEvmTransaction>>(list.ToList());
    }
}
