using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Grains.Tests.LedgerSetup;

namespace Sharemint.Grains.Tests;

/// <summary>Every refusal carries its typed error and leaves the ledger exactly as it was (same version, same figures).</summary>
[Collection(LedgerClusterCollection.Name)]
public sealed class BadInputTests(LedgerClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;

    private static async Task<LedgerError> Refused(Func<Task> action)
    {
        var ex = await Assert.ThrowsAsync<LedgerException>(action);
        return ex.Error;
    }

    [Fact]
    public async Task Unknown_asset_and_account_and_deployment_are_not_found()
    {
        Assert.Equal(LedgerError.AssetNotFound, await Refused(() => _grains.GetGrain<IAssetGrain>("NOPEx").GetAsync()));
        Assert.Equal(LedgerError.AssetNotFound, await Refused(() => _grains.GetGrain<IAssetGrain>("NOPEx").ReserveCustodyAsync(Op(), "solana", CanonicalAmount.FromUnits(1))));
        Assert.Equal(LedgerError.AccountNotFound, await Refused(() => _grains.GetGrain<IHolderAccountGrain>("nobody-here").CreditCashAsync(Op(), 10m)));
        Assert.Equal(LedgerError.DeploymentNotFound, await Refused(() => _grains.GetGrain<IChainBridgeGrain>("NOPEx/solana").RecordBurnAsync(Op(), CanonicalAmount.FromUnits(1))));
        Assert.Equal(LedgerError.AssetNotFound, await Refused(() => _grains.GetGrain<Catalog.ICatalogGrain>(0).RegisterDeploymentAsync("NOPEx", "solana", new DeploymentConfig("So11111111111111111111111111111111111111112", 8))));
    }

    [Fact]
    public async Task Zero_negative_overflowing_and_too_precise_amounts_are_refused_and_change_nothing()
    {
        var asset = await AssetWithCustodyAsync(_grains, "BAD1x", 100m);
        var before = await asset.GetAsync();

        Assert.Equal(LedgerError.InvalidAmount, await Refused(() => asset.ReserveCustodyAsync(Op(), "solana", CanonicalAmount.Zero)));
        Assert.Equal(LedgerError.InvalidAmount, await Refused(() => Task.FromResult(CanonicalAmount.FromUnits(-1))));
        Assert.Equal(LedgerError.InvalidAmount, await Refused(() => Task.FromResult(CanonicalAmount.FromTokens(-0.5m))));
        Assert.Equal(LedgerError.AmountOverflow, await Refused(() => Task.FromResult(CanonicalAmount.FromTokens(100_000_000_000m))));
        Assert.Equal(LedgerError.AmountOverflow, await Refused(() => Task.FromResult(CanonicalAmount.FromUnits(long.MaxValue) + CanonicalAmount.FromUnits(1))));
        Assert.Equal(LedgerError.AmountHasDust, await Refused(() => Task.FromResult(CanonicalAmount.FromTokens(1.000000001m))));
        Assert.Equal(LedgerError.InvalidAmount, await Refused(() => asset.AddCustodyAsync(Op(), 0m)));
        Assert.Equal(LedgerError.InvalidAmount, await Refused(() => asset.AddCustodyAsync(Op(), -3m)));
        Assert.Equal(LedgerError.AmountHasDust, await Refused(() => asset.AddCustodyAsync(Op(), 1.0000000001m)));
        Assert.Equal(LedgerError.InvalidArgument, await Refused(() => asset.SetMultiplierAsync(Op(), new Multiplier { Value = -1m })));
        Assert.Equal(LedgerError.InvalidArgument, await Refused(() => asset.SetMultiplierAsync(Op(), new Multiplier { Value = 0m })));

        var after = await asset.GetAsync();
        Assert.Equal(before, after);
    }

    [Fact]
    public async Task Reserving_more_custody_than_exists_is_insufficient_backing()
    {
        var asset = await AssetWithCustodyAsync(_grains, "BAD2x", 10m);
        await MintAsync(_grains, "BAD2x", "solana", CanonicalAmount.FromTokens(6m));
        var before = await asset.GetAsync();

        // 6 issued + 5 more at multiplier 1 needs 11 shares; custody is 10.
        Assert.Equal(LedgerError.InsufficientBacking, await Refused(() => asset.ReserveCustodyAsync(Op(), "base", CanonicalAmount.FromTokens(5m))));
        // Removing custody that backs issued tokens is refused too.
        Assert.Equal(LedgerError.InsufficientBacking, await Refused(() => asset.RemoveCustodyAsync(Op(), 4.5m)));
        // And a multiplier that would need more shares than custody holds.
        Assert.Equal(LedgerError.InsufficientBacking, await Refused(() => asset.SetMultiplierAsync(Op(), Multiplier.From(2m))));

        Assert.Equal(before, await asset.GetAsync());
        var exact = await asset.ReserveCustodyAsync(Op(), "base", CanonicalAmount.FromTokens(4m));
        Assert.Equal(4m, exact.Shares);
    }

    [Fact]
    public async Task Trying_to_reserve_short_inventory_answers_null_records_nothing_and_the_same_id_reserves_later()
    {
        var asset = await AssetWithCustodyAsync(_grains, "BAD3x", 10m);
        await MintAsync(_grains, "BAD3x", "solana", CanonicalAmount.FromTokens(6m));
        var before = await asset.GetAsync();
        var reserve = Op("short");

        // Short by one share: an answer, not an exception, and the ledger is untouched.
        Assert.Null(await asset.TryReserveCustodyAsync(reserve, "base", CanonicalAmount.FromTokens(5m)));
        Assert.Equal(before, await asset.GetAsync());
        // The plain call still refuses with the typed error.
        Assert.Equal(LedgerError.InsufficientBacking, await Refused(() => asset.ReserveCustodyAsync(reserve, "base", CanonicalAmount.FromTokens(5m))));

        // Other refusals still throw.
        Assert.Equal(LedgerError.InvalidAmount, await Refused(() => asset.TryReserveCustodyAsync(Op(), "base", CanonicalAmount.Zero)));
        Assert.Equal(LedgerError.AssetNotFound, await Refused(() => _grains.GetGrain<IAssetGrain>("NOPEx").TryReserveCustodyAsync(Op(), "base", CanonicalAmount.FromUnits(1))));

        // Once custody covers it, the same id reserves; asking again answers the same reservation, not a second one.
        await asset.AddCustodyAsync(Op(), 1m);
        var reserved = await asset.TryReserveCustodyAsync(reserve, "base", CanonicalAmount.FromTokens(5m));
        Assert.Equal(5m, reserved!.Shares);
        Assert.Equal(reserved, await asset.TryReserveCustodyAsync(reserve, "base", CanonicalAmount.FromTokens(5m)));
        Assert.Equal(LedgerError.IdempotencyConflict, await Refused(() => asset.TryReserveCustodyAsync(reserve, "base", CanonicalAmount.FromTokens(4m))));
        Assert.Null(await asset.TryReserveCustodyAsync(Op(), "base", CanonicalAmount.FromUnits(1)));
    }

    [Fact]
    public async Task Debiting_more_cash_than_held_and_sub_cent_cash_are_refused()
    {
        var account = await ApprovedPartnerAsync(_grains, "bad-cash", 100m);
        var before = await account.GetAsync();

        Assert.Equal(LedgerError.InsufficientCash, await Refused(() => account.DebitCashAsync(Op(), 100.01m)));
        Assert.Equal(LedgerError.AmountHasDust, await Refused(() => account.CreditCashAsync(Op(), 0.001m)));
        Assert.Equal(LedgerError.InvalidAmount, await Refused(() => account.CreditCashAsync(Op(), -5m)));
        Assert.Equal(LedgerError.InvalidAmount, await Refused(() => account.DebitCashAsync(Op(), 0m)));
        Assert.Equal(LedgerError.InsufficientCash, await Refused(() =>
            account.HoldCashForMintAsync(Op(), new MintPayment("TSLAx", "solana", SolanaWalletOf("bad-cash"), 150m))));

        Assert.Equal(before, await account.GetAsync());
        Assert.Equal(0m, (await account.DebitCashAsync(Op(), 100m)).CashBalance);
    }

    [Fact]
    public async Task Paused_asset_mints_and_burns_nothing()
    {
        var asset = await AssetWithCustodyAsync(_grains, "PAUSx", 100m);
        await MintAsync(_grains, "PAUSx", "ethereum", CanonicalAmount.FromTokens(10m));
        var reservation = Op("open");
        await asset.ReserveCustodyAsync(reservation, "solana", CanonicalAmount.FromTokens(1m));

        await asset.SetStatusAsync(Op(), AssetStatus.Halted);
        var before = await asset.GetAsync();
        var bridge = _grains.GetGrain<IChainBridgeGrain>("PAUSx/ethereum");
        var bridgeBefore = await bridge.GetAsync();

        Assert.Equal(LedgerError.AssetPaused, await Refused(() => asset.ReserveCustodyAsync(Op(), "solana", CanonicalAmount.FromTokens(1m))));
        Assert.Equal(LedgerError.AssetPaused, await Refused(() => _grains.GetGrain<IChainBridgeGrain>("PAUSx/solana").RecordMintAsync(Op(), reservation, CanonicalAmount.FromTokens(1m))));
        Assert.Equal(LedgerError.AssetPaused, await Refused(() => bridge.RecordBurnAsync(Op(), CanonicalAmount.FromTokens(1m))));
        Assert.Equal(before, await asset.GetAsync());
        Assert.Equal(bridgeBefore, await bridge.GetAsync());

        // Redeem-paused still lets the open reservation settle, but not burn.
        await asset.SetStatusAsync(Op(), AssetStatus.RedeemPaused);
        await _grains.GetGrain<IChainBridgeGrain>("PAUSx/solana").RecordMintAsync(Op(), reservation, CanonicalAmount.FromTokens(1m));
        Assert.Equal(LedgerError.AssetPaused, await Refused(() => bridge.RecordBurnAsync(Op(), CanonicalAmount.FromTokens(1m))));

        // Mint-paused stops reservations but lets holders redeem.
        await asset.SetStatusAsync(Op(), AssetStatus.MintPaused);
        Assert.Equal(LedgerError.AssetPaused, await Refused(() => asset.ReserveCustodyAsync(Op(), "base", CanonicalAmount.FromTokens(1m))));
        var burned = await bridge.RecordBurnAsync(Op(), CanonicalAmount.FromTokens(1m));
        Assert.Equal(CanonicalAmount.FromTokens(9m), burned.Supply);
    }

    [Fact]
    public async Task Paused_chain_records_no_mint_and_no_burn()
    {
        await AssetWithCustodyAsync(_grains, "CHPx", 100m);
        await MintAsync(_grains, "CHPx", "base", CanonicalAmount.FromTokens(3m));
        var bridge = _grains.GetGrain<IChainBridgeGrain>("CHPx/base");
        await bridge.SetPausedAsync(Op(), true);
        var before = await bridge.GetAsync();

        Assert.Equal(LedgerError.ChainPaused, await Refused(() => MintAsync(_grains, "CHPx", "base", CanonicalAmount.FromTokens(1m))));
        Assert.Equal(LedgerError.ChainPaused, await Refused(() => bridge.RecordBurnAsync(Op(), CanonicalAmount.FromTokens(1m))));
        Assert.Equal(before, await bridge.GetAsync());
    }

    [Fact]
    public async Task Us_persons_unapproved_kyc_unlisted_and_sanctioned_wallets_cannot_mint()
    {
        var payment = new MintPayment("TSLAx", "ethereum", EvmWalletOf("eligible-partner"), 50m);

        await _grains.GetGrain<Catalog.ICatalogGrain>(0).RegisterAccountAsync("us-person", Profile("US"));
        var us = _grains.GetGrain<IHolderAccountGrain>("us-person");
        await us.SetKycStatusAsync(Op(), KycStatus.Approved);
        await us.AllowWalletAsync(Op(), "ethereum", EvmWalletOf("us-person"));
        await us.CreditCashAsync(Op(), 1000m);
        Assert.Equal(LedgerError.JurisdictionNotEligible, await Refused(() => us.HoldCashForMintAsync(Op(), payment with { Wallet = EvmWalletOf("us-person") })));

        await _grains.GetGrain<Catalog.ICatalogGrain>(0).RegisterAccountAsync("no-kyc", Profile());
        var pending = _grains.GetGrain<IHolderAccountGrain>("no-kyc");
        await pending.AllowWalletAsync(Op(), "ethereum", EvmWalletOf("no-kyc"));
        await pending.CreditCashAsync(Op(), 1000m);
        Assert.Equal(LedgerError.KycNotApproved, await Refused(() => pending.HoldCashForMintAsync(Op(), payment with { Wallet = EvmWalletOf("no-kyc") })));

        var partner = await ApprovedPartnerAsync(_grains, "eligible-partner", 1000m);
        var before = await partner.GetAsync();
        Assert.Equal(LedgerError.WalletNotAllowListed, await Refused(() =>
            partner.HoldCashForMintAsync(Op(), payment with { Wallet = "0x3333333333333333333333333333333333333333" })));
        Assert.Equal(LedgerError.AddressInvalid, await Refused(() =>
            partner.HoldCashForMintAsync(Op(), payment with { Wallet = "0x12" })));
        Assert.Equal(LedgerError.LimitExceeded, await Refused(() =>
            partner.HoldCashForMintAsync(Op(), payment with { Cash = 100_000.01m })));

        var sanctioned = "0x4444444444444444444444444444444444444444";
        await partner.AllowWalletAsync(Op(), "ethereum", sanctioned);
        await _grains.GetGrain<ISanctionsListGrain>(0).AddAsync(Op(), "ethereum", sanctioned.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal), "OFAC SDN");
        var beforeSanctioned = await partner.GetAsync();
        Assert.Equal(LedgerError.AddressSanctioned, await Refused(() => partner.HoldCashForMintAsync(Op(), payment with { Wallet = sanctioned })));
        Assert.Equal(LedgerError.AddressSanctioned, await Refused(() => partner.AllowWalletAsync(Op(), "base", sanctioned)));
        Assert.Equal(beforeSanctioned, await partner.GetAsync());
        Assert.Equal(before.CashBalance, beforeSanctioned.CashBalance);

        var held = await partner.HoldCashForMintAsync(Op(), payment);
        Assert.Equal(950m, held.CashBalance);
        Assert.Equal(50m, held.CashHeld);
    }

    [Fact]
    public async Task Reused_operation_id_with_other_arguments_is_a_conflict_and_changes_nothing()
    {
        var asset = await AssetWithCustodyAsync(_grains, "IDEMx", 100m);
        var account = await ApprovedPartnerAsync(_grains, "idem-partner", 500m);
        var op = Op("reused");

        await account.CreditCashAsync(op, 25m);
        var afterFirst = await account.GetAsync();
        Assert.Equal(LedgerError.IdempotencyConflict, await Refused(() => account.CreditCashAsync(op, 26m)));
        Assert.Equal(LedgerError.IdempotencyConflict, await Refused(() => account.DebitCashAsync(op, 25m)));
        Assert.Equal(afterFirst, await account.GetAsync());

        var reserve = Op("reserve");
        await asset.ReserveCustodyAsync(reserve, "solana", CanonicalAmount.FromTokens(2m));
        var assetBefore = await asset.GetAsync();
        Assert.Equal(LedgerError.IdempotencyConflict, await Refused(() => asset.ReserveCustodyAsync(reserve, "solana", CanonicalAmount.FromTokens(3m))));
        Assert.Equal(LedgerError.IdempotencyConflict, await Refused(() => asset.ReserveCustodyAsync(reserve, "base", CanonicalAmount.FromTokens(2m))));
        // A settlement that does not match the reservation is refused as well.
        Assert.Equal(LedgerError.IdempotencyConflict, await Refused(() =>
            _grains.GetGrain<IChainBridgeGrain>("IDEMx/solana").RecordMintAsync(Op(), reserve, CanonicalAmount.FromTokens(3m))));
        Assert.Equal(assetBefore, await asset.GetAsync());
    }

    [Fact]
    public async Task Malformed_definitions_profiles_and_addresses_are_refused()
    {
        var catalog = _grains.GetGrain<Catalog.ICatalogGrain>(0);
        Assert.Equal(LedgerError.InvalidArgument, await Refused(() => catalog.RegisterAssetAsync(Tesla("ISINx") with { Isin = "US88160R1015" })));
        Assert.Equal(LedgerError.InvalidArgument, await Refused(() => catalog.RegisterAssetAsync(Tesla("x y"))));
        Assert.Equal(LedgerError.InvalidArgument, await Refused(() => _grains.GetGrain<IAssetGrain>("OTHERx").DefineAsync(Tesla("TSLAx"))));
        Assert.Equal(LedgerError.InvalidArgument, await Refused(() => catalog.RegisterAccountAsync("Bad Id!", Profile())));
        Assert.Equal(LedgerError.InvalidArgument, await Refused(() => catalog.RegisterAccountAsync("bad-jurisdiction", Profile("gbr"))));
        Assert.DoesNotContain("ISINx", await catalog.ListAssetsAsync());

        var account = await ApprovedPartnerAsync(_grains, "address-partner", 0m);
        Assert.Equal(LedgerError.AddressInvalid, await Refused(() => account.AllowWalletAsync(Op(), "ethereum", "0xZZ11111111111111111111111111111111111111")));
        Assert.Equal(LedgerError.AddressInvalid, await Refused(() => account.AllowWalletAsync(Op(), "ethereum", "0x0000000000000000000000000000000000000000")));
        Assert.Equal(LedgerError.AddressInvalid, await Refused(() => account.AllowWalletAsync(Op(), "solana", "0OIl-not-base58")));
        Assert.Equal(LedgerError.AddressInvalid, await Refused(() => account.AllowWalletAsync(Op(), "solana", "3yZe7d")));
        Assert.Equal(LedgerError.InvalidArgument, await Refused(() => account.AllowWalletAsync(Op(), "dogechain", EvmWallet)));
        Assert.Equal(LedgerError.InvalidArgument, await Refused(() => Task.FromResult(Operations.OperationId.From("has space"))));
    }

    [Fact]
    public async Task Dust_for_a_deployment_is_refused()
    {
        var catalog = _grains.GetGrain<Catalog.ICatalogGrain>(0);
        await catalog.RegisterAssetAsync(Tesla("DUSTx"));
        // A chain deployment with fewer decimals than canonical units cannot hold every canonical amount.
        await catalog.RegisterDeploymentAsync("DUSTx", "solana", new DeploymentConfig("So11111111111111111111111111111111111111112", 6));
        var asset = _grains.GetGrain<IAssetGrain>("DUSTx");
        await asset.AddCustodyAsync(Op(), 10m);
        var reserve = Op("dust");
        await asset.ReserveCustodyAsync(reserve, "solana", CanonicalAmount.FromUnits(123));
        var bridge = _grains.GetGrain<IChainBridgeGrain>("DUSTx/solana");
        Assert.Equal(LedgerError.AmountHasDust, await Refused(() => bridge.RecordMintAsync(Op(), reserve, CanonicalAmount.FromUnits(123))));
        Assert.True((await bridge.GetAsync()).Supply.IsZero);
    }
}
