using Sharemint.Bridges;
using Sharemint.Operations;
using Sharemint.Units;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>Issue 11 behaviour 12 (bridge part): rate-limit buckets cannot overflow, whatever the idle time or rate.</summary>
[Collection(SignerCollection.Name)]
public sealed class RateBucketTests(SignerFixture fixture)
{
    [Fact]
    public void A_bucket_idle_for_centuries_at_the_highest_rate_refills_to_capacity_without_overflow()
    {
        var now = DateTimeOffset.UtcNow;
        var bucket = new RateBucket
        {
            Capacity = CanonicalAmount.FromUnits(long.MaxValue - 1),
            RefillPerSecond = CanonicalAmount.FromUnits(long.MaxValue / 3),
            Level = CanonicalAmount.FromUnits(5),
            UpdatedAt = DateTimeOffset.UnixEpoch,
        };
        RateBuckets.Refill(bucket, now);
        Assert.Equal(bucket.Capacity, bucket.Level);
        Assert.Equal(now, bucket.UpdatedAt);

        RateBuckets.Give(bucket, CanonicalAmount.FromUnits(long.MaxValue / 2));
        Assert.Equal(bucket.Capacity, bucket.Level);

        // Partial refill keeps the fraction of a second it did not pay for.
        var slow = new RateBucket { Capacity = Tokens(10m), RefillPerSecond = Tokens(1m), Level = Tokens(2m), UpdatedAt = now };
        RateBuckets.Refill(slow, now.AddSeconds(3.5));
        Assert.Equal(Tokens(5m), slow.Level);
        Assert.Equal(now.AddSeconds(3), slow.UpdatedAt);
        RateBuckets.Refill(slow, now.AddSeconds(1));
        Assert.Equal(Tokens(5m), slow.Level);
    }

    [Fact]
    public async Task A_deployment_with_a_huge_refill_rate_keeps_taking_capacity_after_an_idle_period()
    {
        var deployment = await Deployment.CreateAsync(fixture, "evm-a");
        // Two idle seconds at this rate are more units than a long holds.
        var limit = new RateLimit(Tokens(1000m), CanonicalAmount.FromUnits(long.MaxValue / 2 + 1), Tokens(1000m));
        await deployment.Bridge.SetRateLimitsAsync(OperationId.New("limits"), limit, limit);
        Assert.True(await deployment.Bridge.TakeCapacityAsync(OperationId.New("t"), TransferDirection.Outbound, Tokens(600m)));

        await Task.Delay(TimeSpan.FromSeconds(2.2));
        Assert.True(await deployment.Bridge.TakeCapacityAsync(OperationId.New("t"), TransferDirection.Outbound, Tokens(900m)));
        Assert.Equal(Tokens(100m), (await deployment.Bridge.GetAsync()).OutboundLimit!.Available);
    }
}
