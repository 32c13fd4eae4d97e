using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Orders;
using Sharemint.Units;

namespace Sharemint.GrainStateSerializer;

/// <summary>
/// States as the order benchmark stores them: a settled mint order (about 1.5 KB), a busy partner account (about 15 KB) and
/// an asset with open reservations.
/// </summary>
public static class States
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 7, 0, 0, TimeSpan.Zero);

    public static OrderState Order { get; } = new()
    {
        Kind = OrderKind.Mint, Status = OrderStatus.Settled, Stage = OrderStage.Done, AccountId = "bench-partner-017",
        Symbol = "TSLAx", Underlying = "TSLA", Chain = "ethereum", Wallet = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
        Amount = CanonicalAmount.FromUnits(1_000_000), Cash = 2.51m, QuoteId = "q_0123456789abcdef", Shares = 0.01m, FeeRate = 0.001m,
        RequestFingerprint = "3f1c2a0e9b8d7c6b5a4f3e2d1c0b9a8f", CreatedAt = At, UpdatedAt = At.AddSeconds(2),
        Steps = [.. Enumerable.Range(0, 8).Select(i => new OrderStep($"step{i}", $"ord_0123456789/step{i}", "applied", At.AddMilliseconds(137 * i), i % 2 == 0 ? null : "0xabc"))],
        TransactionIds = ["0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"],
        TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    };

    public static HolderAccountState Account { get; } = NewAccount();

    public static AssetState Asset { get; } = NewAsset();

    private static HolderAccountState NewAccount()
    {
        var account = new HolderAccountState
        {
            Profile = new PartnerProfile("Bench Partner 17", "GB", PartnerTier.Standard, 0.001m, AccountLimits.Default),
            Kyc = KycStatus.Approved,
            Wallets = [new AllowListedWallet("ethereum", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"), new AllowListedWallet("solana", "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV")],
            CashBalance = 999_123.45m,
            SpendingDay = new DateOnly(2026, 11, 29),
            SpentToday = 876.55m,
        };
        for (var i = 0; i < 40; i++)
        {
            account.Holds[$"ord_{i:D10}/hold"] = new CashHold(2.51m, new DateOnly(2026, 11, 29), new MintPayment("TSLAx", "ethereum", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", 2.51m));
        }
        for (var i = 0; i < 200; i++)
        {
            account.Applied.Record($"ord_{i:D10}/capture", "captured:2.51");
        }
        return account;
    }

    private static AssetState NewAsset()
    {
        var asset = new AssetState
        {
            Definition = new AssetDefinition("TSLAx", "TSLA", "Tesla, Inc.", "US88160R1014", AssetKind.Stock),
            Multiplier = Multiplier.From(1.015m),
            CustodyShares = 1000.123456789m,
            Issued = CanonicalAmount.FromUnits(98_765_432_100),
        };
        for (var i = 0; i < 20; i++)
        {
            asset.OpenReservations[$"ord_{i:D10}/reserve"] = new CustodyReservation($"ord_{i:D10}/reserve", "ethereum", CanonicalAmount.FromUnits(1_000_000), 0.01m);
        }
        return asset;
    }
}
