using System.Globalization;
using System.Numerics;
using Sharemint.Chains.Evm;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>
/// ERC-8056 (scaled UI amount) on the token, read with our client and with cast: interface ids, every view before and after
/// a scheduled multiplier takes effect, rounding, and the UIMultiplierUpdated event.
/// </summary>
[Collection(AnvilCollection.Name)]
public sealed class ScaledUiAmountTests(AnvilFixture fixture)
{
    private static readonly UInt256 Two = SharemintToken.MultiplierOne * new UInt256(2);
    private static readonly UInt256 OneAndAHalf = SharemintToken.MultiplierOne + SharemintToken.MultiplierOne / new UInt256(2);

    [Fact]
    public async Task Interface_ids_are_the_xor_of_the_selectors_and_the_token_reports_them()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        // Each id computed from cast's selectors, independently of the constants in our client and of solc's type(I).interfaceId.
        var core = await SelectorAsync("uiMultiplier()");
        var conversion = await SelectorAsync("toUIAmount(uint256)") ^ await SelectorAsync("fromUIAmount(uint256)");
        var balances = await SelectorAsync("balanceOfUI(address)") ^ await SelectorAsync("totalSupplyUI()");
        var pending = await SelectorAsync("newUIMultiplier()") ^ await SelectorAsync("effectiveAt()");
        Assert.Equal(0xa60bf13du, core);
        Assert.Equal(0xd890fd71u, balances);
        Assert.Equal(Id(SharemintToken.ScaledUiAmountInterfaceId), core);
        Assert.Equal(Id(SharemintToken.ScaledUiConversionInterfaceId), conversion);
        Assert.Equal(Id(SharemintToken.ScaledUiBalancesInterfaceId), balances);
        Assert.Equal(Id(SharemintToken.ScaledUiNewMultiplierInterfaceId), pending);

        foreach (var id in new[] { core, conversion, balances, pending, 0x01ffc9a7u /* ERC-165 */, 0x7965db0bu /* IAccessControl */ })
        {
            Assert.True(await h.Token.SupportsInterfaceAsync(Bytes(id)), $"0x{id:x8} should be supported");
            Assert.Equal("true", await CallAsync(h, "supportsInterface(bytes4)(bool)", $"0x{id:x8}"));
        }
        foreach (var id in new[] { 0xffffffffu, 0x80ac58cdu /* ERC-721 */, core ^ 1u })
        {
            Assert.False(await h.Token.SupportsInterfaceAsync(Bytes(id)), $"0x{id:x8} should not be supported");
            Assert.Equal("false", await CallAsync(h, "supportsInterface(bytes4)(bool)", $"0x{id:x8}"));
        }
    }

    [Fact]
    public async Task Every_view_follows_a_split_scheduled_a_few_seconds_ahead_and_raw_balances_never_change()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var alice = EvmPrivateKey.Generate().Address;
        var raw = TokenHarness.Tokens(3) + new UInt256(7);
        await h.Token.MintAsync(h.Sender, alice, raw, Hash32.FromKey("alice"));
        var deployedAt = (await h.Client.GetLatestBlockAsync()).Timestamp;

        Assert.Equal(SharemintToken.MultiplierOne, await h.Token.UiMultiplierAsync());
        Assert.Equal(raw, await h.Token.BalanceOfUiAsync(alice));
        var initial = await h.Token.NewUiMultiplierAsync();
        Assert.Equal(SharemintToken.MultiplierOne, initial.Value);
        Assert.True(initial.ActivatesAt <= deployedAt, "the initial multiplier took effect at deployment");

        var now = (await h.Client.GetLatestBlockAsync()).Timestamp;
        var effective = now + 5;
        var receipt = await h.Token.SetMultiplierAsync(h.Sender, Two, effective, UInt256.Zero, "split");

        // The event names the multiplier in force when it was set, the new one, and when the new one takes effect.
        var updated = Assert.Single(receipt.Logs, l => l.Topics[0] == h.Token.Abi.Event("UIMultiplierUpdated").Topic0);
        Assert.Equal(await CastAsync("sig-event", "UIMultiplierUpdated(uint256,uint256,uint256)"), updated.Topics[0].ToString());
        var decoded = h.Token.Abi.Event("UIMultiplierUpdated").Decode(updated);
        Assert.Equal(SharemintToken.MultiplierOne, (UInt256)decoded["oldMultiplier"]);
        Assert.Equal(Two, (UInt256)decoded["newMultiplier"]);
        Assert.Equal(new UInt256(effective), (UInt256)decoded["effectiveAtTimestamp"]);

        // Before the effective time: the old multiplier is in force, the new one is visible as pending.
        Assert.Equal(SharemintToken.MultiplierOne, await h.Token.UiMultiplierAsync());
        Assert.Equal(raw, await h.Token.BalanceOfUiAsync(alice));
        Assert.Equal(new PendingMultiplier(Two, effective), await h.Token.NewUiMultiplierAsync());
        Assert.Equal(new PendingMultiplier(Two, effective), await h.Token.PendingMultiplierAsync());
        Assert.Equal(SharemintToken.MultiplierOne.ToString(), await CallAsync(h, "uiMultiplier()(uint256)"));
        Assert.Equal(Two.ToString(), await CallAsync(h, "newUIMultiplier()(uint256)"));
        Assert.Equal(effective.ToString(CultureInfo.InvariantCulture), await CallAsync(h, "effectiveAt()(uint256)"));
        Assert.Equal(raw.ToString(), await CallAsync(h, "balanceOfUI(address)(uint256)", alice.ToString()));
        Assert.Equal("1000", await CallAsync(h, "toUIAmount(uint256)(uint256)", "1000"));
        Assert.Equal("1000", await CallAsync(h, "fromUIAmount(uint256)(uint256)", "1000"));

        await h.Client.Rpc.CallAsync("evm_increaseTime", [6]);
        await h.Client.Rpc.CallAsync("evm_mine", []);

        // After: every view uses the new multiplier; the raw balance and supply are untouched.
        Assert.Equal(raw, await h.Token.BalanceOfAsync(alice));
        Assert.Equal(raw, await h.Token.TotalSupplyAsync());
        Assert.Equal(Two, await h.Token.UiMultiplierAsync());
        Assert.Equal(Two, await h.Token.MultiplierAsync());
        Assert.Equal(raw * new UInt256(2), await h.Token.BalanceOfUiAsync(alice));
        Assert.Equal(new UInt256(2000), await h.Token.ToUiAmountAsync(new UInt256(1000)));
        Assert.Equal(new UInt256(500), await h.Token.FromUiAmountAsync(new UInt256(1000)));
        Assert.Equal(new PendingMultiplier(Two, effective), await h.Token.NewUiMultiplierAsync());
        Assert.Null(await h.Token.PendingMultiplierAsync());
        Assert.Equal(Two.ToString(), await CallAsync(h, "uiMultiplier()(uint256)"));
        Assert.Equal((raw * new UInt256(2)).ToString(), await CallAsync(h, "balanceOfUI(address)(uint256)", alice.ToString()));
        Assert.Equal((raw * new UInt256(2)).ToString(), await CallAsync(h, "totalSupplyUI()(uint256)"));
        Assert.Equal("2000", await CallAsync(h, "toUIAmount(uint256)(uint256)", "1000"));
        Assert.Equal("500", await CallAsync(h, "fromUIAmount(uint256)(uint256)", "1000"));
        Assert.Equal(raw.ToString(), await CallAsync(h, "balanceOf(address)(uint256)", alice.ToString()));
    }

    [Fact]
    public async Task Ui_amounts_round_down_and_an_overflowing_conversion_reverts()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var receipt = await h.Token.SetMultiplierAsync(h.Sender, OneAndAHalf, 0, UInt256.Zero, "dividend");
        var now = (await h.Client.GetBlockAsync(receipt.BlockNumber))!.Timestamp;
        // An immediate update reports the block time as its effective time, in the event and in effectiveAt().
        var decoded = h.Token.Abi.Event("UIMultiplierUpdated").Decode(Assert.Single(receipt.Logs, l => l.Topics[0] == h.Token.Abi.Event("UIMultiplierUpdated").Topic0));
        Assert.Equal(new UInt256(now), (UInt256)decoded["effectiveAtTimestamp"]);
        Assert.Equal(new PendingMultiplier(OneAndAHalf, now), await h.Token.NewUiMultiplierAsync());

        var one = EvmPrivateKey.Generate().Address;
        var three = EvmPrivateKey.Generate().Address;
        await h.Token.MintBatchAsync(h.Sender, [one, three], [UInt256.One, new UInt256(3)], Hash32.FromKey("dust"));
        Assert.Equal(UInt256.One, await h.Token.BalanceOfUiAsync(one));          // 1.5 -> 1
        Assert.Equal(new UInt256(4), await h.Token.BalanceOfUiAsync(three));     // 4.5 -> 4
        Assert.Equal(new UInt256(6), await h.Token.ToUiAmountAsync(new UInt256(4)));
        Assert.Equal(UInt256.Zero, await h.Token.FromUiAmountAsync(UInt256.One)); // 0.67 -> 0
        Assert.Equal(new UInt256(2), await h.Token.FromUiAmountAsync(new UInt256(4))); // 2.67 -> 2: never more raw than the UI amount is worth
        Assert.Equal("4", await CallAsync(h, "balanceOfUI(address)(uint256)", three.ToString()));
        Assert.Equal("0", await CallAsync(h, "fromUIAmount(uint256)(uint256)", "1"));

        // Intermediate products beyond 256 bits are fine as long as the result fits; a result that does not fit reverts.
        var max = UInt256.MaxValue;
        Assert.Equal(UInt256.Parse((((BigInteger.One << 256) - 1) * 2 / 3).ToString(CultureInfo.InvariantCulture)), await h.Token.FromUiAmountAsync(max));
        Assert.Equal(max / new UInt256(2), await h.Token.ToUiAmountAsync(max / new UInt256(3)));
        await Assert.ThrowsAsync<ContractRevertedException>(() => h.Token.ToUiAmountAsync(max));
    }

    private async Task<uint> SelectorAsync(string signature) =>
        uint.Parse((await CastAsync("sig", signature))[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static uint Id(byte[] bytes) => (uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3];

    private static byte[] Bytes(uint id) => [(byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id];

    private Task<string> CastAsync(params string[] arguments) => CastRunner.FirstTokenAsync(fixture.CastBinary, arguments);

    private Task<string> CallAsync(TokenHarness h, string signature, params string[] arguments) =>
        CastAsync(["call", h.Token.Address.ToString(), signature, .. arguments, "--rpc-url", fixture.NodeA.RpcUrl.ToString()]);
}
