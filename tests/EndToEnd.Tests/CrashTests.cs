using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Orders;
using Sharemint.Quotes;
using static Sharemint.EndToEnd.Tests.FlowTestSupport;

namespace Sharemint.EndToEnd.Tests;

/// <summary>
/// The silo process stops hard (FailFast, as kill -9) right after each saga step is recorded; a fresh process on the same
/// database and chains must finish the order with exactly one on-chain effect and a ledger equal to the chains.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CrashTests(PlatformFixture platform)
{
    private readonly Holders _holders = new(platform);

    [Theory]
    [InlineData("mint.bought")]
    [InlineData("mint.reserved")]
    [InlineData("mint.mint-queued")]
    [InlineData("mint.minted")]
    [InlineData("mint.finished")]
    public async Task Mint_survives_a_crash_at_every_step(string point)
    {
        const string chain = "bnb";
        var amount = Tokens(0.7m);
        var balance = await _holders.BalanceAsync("TSLAx", chain);
        var cash = await platform.CashAsync();
        var orderId = NewOrderId();

        await ArmAsync(point);
        var quote = await platform.QuoteAsync("TSLAx", QuoteSide.Mint, amount);
        var request = new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, chain, _holders.Wallet(chain));
        await PlaceThroughCrashAsync(() => platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceMintAsync(request));

        await platform.WaitForOrderAsync(orderId, OrderStatus.Settled);
        Assert.Equal(balance + amount, await _holders.BalanceAsync("TSLAx", chain));
        Assert.Equal(cash - quote.Total, await platform.CashAsync());
        await AssertLedgerEqualsChainsAsync("TSLAx");
    }

    [Theory]
    [InlineData("redeem.burn-submitted")]
    [InlineData("redeem.burned")]
    [InlineData("redeem.sold")]
    [InlineData("redeem.finished")]
    public async Task Redemption_survives_a_crash_at_every_step(string point)
    {
        const string chain = "ethereum";
        await platform.EnsureRunningAsync();
        await platform.MintAsync(_holders, "NVDAx", chain, Tokens(1m));
        await _holders.ApproveIssuerAsync("NVDAx", chain, Tokens(0.5m));
        var balance = await _holders.BalanceAsync("NVDAx", chain);
        var cash = await platform.CashAsync();
        var orderId = NewOrderId();

        await ArmAsync(point);
        var request = new RedeemOrderRequest(PlatformFixture.Partner, "NVDAx", chain, _holders.Wallet(chain), Tokens(0.5m), null);
        await PlaceThroughCrashAsync(() => platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceRedeemAsync(request));

        var settled = await platform.WaitForOrderAsync(orderId, OrderStatus.Settled);
        Assert.Equal(balance - Tokens(0.5m), await _holders.BalanceAsync("NVDAx", chain));
        Assert.Equal(cash + settled.Cash!.Value, await platform.CashAsync());
        await AssertLedgerEqualsChainsAsync("NVDAx");
    }

    [Theory]
    [InlineData("transfer.burn-submitted")]
    [InlineData("transfer.burned")]
    [InlineData("transfer.mint-queued")]
    [InlineData("transfer.finished")]
    public async Task Move_survives_a_crash_at_every_step(string point)
    {
        await platform.EnsureRunningAsync();
        await platform.MintAsync(_holders, "TSLAx", "ethereum", Tokens(1m));
        await _holders.ApproveIssuerAsync("TSLAx", "ethereum", Tokens(0.4m));
        var from = await _holders.BalanceAsync("TSLAx", "ethereum");
        var to = await _holders.BalanceAsync("TSLAx", "solana");
        var issued = (await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Issued;
        var orderId = NewOrderId();

        await ArmAsync(point);
        var request = new TransferOrderRequest(
            PlatformFixture.Partner, "TSLAx", "ethereum", _holders.Wallet("ethereum"), "solana", _holders.Wallet("solana"), Tokens(0.4m));
        await PlaceThroughCrashAsync(() => platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceTransferAsync(request));

        await platform.WaitForOrderAsync(orderId, OrderStatus.Settled);
        Assert.Equal(from - Tokens(0.4m), await _holders.BalanceAsync("TSLAx", "ethereum"));
        Assert.Equal(to + Tokens(0.4m), await _holders.BalanceAsync("TSLAx", "solana"));
        var asset = await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync();
        Assert.Equal(issued, asset.Issued);
        Assert.True(asset.InTransit.IsZero);
        await AssertLedgerEqualsChainsAsync("TSLAx");
    }

    /// <summary>
    /// A mint the bridge has answered for but not yet put in a batch lives only in the bridge's memory. The process dies
    /// with it there (a batch window far longer than the test makes sure of that): the stored bridge state has never held
    /// it, and the restarted silo's order asks again, so the tokens are minted once and the ledger equals the chains.
    /// </summary>
    [Fact]
    public async Task A_mint_only_in_the_bridge_memory_when_the_process_dies_is_asked_for_again_and_minted_once()
    {
        const string chain = "bnb";
        var amount = Tokens(0.3m);
        var balance = await _holders.BalanceAsync("TSLAx", chain);
        var cash = await platform.CashAsync();
        var orderId = NewOrderId();

        await platform.RestartSiloAsync(crashAt: "mint.mint-queued",
            settings: new Dictionary<string, string> { ["Sharemint__Bridges__MintBatchWindow"] = "00:10:00" });
        var quote = await platform.QuoteAsync("TSLAx", QuoteSide.Mint, amount);
        var request = new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, chain, _holders.Wallet(chain));
        try
        {
            await platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceMintAsync(request);
        }
        catch (Exception error) when (error is TimeoutException or OrleansException)
        {
            // The process stopped before its reply left.
        }
        await platform.WaitForCrashAsync(TimeSpan.FromSeconds(60));

        await using (var db = Npgsql.NpgsqlDataSource.Create(platform.ConnectionString))
        {
            await using var command = db.CreateCommand(
                "SELECT count(*) FILTER (WHERE state::text LIKE $2), count(*) FROM grain_state WHERE grain_key = $1");
            command.Parameters.AddWithValue(DeploymentKey.For("TSLAx", chain));
            command.Parameters.AddWithValue($"%{orderId}/mint%");
            await using var row = await command.ExecuteReaderAsync();
            Assert.True(await row.ReadAsync());
            Assert.Equal(1L, row.GetInt64(1));
            Assert.Equal(0L, row.GetInt64(0));
        }

        await platform.RestartSiloAsync();
        Assert.NotEqual(OrderStatus.Failed, (await platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceMintAsync(request)).Status);
        await platform.WaitForOrderAsync(orderId, OrderStatus.Settled);
        Assert.Equal(balance + amount, await _holders.BalanceAsync("TSLAx", chain));
        Assert.Equal(cash - quote.Total, await platform.CashAsync());
        await AssertLedgerEqualsChainsAsync("TSLAx");
    }

    private async Task ArmAsync(string point)
    {
        await platform.RestartSiloAsync(crashAt: point);
    }

    /// <summary>
    /// Places the order on the armed silo, waits for the crash, restarts, and places it again with the same order id, as
    /// a partner retrying with the same idempotency key would: the reply to the first call may die with the process.
    /// </summary>
    private async Task PlaceThroughCrashAsync(Func<Task<OrderSnapshot>> place)
    {
        try
        {
            await place();
        }
        catch (Exception error) when (error is TimeoutException or OrleansException)
        {
            // The process stopped before its reply left; the retry below settles what happened.
        }
        await platform.WaitForCrashAsync(TimeSpan.FromSeconds(60));
        await platform.RestartSiloAsync();
        var again = await place();
        Assert.NotEqual(OrderStatus.Failed, again.Status);
    }

    private async Task AssertLedgerEqualsChainsAsync(string symbol)
    {
        // Invariants 1, 2 and 5 after recovery: every deployment's ledger supply equals the chain's, issued equals the sum
        // of the supplies plus transit, and custody backs it all.
        var asset = await platform.Grains.GetGrain<IAssetGrain>(symbol).GetAsync();
        var total = Sharemint.Units.CanonicalAmount.Zero;
        foreach (var chain in PlatformFixture.Chains)
        {
            var ledger = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain)).GetAsync();
            Assert.Equal(await _holders.SupplyAsync(symbol, chain), ledger.Supply);
            total += ledger.Supply;
        }
        Assert.Equal(asset.Issued, total + asset.InTransit);
        Assert.True(asset.CustodyShares >= asset.ReservedShares + asset.BackingShares);
    }
}
