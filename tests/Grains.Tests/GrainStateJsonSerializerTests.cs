using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Ledger;
using Sharemint.Operations;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Silo.Storage;
using Sharemint.Units;

namespace Sharemint.Grains.Tests;

/// <summary>
/// The serializer writes a row without building a JSON tree unless unknown fields must be put back; the bytes are the
/// same either way, for the states the ledger stores (an order, an account, an asset), a dictionary, an empty object and
/// values that are not objects; with unknown fields in the scope, they and the newer version are written back.
/// </summary>
public sealed class GrainStateJsonSerializerTests
{
    // Strings a payload may carry that an encoder treats specially: quotes, HTML-sensitive characters, non-ASCII, controls.
    private const string Awkward = "prix < 5 € & \"cotée\" + 'x' \\ / \n\t\u0001 日本 🙂";

    private static readonly DateTimeOffset At = new(2026, 11, 29, 7, 1, 2, 345, TimeSpan.FromHours(1));

    [Fact]
    public void The_direct_path_writes_the_same_bytes_as_the_tree_path()
    {
        var serializer = new GrainStateJsonSerializer();
        StoredRowScope.Enter(null);
        AssertSameBytes(serializer, Order());
        AssertSameBytes(serializer, Account());
        AssertSameBytes(serializer, Asset());
        AssertSameBytes(serializer, new Dictionary<string, long>(StringComparer.Ordinal) { ["a+b"] = 1, [Awkward] = -9_007_199_254_740_993 });
        AssertSameBytes(serializer, new Dictionary<string, int>());
        AssertSameBytes(serializer, new OrderState());
        AssertSameBytes<OrderState?>(serializer, null);
        AssertSameBytes(serializer, new List<string> { Awkward, "" });
        AssertSameBytes(serializer, 12.50m);
        AssertSameBytes(serializer, Awkward);

        // An object row carries the version as its last property; other values carry none.
        var row = JsonNode.Parse(serializer.Serialize(Order()).ToString())!.AsObject();
        Assert.Equal(GrainStateJsonSerializer.StateVersion, row[GrainStateJsonSerializer.VersionProperty]!.GetValue<int>());
        Assert.Equal(GrainStateJsonSerializer.VersionProperty, row.Last().Key);
        Assert.Equal("{\"$stateVersion\":1}", serializer.Serialize(new Dictionary<string, int>()).ToString());
        Assert.Equal("[\"a\"]", serializer.Serialize(new List<string> { "a" }).ToString());

        // A read whose row had no unknown fields leaves a scope behind that takes the direct path too.
        var read = new StoredRowScope();
        StoredRowScope.Enter(read);
        var order = serializer.Deserialize<OrderState>(serializer.Serialize(Order()));
        Assert.Null(read.Unknown);
        Assert.Equal(Awkward, order.FailureMessage);
        AssertSameBytes(serializer, order, read);
        StoredRowScope.Enter(null);
    }

    [Fact]
    public void Unknown_fields_of_the_row_read_are_written_back_with_its_newer_version()
    {
        var serializer = new GrainStateJsonSerializer();
        var stored = JsonNode.Parse(serializer.Serialize(Account()).ToString())!.AsObject();
        stored["loyaltyPoints"] = 42;
        stored["profile"]!["taxResidency"] = "CH-ZH";
        stored[GrainStateJsonSerializer.VersionProperty] = 99;

        var scope = new StoredRowScope();
        StoredRowScope.Enter(scope);
        var account = serializer.Deserialize<HolderAccountState>(new BinaryData(Encoding.UTF8.GetBytes(stored.ToJsonString())));
        Assert.NotNull(scope.Unknown);
        account.CashBalance += 1m;
        var written = serializer.Serialize(account);
        StoredRowScope.Enter(null);

        Assert.Equal(GrainStateJsonSerializer.SerializeThroughTree(account, scope).ToArray(), written.ToArray());
        var row = JsonNode.Parse(written.ToString())!.AsObject();
        Assert.Equal(42, row["loyaltyPoints"]!.GetValue<int>());
        Assert.Equal("CH-ZH", row["profile"]!["taxResidency"]!.GetValue<string>());
        Assert.Equal(99, row[GrainStateJsonSerializer.VersionProperty]!.GetValue<int>());
        Assert.Equal("1235.67", row["cashBalance"]!.ToJsonString());
    }

    [Fact]
    public void Timestamps_are_written_in_the_built_in_format_through_the_encoder()
    {
        var builtIn = BuiltInOptions();
        var offsets = new[] { TimeSpan.Zero, TimeSpan.FromHours(1), TimeSpan.FromHours(-5), new TimeSpan(5, 45, 0), TimeSpan.FromHours(14) };
        var instants = new[]
        {
            new DateTimeOffset(2026, 11, 29, 7, 1, 2, TimeSpan.Zero), At.ToUniversalTime(), At.ToUniversalTime().AddTicks(1),
            At.ToUniversalTime().AddTicks(1_000_000), At.ToUniversalTime().AddTicks(9_999_999 - 3_450_000), DateTimeOffset.UnixEpoch,
            new DateTimeOffset(1, 1, 2, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(9999, 12, 30, 23, 59, 59, TimeSpan.Zero).AddTicks(9_999_999),
        };
        foreach (var value in instants.SelectMany(i => offsets.Select(o => i.ToOffset(o))))
        {
            var ours = JsonSerializer.Serialize(value, GrainStateJsonSerializer.Options);
            var theirs = JsonSerializer.Serialize(value, builtIn);
            Assert.Equal(JsonSerializer.Deserialize<string>(theirs), JsonSerializer.Deserialize<string>(ours));
            Assert.Equal(value, JsonSerializer.Deserialize<DateTimeOffset>(ours, GrainStateJsonSerializer.Options));
            Assert.Equal(value.Offset, JsonSerializer.Deserialize<DateTimeOffset>(ours, GrainStateJsonSerializer.Options).Offset);
            Assert.DoesNotContain('+', ours);
        }
        Assert.Equal("\"2026-11-29T07:01:02.345\\u002B01:00\"", JsonSerializer.Serialize(At, GrainStateJsonSerializer.Options));
        Assert.Equal("\"2026-11-29T06:01:02-05:00\"", JsonSerializer.Serialize(new DateTimeOffset(2026, 11, 29, 6, 1, 2, TimeSpan.FromHours(-5)), GrainStateJsonSerializer.Options));
    }

    private static void AssertSameBytes<T>(GrainStateJsonSerializer serializer, T value, StoredRowScope? scope = null)
    {
        var direct = serializer.Serialize(value).ToArray();
        var tree = GrainStateJsonSerializer.SerializeThroughTree(value, scope).ToArray();
        Assert.True(tree.AsSpan().SequenceEqual(direct), $"{typeof(T).Name}:\n tree   {Encoding.UTF8.GetString(tree)}\n direct {Encoding.UTF8.GetString(direct)}");
        // And what rows held before the direct path: a tree of the state with System.Text.Json's own timestamp converter.
        var before = TreeWithBuiltInTimestamps(value);
        Assert.True(before.AsSpan().SequenceEqual(direct), $"{typeof(T).Name}:\n before {Encoding.UTF8.GetString(before)}\n direct {Encoding.UTF8.GetString(direct)}");
    }

    private static byte[] TreeWithBuiltInTimestamps<T>(T value)
    {
        var options = BuiltInOptions();
        var node = JsonSerializer.SerializeToNode(value, options);
        if (node is JsonObject row)
        {
            row[GrainStateJsonSerializer.VersionProperty] = GrainStateJsonSerializer.StateVersion;
        }
        return JsonSerializer.SerializeToUtf8Bytes(node, options);
    }

    private static JsonSerializerOptions BuiltInOptions()
    {
        var options = new JsonSerializerOptions(GrainStateJsonSerializer.Options);
        options.Converters.Remove(options.Converters.OfType<EncodedDateTimeOffsetConverter>().Single());
        return options;
    }

    private static OrderState Order() => new()
    {
        Kind = OrderKind.Mint,
        Status = OrderStatus.InProgress,
        Stage = OrderStage.Minting,
        AccountId = "partner-kraken",
        Symbol = "TSLAx",
        Underlying = "TSLA",
        Chain = "ethereum",
        Wallet = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
        Amount = CanonicalAmount.FromUnits(123_456_789),
        Cash = 1234.5600m,
        QuoteId = "q_1",
        Shares = 0.123456789m,
        FeeRate = 0.001m,
        RequestFingerprint = "fp",
        Steps = [new OrderStep("hold", "ord_1/hold", "applied", At, Awkward), new OrderStep("reserve", "ord_1/reserve", "applied", At, null)],
        TransactionIds = ["0xabc"],
        FailureMessage = Awkward,
        CreatedAt = At,
        UpdatedAt = At.AddMilliseconds(1),
        CashHeld = true,
        RetryAfter = At.AddSeconds(5),
        Quote = new Quote("q_1", "partner-kraken", "TSLAx", QuoteSide.Mint, CanonicalAmount.FromUnits(123_456_789), 250.00m,
            Multiplier.From(1.000000000000000001m), 0.123456789m, 30.86m, 0.04m, 30.90m, At, At.AddSeconds(30), true, "{\"q\":1}", "c2ln", null),
    };

    private static HolderAccountState Account()
    {
        var account = new HolderAccountState
        {
            Profile = new PartnerProfile("Kraken", "GB", PartnerTier.Standard, 0.001m, AccountLimits.Default),
            Kyc = KycStatus.Approved,
            Wallets = [new AllowListedWallet("ethereum", "0x70997970c51812dc3a010c7d01b50e0d17dc79c8")],
            CashBalance = 1234.67m,
            SpendingDay = new DateOnly(2026, 11, 29),
            SpentToday = 10m,
        };
        account.Holds["ord_1/hold"] = new CashHold(30.90m, new DateOnly(2026, 11, 29), new MintPayment("TSLAx", "ethereum", "0x7099", 30.90m));
        account.Applied.Record(OperationId.From("ord_1/hold"), Awkward);
        return account;
    }

    private static AssetState Asset()
    {
        var asset = new AssetState
        {
            Definition = new AssetDefinition("TSLAx", "TSLA", "Tesla, Inc. <xStock>", "US88160R1014", AssetKind.Stock),
            Multiplier = Multiplier.From(1.015m),
            CustodyShares = 1000.123456789m,
            Issued = CanonicalAmount.FromUnits(98_765_432_100),
        };
        asset.OpenReservations["ord_1/reserve"] = new CustodyReservation("ord_1/reserve", "solana", CanonicalAmount.FromUnits(1), 0.000000001m);
        asset.InTransit["tr_1"] = new TransitLeg("base", CanonicalAmount.FromUnits(5));
        return asset;
    }
}
