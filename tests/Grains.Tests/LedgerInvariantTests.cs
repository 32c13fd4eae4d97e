using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Operations;
using Sharemint.Units;
using static Sharemint.Grains.Tests.LedgerSetup;

namespace Sharemint.Grains.Tests;

/// <summary>Invariants 1 (backing), 2 (conservation) and 3 (exactly once) under concurrency and retries.</summary>
[Collection(LedgerClusterCollection.Name)]
public sealed class LedgerInvariantTests(LedgerClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    [Fact]
    public async Task A_duplicated_operation_id_is_applied_once()
    {
        var asset = await AssetWithCustodyAsync(_grains, "ONCEx", 1000m);
        var account = await ApprovedPartnerAsync(_grains, "once-partner", 0m);
        var credit = Op("credit");
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => account.CreditCashAsync(credit, 100m)));
        Assert.Equal(100m, (await account.GetAsync()).CashBalance);

        var order = Op("order");
        var amount = CanonicalAmount.FromTokens(5m);
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await MintAsync(_grains, "ONCEx", "solana", amount, order);
        }
        var bridge = _grains.GetGrain<IChainBridgeGrain>("ONCEx/solana");
        Assert.Equal(amount, (await bridge.GetAsync()).Supply);
        Assert.Equal(amount, (await asset.GetAsync()).Issued);

        var burn = Op("burn");
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => bridge.RecordBurnAsync(burn, CanonicalAmount.FromTokens(2m))));
        Assert.Equal(CanonicalAmount.FromTokens(3m), (await bridge.GetAsync()).Supply);
        Assert.Equal(CanonicalAmount.FromTokens(3m), (await asset.GetAsync()).Issued);
    }

    [Fact]
    public async Task Operation_ids_stay_remembered_after_they_leave_the_state_for_the_archive()
    {
        var account = await ApprovedPartnerAsync(_grains, "archive-partner", 0m);
        var first = Op("early");
        await account.CreditCashAsync(first, 1m);
        for (var i = 0; i < 3 * Ledger.LedgerGrain<Accounts.HolderAccountState>.ArchiveThreshold; i++)
        {
            await account.CreditCashAsync(Op("later"), 1m);
        }
        var balance = (await account.GetAsync()).CashBalance;
        Assert.Equal(1m + 3 * Ledger.LedgerGrain<Accounts.HolderAccountState>.ArchiveThreshold, balance);

        // The early id is long gone from the grain's state, yet a replay is still recognised...
        await account.CreditCashAsync(first, 1m);
        Assert.Equal(balance, (await account.GetAsync()).CashBalance);
        // ...and a reuse with other arguments still refused.
        var conflict = await Assert.ThrowsAsync<LedgerException>(() => account.CreditCashAsync(first, 2m));
        Assert.Equal(LedgerError.IdempotencyConflict, conflict.Error);

        await using var connection = new Npgsql.NpgsqlConnection(fixture.Ledger.ConnectionString);
        await connection.OpenAsync();
        await using var size = new Npgsql.NpgsqlCommand(
            "SELECT jsonb_array_length(jsonb_path_query_array(state, '$.applied.entries.keyvalue()')) FROM grain_state WHERE grain_type = 'account' AND grain_key = 'archive-partner'", connection);
        Assert.True((int)(await size.ExecuteScalarAsync())! <= Ledger.LedgerGrain<Accounts.HolderAccountState>.ArchiveThreshold + 1);
    }

    [Fact]
    public async Task One_reservation_backs_one_mint_only()
    {
        await AssetWithCustodyAsync(_grains, "ONEx", 100m);
        var reservation = Op("reservation");
        var amount = CanonicalAmount.FromTokens(1m);
        await _grains.GetGrain<IAssetGrain>("ONEx").ReserveCustodyAsync(reservation, "base", amount);
        await _grains.GetGrain<IChainBridgeGrain>("ONEx/base").RecordMintAsync(Op("first"), reservation, amount);

        // The same reservation used again under a different mint id, on the same or another chain: refused.
        var again = await Assert.ThrowsAsync<LedgerException>(() =>
            _grains.GetGrain<IChainBridgeGrain>("ONEx/base").RecordMintAsync(Op("second"), reservation, amount));
        Assert.Equal(LedgerError.IdempotencyConflict, again.Error);
        var elsewhere = await Assert.ThrowsAsync<LedgerException>(() =>
            _grains.GetGrain<IChainBridgeGrain>("ONEx/ethereum").RecordMintAsync(Op("third"), reservation, amount));
        Assert.Equal(LedgerError.IdempotencyConflict, elsewhere.Error);
        Assert.Equal(amount, (await _grains.GetGrain<IAssetGrain>("ONEx").GetAsync()).Issued);
    }

    [Fact]
    public async Task A_mint_interrupted_between_asset_and_bridge_completes_once_on_retry()
    {
        var asset = await AssetWithCustodyAsync(_grains, "HEALx", 100m);
        var order = Op("order");
        var amount = CanonicalAmount.FromTokens(7m);
        await asset.ReserveCustodyAsync(order.Step("reserve"), "ethereum", amount);
        // The bridge got as far as settling on the asset, then its process died before writing its own state.
        await asset.SettleReservationAsync(order.Step("reserve"), order.Step("mint"), "ethereum", amount);
        var bridge = _grains.GetGrain<IChainBridgeGrain>("HEALx/ethereum");
        Assert.True((await bridge.GetAsync()).Supply.IsZero);
        Assert.Equal(amount, (await asset.GetAsync()).Issued);

        // The saga retries the whole step under the same ids.
        await bridge.RecordMintAsync(order.Step("mint"), order.Step("reserve"), amount);
        await bridge.RecordMintAsync(order.Step("mint"), order.Step("reserve"), amount);
        Assert.Equal(amount, (await bridge.GetAsync()).Supply);
        Assert.Equal(amount, (await asset.GetAsync()).Issued);
    }

    [Fact]
    public async Task Many_partners_minting_and_redeeming_concurrently_keep_backing_and_conservation()
    {
        const string symbol = "CONCx";
        const int partners = 16;
        const int opsPerPartner = 12;
        var asset = await AssetWithCustodyAsync(_grains, symbol, 5_000m);

        var minted = new long[LedgerSetup.Chains.Length];
        var burned = new long[LedgerSetup.Chains.Length];
        var refused = 0;

        async Task Partner(int p)
        {
            var random = new Random(p);
            var mine = new List<(int Chain, long Units)>();
            for (var i = 0; i < opsPerPartner; i++)
            {
                if (mine.Count > 0 && random.Next(3) == 0)
                {
                    var (chain, units) = mine[^1];
                    mine.RemoveAt(mine.Count - 1);
                    var bridge = _grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, LedgerSetup.Chains[chain]));
                    await bridge.RecordBurnAsync(OperationId.From($"burn-{p}-{i}"), CanonicalAmount.FromUnits(units));
                    Interlocked.Add(ref burned[chain], units);
                }
                else
                {
                    var chain = random.Next(LedgerSetup.Chains.Length);
                    var units = random.NextInt64(1, 60) * CanonicalAmount.UnitsPerToken + random.Next(0, 99_999_999);
                    try
                    {
                        await MintAsync(_grains, symbol, LedgerSetup.Chains[chain], CanonicalAmount.FromUnits(units), OperationId.From($"mint-{p}-{i}"));
                        Interlocked.Add(ref minted[chain], units);
                        mine.Add((chain, units));
                    }
                    catch (LedgerException ex) when (ex.Error == LedgerError.InsufficientBacking)
                    {
                        Interlocked.Increment(ref refused);
                    }
                }

                // Readers may observe at any moment: backing must hold then too (invariant 1).
                var seen = await asset.GetAsync();
                Assert.True(seen.CustodyShares >= seen.ReservedShares + seen.BackingShares,
                    $"unbacked: custody {seen.CustodyShares} < reserved {seen.ReservedShares} + backing {seen.BackingShares}");
            }
        }

        await Task.WhenAll(Enumerable.Range(0, partners).Select(Partner));

        var snapshot = await asset.GetAsync();
        long supplySum = 0;
        for (var c = 0; c < LedgerSetup.Chains.Length; c++)
        {
            var deployment = await _grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, LedgerSetup.Chains[c])).GetAsync();
            Assert.Equal(minted[c] - burned[c], deployment.Supply.Units);
            Assert.Equal(minted[c], deployment.Minted.Units);
            Assert.Equal(burned[c], deployment.Burned.Units);
            supplySum += deployment.Supply.Units;
        }
        // Conservation (invariant 2): issued equals the sum of chain supplies once nothing is in flight.
        Assert.Equal(supplySum, snapshot.Issued.Units);
        Assert.True(snapshot.PendingMint.IsZero);
        Assert.Equal(0m, snapshot.ReservedShares);
        // Backing (invariant 1) at the end, to the nano-share.
        Assert.True(snapshot.CustodyShares >= snapshot.BackingShares);
        Assert.True(minted.Sum() > 0);
    }
}
