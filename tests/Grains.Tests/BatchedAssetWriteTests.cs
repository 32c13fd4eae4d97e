using Sharemint.Assets;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Grains.Tests.LedgerSetup;

namespace Sharemint.Grains.Tests;

/// <summary>The asset's batched writes: purchase + reservation in one write, and a chain batch of settlements in one.</summary>
[Collection(LedgerClusterCollection.Name)]
public sealed class BatchedAssetWriteTests(LedgerClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task Purchase_and_reservation_land_in_one_write_and_replay_changes_nothing()
    {
        var symbol = $"P{Guid.NewGuid():N}"[..8] + "x";
        var asset = await AssetWithCustodyAsync(_grains, symbol, 0m);
        var before = await asset.GetAsync();
        var reservation = Op("reserve");
        var custody = Op("custody-in");

        var reserved = await asset.ReserveWithPurchaseAsync(reservation, "solana", CanonicalAmount.FromTokens(2m), custody, 2m);
        var after = await asset.GetAsync();
        Assert.Equal(2m, reserved.Shares);
        Assert.Equal(2m, after.CustodyShares);
        Assert.Equal(2m, after.ReservedShares);
        Assert.Equal(before.Version + 1, after.Version);

        await asset.ReserveWithPurchaseAsync(reservation, "solana", CanonicalAmount.FromTokens(2m), custody, 2m);
        Assert.Equal(after, await asset.GetAsync());
    }

    [Fact]
    public async Task A_refused_reservation_still_keeps_the_bought_shares()
    {
        var symbol = $"R{Guid.NewGuid():N}"[..8] + "x";
        var asset = await AssetWithCustodyAsync(_grains, symbol, 0m);
        var error = await Assert.ThrowsAsync<LedgerException>(() =>
            asset.ReserveWithPurchaseAsync(Op("reserve"), "solana", CanonicalAmount.FromTokens(3m), Op("custody-in"), 1m));
        Assert.Equal(LedgerError.InsufficientBacking, error.Error);
        var after = await asset.GetAsync();
        Assert.Equal(1m, after.CustodyShares);
        Assert.Equal(0m, after.ReservedShares);
    }

    [Fact]
    public async Task A_batch_of_settlements_is_one_write_and_all_or_nothing()
    {
        var symbol = $"S{Guid.NewGuid():N}"[..8] + "x";
        var asset = await AssetWithCustodyAsync(_grains, symbol, 10m);
        var first = await asset.ReserveCustodyAsync(Op("r1"), "base", CanonicalAmount.FromTokens(1m));
        var second = await asset.ReserveCustodyAsync(Op("r2"), "base", CanonicalAmount.FromTokens(2m));
        var before = await asset.GetAsync();

        // A bad item (wrong amount) refuses the whole batch: the good one is not settled either.
        var bad = await Assert.ThrowsAsync<LedgerException>(() => asset.SettleReservationsAsync(
        [
            new ReservationSettlement(first.ReservationId, "m1", "base", CanonicalAmount.FromTokens(1m)),
            new ReservationSettlement(second.ReservationId, "m2", "base", CanonicalAmount.FromTokens(5m)),
        ]));
        Assert.Equal(LedgerError.IdempotencyConflict, bad.Error);
        Assert.Equal(before, await asset.GetAsync());

        ReservationSettlement[] batch =
        [
            new(first.ReservationId, "m1", "base", CanonicalAmount.FromTokens(1m)),
            new(second.ReservationId, "m2", "base", CanonicalAmount.FromTokens(2m)),
        ];
        var settled = await asset.SettleReservationsAsync(batch);
        Assert.Equal(CanonicalAmount.FromTokens(3m), settled.Issued);
        Assert.Equal(0m, settled.ReservedShares);
        Assert.Equal(before.Version + 1, settled.Version);
        Assert.Equal(settled, await asset.SettleReservationsAsync(batch));

        // One reservation backs one mint: settling it again for another mint is refused.
        var reuse = await Assert.ThrowsAsync<LedgerException>(() => asset.SettleReservationsAsync(
            [new ReservationSettlement(first.ReservationId, "m3", "base", CanonicalAmount.FromTokens(1m))]));
        Assert.Equal(LedgerError.IdempotencyConflict, reuse.Error);
    }
}
