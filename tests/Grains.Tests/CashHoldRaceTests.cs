using Sharemint.Accounts;
using Sharemint.Errors;
using static Sharemint.Grains.Tests.LedgerSetup;

namespace Sharemint.Grains.Tests;

/// <summary>
/// A hold's release can overtake the hold itself (a second activation of the order cancels it while the hold is in
/// transit, or a stale one re-asserts the hold after the cancel). The account closes the hold's id either way, so a hold
/// that arrives after its release is refused and takes no cash.
/// </summary>
[Collection(LedgerClusterCollection.Name)]
public sealed class CashHoldRaceTests(LedgerClusterFixture fixture)
{
    private static async Task<LedgerError> Refused(Func<Task> action) => (await Assert.ThrowsAsync<LedgerException>(action)).Error;

    [Fact]
    public async Task Releasing_a_hold_never_made_closes_its_id_so_a_late_hold_takes_no_cash()
    {
        var accountId = $"hold-race-{Guid.NewGuid():N}"[..24];
        var account = await ApprovedPartnerAsync(fixture.Grains, accountId, 1_000m);
        var payment = new MintPayment("TSLAx", "solana", SolanaWalletOf(accountId), 50m);
        var holdId = Op("order").Step("hold");

        var released = await account.ReleaseHoldAsync(holdId);
        Assert.Equal((1_000m, 0m, 0m), (released.CashBalance, released.CashHeld, released.SpentToday));
        Assert.Equal(released, await account.ReleaseHoldAsync(holdId));

        Assert.Equal(LedgerError.IdempotencyConflict, await Refused(() => account.HoldCashForMintAsync(holdId, payment)));
        Assert.Equal(LedgerError.IdempotencyConflict, await Refused(() => account.CaptureHoldAsync(holdId)));
        Assert.Equal(released, await account.GetAsync());
        // No cash moved, so the journal shows the opening credit only.
        var journal = await account.GetCashJournalAsync(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, 0, 10);
        Assert.Equal([CashEntryKind.Credit], journal.Entries.Select(e => e.Kind));

        // A hold made and then released still answers a repeat of itself with the ledger as it is, as before.
        var madeId = Op("order").Step("hold");
        await account.HoldCashForMintAsync(madeId, payment);
        await account.ReleaseHoldAsync(madeId);
        var repeated = await account.HoldCashForMintAsync(madeId, payment);
        Assert.Equal((1_000m, 0m), (repeated.CashBalance, repeated.CashHeld));
    }
}
