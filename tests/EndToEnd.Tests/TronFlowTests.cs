using System.Diagnostics;
using System.Numerics;
using System.Text.Json;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Orders;
using Sharemint.Units;
using static Sharemint.EndToEnd.Tests.FlowTestSupport;

namespace Sharemint.EndToEnd.Tests;

/// <summary>
/// Tron as a partner and a holder meet it through the real silo: mint, redeem by a TronWeb transfer to the redemption
/// address and by the API, and moves between Tron and the other chains. Balances and supplies are read with TronWeb,
/// a client we did not write, talking to the local node unchanged.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class TronFlowTests(PlatformFixture platform)
{
    private const string Chain = "tron";
    private readonly Holders _holders = new(platform);

    [Fact]
    public async Task A_mint_on_tron_is_seen_by_tronweb_and_a_tronweb_transfer_to_the_redemption_address_is_redeemed_once()
    {
        await platform.MintAsync(_holders, "TSLAx", Chain, Tokens(2m));
        var token = (await _holders.TokenAsync("TSLAx", Chain)).TokenAddress;
        var wallet = _holders.Wallet(Chain);
        var read = await TronWebAsync("read", "--token", token, "--accounts", wallet);
        var ledger = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("TSLAx", Chain)).GetAsync();
        // TronWeb's totalSupply and balanceOf are the ledger's and our client's, in the token's 18-decimal units.
        Assert.Equal(ledger.Supply.ToChainUnits(18), BigInteger.Parse(read.GetProperty("totalSupply").GetString()!));
        Assert.Equal((await _holders.BalanceAsync("TSLAx", Chain)).ToChainUnits(18), BigInteger.Parse(read.GetProperty("balances").GetProperty(wallet).GetString()!));

        var cash = await platform.CashAsync();
        var issued = (await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Issued;
        var since = DateTimeOffset.UtcNow;
        await TronWebAsync("transfer", "--token", token, "--key", PlatformFixture.PartnerEvmKey[2..],
            "--to", await _holders.RedemptionAddressAsync(Chain), "--amount", Tokens(0.5m).ToChainUnits(18).ToString());

        var order = await platform.WaitForDepositOrderAsync(Chain, OrderStatus.Settled, since);
        Assert.Equal(Tokens(0.5m), order.Amount);
        Assert.Equal(cash + order.Cash!.Value, await platform.CashAsync());
        Assert.Equal(issued - Tokens(0.5m), (await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Issued);
        // Later scans find the same Transfer log and land on the same order: TronWeb sees the supply fall once.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = await TronWebAsync("read", "--token", token);
        Assert.Equal((ledger.Supply - Tokens(0.5m)).ToChainUnits(18), BigInteger.Parse(after.GetProperty("totalSupply").GetString()!));
        Assert.Equal(ledger.Supply - Tokens(0.5m), (await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("TSLAx", Chain)).GetAsync()).Supply);
    }

    [Fact]
    public async Task A_tron_deposit_from_an_unknown_sender_or_with_dust_is_held_and_burns_nothing()
    {
        await platform.MintAsync(_holders, "NVDAx", Chain, Tokens(1m));
        var stranger = EvmPrivateKey.Generate();
        var strangerAddress = Sharemint.Chains.Tron.TronAddress.FromPublicKey(stranger.PublicKey).ToBase58();
        await _holders.FundGasAsync(Chain, strangerAddress);
        await _holders.SendAsync("NVDAx", Chain, strangerAddress, Tokens(0.3m));
        var supply = await _holders.SupplyAsync("NVDAx", Chain);
        var redemption = await _holders.RedemptionAddressAsync(Chain);

        var since = DateTimeOffset.UtcNow;
        await _holders.SendAsync("NVDAx", Chain, redemption, Tokens(0.3m), from: stranger);
        var held = await platform.WaitForDepositOrderAsync(Chain, OrderStatus.Held, since);
        Assert.Equal("unknown_sender", held.FailureCode);

        // One raw unit of an 18-decimal token is not a whole canonical unit: dust, held, never rounded.
        await _holders.SendAsync("NVDAx", Chain, redemption, CanonicalAmount.Zero, rawAmount: 1);
        var dust = await platform.WaitForDepositOrderAsync(Chain, OrderStatus.Held, since, held.OrderId);
        Assert.Equal("amount_has_dust", dust.FailureCode);
        Assert.Equal(supply, await _holders.SupplyAsync("NVDAx", Chain));
    }

    [Fact]
    public async Task Redeem_by_api_on_tron_burns_the_approved_tokens_and_pays()
    {
        await platform.MintAsync(_holders, "NVDAx", Chain, Tokens(1.5m));
        await _holders.ApproveIssuerAsync("NVDAx", Chain, Tokens(1m));
        var balance = await _holders.BalanceAsync("NVDAx", Chain);
        var cash = await platform.CashAsync();

        var order = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceRedeemAsync(
            new RedeemOrderRequest(PlatformFixture.Partner, "NVDAx", Chain, _holders.Wallet(Chain), Tokens(1m), null));
        var settled = await platform.WaitForOrderAsync(order.OrderId, OrderStatus.Settled);

        Assert.Equal(balance - Tokens(1m), await _holders.BalanceAsync("NVDAx", Chain));
        Assert.True(settled.Cash > 0m, $"paid {settled.Cash}");
        Assert.Equal(cash + settled.Cash!.Value, await platform.CashAsync());
        var ledger = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("NVDAx", Chain)).GetAsync();
        Assert.Equal(await _holders.SupplyAsync("NVDAx", Chain), ledger.Supply);
    }

    [Theory]
    [InlineData("tron", "ethereum")]
    [InlineData("ethereum", "tron")]
    [InlineData("solana", "tron")]
    [InlineData("tron", "solana")]
    [InlineData("bnb", "tron")]
    [InlineData("tron", "bnb")]
    public async Task A_move_between_tron_and_another_chain_burns_then_mints_and_never_changes_issued(string from, string to)
    {
        await platform.MintAsync(_holders, "TSLAx", from, Tokens(1m));
        if (from != "solana")
        {
            await _holders.ApproveIssuerAsync("TSLAx", from, Tokens(0.4m));
        }
        var fromBefore = await _holders.BalanceAsync("TSLAx", from);
        var toBefore = await _holders.BalanceAsync("TSLAx", to);
        var issued = (await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Issued;

        var order = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceTransferAsync(new TransferOrderRequest(
            PlatformFixture.Partner, "TSLAx", from, _holders.Wallet(from), to, _holders.Wallet(to), Tokens(0.4m)));
        var settled = await platform.WaitForOrderAsync(order.OrderId, OrderStatus.Settled);

        Assert.Equal(fromBefore - Tokens(0.4m), await _holders.BalanceAsync("TSLAx", from));
        Assert.Equal(toBefore + Tokens(0.4m), await _holders.BalanceAsync("TSLAx", to));
        var asset = await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync();
        Assert.Equal(issued, asset.Issued);
        Assert.True(asset.InTransit.IsZero);
        Assert.Equal(2, settled.TransactionIds.Count);
        foreach (var chain in new[] { from, to })
        {
            var ledger = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("TSLAx", chain)).GetAsync();
            Assert.Equal(await _holders.SupplyAsync("TSLAx", chain), ledger.Supply);
        }
    }

    [Fact]
    public async Task The_chain_head_probe_reads_the_tron_head_and_the_issuers_trx()
    {
        var head = (await platform.Tron.Client.GetNowBlockAsync()).Number;
        var issuer = await _holders.RedemptionAddressAsync(Chain);
        var trx = (await platform.Tron.Client.GetAccountAsync(Sharemint.Chains.Tron.TronAddress.Parse(issuer)))!.Balance / 1_000_000m;
        using var http = platform.Silo.CreateManagementHttpClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var lines = (await http.GetStringAsync("metrics")).Split('\n');
            var headLine = lines.FirstOrDefault(l => l.StartsWith("sharemint_chain_head{", StringComparison.Ordinal) && l.Contains("chain=\"tron\"", StringComparison.Ordinal));
            var balanceLine = lines.FirstOrDefault(l => l.StartsWith("sharemint_chain_issuer_balance{", StringComparison.Ordinal)
                && l.Contains("chain=\"tron\"", StringComparison.Ordinal) && l.Contains($"account=\"{issuer}\"", StringComparison.Ordinal));
            if (headLine is not null && balanceLine is not null && Sample(headLine) >= head)
            {
                // The genesis issuer may pay energy between the two reads, and the sample is a double (about 16 digits):
                // the probe's TRX is the node's within 1 %.
                var balance = Sample(balanceLine);
                Assert.True(Math.Abs(balance - trx) < trx * 0.01m, $"probe {balance} TRX, node {trx} TRX");
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"no tron head ≥ {head} or issuer balance in the metrics:\n{string.Join('\n', lines.Where(l => l.Contains("tron", StringComparison.Ordinal)))}");
            await Task.Delay(500);
        }
        // A probe error would be a failed chain call labelled with the Tron client's error code.
        var calls = (await http.GetStringAsync("metrics")).Split('\n')
            .Where(l => l.Contains("chain=\"tron\"", StringComparison.Ordinal) && l.Contains("operation=\"head\"", StringComparison.Ordinal) && l.Contains("error=", StringComparison.Ordinal)
                && !l.Contains("error=\"\"", StringComparison.Ordinal));
        Assert.Empty(calls);
    }

    private static decimal Sample(string line) =>
        decimal.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>TronWeb (unchanged) against the fixture's node; returns its JSON answer.</summary>
    private Task<JsonElement> TronWebAsync(string mode, params string[] arguments) => TronWebHolder.RunAsync(platform, mode, arguments);
}
