using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Bridges;

/// <summary>The move rate limits of a deployment (the bucket arithmetic lives in <see cref="RateBuckets"/>).</summary>
public sealed partial class ChainBridgeGrain
{
    public async Task<DeploymentSnapshot> SetRateLimitsAsync(OperationId operationId, RateLimit? outbound, RateLimit? inbound)
    {
        RequireConfigured();
        var fingerprint = $"limits|{outbound?.Capacity.Units}|{outbound?.RefillPerSecond.Units}|{inbound?.Capacity.Units}|{inbound?.RefillPerSecond.Units}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        foreach (var limit in new[] { outbound, inbound })
        {
            if (limit is not null && (limit.Capacity.Units <= 0 || limit.RefillPerSecond.Units < 0))
            {
                throw new LedgerException(LedgerError.InvalidAmount, "A rate limit needs a positive capacity and a non-negative refill rate.");
            }
        }
        var now = clock.GetUtcNow();
        State.Outbound = outbound is null ? null : new RateBucket { Capacity = outbound.Capacity, RefillPerSecond = outbound.RefillPerSecond, Level = outbound.Capacity, UpdatedAt = now };
        State.Inbound = inbound is null ? null : new RateBucket { Capacity = inbound.Capacity, RefillPerSecond = inbound.RefillPerSecond, Level = inbound.Capacity, UpdatedAt = now };
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<bool> TakeCapacityAsync(OperationId transferId, TransferDirection direction, CanonicalAmount amount)
    {
        RequireConfigured();
        LedgerValidation.RequirePositive(amount, "Move amount");
        if (State.Taken.TryGetValue(transferId.Value, out var taken))
        {
            return taken.Direction == direction && taken.Amount == amount
                ? true
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Transfer '{transferId}' took other capacity.");
        }
        var bucket = direction == TransferDirection.Outbound ? State.Outbound : State.Inbound;
        if (bucket is not null)
        {
            RateBuckets.Refill(bucket, clock.GetUtcNow());
            if (amount > bucket.Capacity)
            {
                throw new LedgerException(LedgerError.RateLimited,
                    $"{amount} exceeds the {direction.ToString().ToLowerInvariant()} capacity of {this.GetPrimaryKeyString()} ({bucket.Capacity}); it can never pass.");
            }
            if (amount > bucket.Level)
            {
                return false;
            }
            bucket.Level -= amount;
        }
        State.Taken[transferId.Value] = new TakenCapacity(direction, amount);
        await CommitAsync();
        return true;
    }

    public async Task ReturnCapacityAsync(OperationId transferId)
    {
        if (!State.Taken.Remove(transferId.Value, out var taken))
        {
            return;
        }
        var bucket = taken.Direction == TransferDirection.Outbound ? State.Outbound : State.Inbound;
        if (bucket is not null)
        {
            RateBuckets.Refill(bucket, clock.GetUtcNow());
            RateBuckets.Give(bucket, taken.Amount);
        }
        await CommitAsync();
    }
}
