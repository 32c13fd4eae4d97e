using System.Text;
using Npgsql;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Reserves;
using Sharemint.Signing;
using Sharemint.Units;
using static Sharemint.EndToEnd.Tests.FlowTestSupport;

namespace Sharemint.EndToEnd.Tests;

/// <summary>Mint, redeem, move and prove reserves against the real silo and the four local chains.</summary>
[Collection(PlatformCollection.Name)]
public sealed class FlowTests(PlatformFixture platform)
{
    private readonly Holders _holders = new(platform);

    [Theory]
    [InlineData("ethereum")]
    [InlineData("bnb")]
    [InlineData("solana")]
    [InlineData("tron")]
    public async Task Mint_settles_with_the_tokens_really_on_chain(string chain)
    {
        var amount = Tokens(1.25m);
        var balanceBefore = await _holders.BalanceAsync("TSLAx", chain);
        var cashBefore = await platform.CashAsync();
        var issuedBefore = (await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Issued;

        var quote = await platform.QuoteAsync("TSLAx", QuoteSide.Mint, amount);
        var seed = Convert.FromBase64String(platform.AttestationSeed);
        Assert.True(IssuerSigningKeys.Verify(new IssuerSigningKeys(seed, seed).QuotePublicKey, Encoding.UTF8.GetBytes(quote.Payload), quote.Signature));
        var order = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId())
            .PlaceMintAsync(new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, chain, _holders.Wallet(chain)));
        Assert.Equal(OrderStatus.Accepted, order.Status);
        var settled = await platform.WaitForOrderAsync(order.OrderId, OrderStatus.Settled);

        Assert.Equal(balanceBefore + amount, await _holders.BalanceAsync("TSLAx", chain));
        Assert.Equal(cashBefore - quote.Total, await platform.CashAsync());
        Assert.Equal(issuedBefore + amount, (await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Issued);
        Assert.NotEmpty(settled.TransactionIds);
        var ledger = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("TSLAx", chain)).GetAsync();
        Assert.Equal(await _holders.SupplyAsync("TSLAx", chain), ledger.Supply);
    }

    [Fact]
    public async Task Replayed_order_id_returns_the_same_order_and_mints_once()
    {
        var amount = Tokens(0.5m);
        var before = await _holders.BalanceAsync("NVDAx", "bnb");
        var quote = await platform.QuoteAsync("NVDAx", QuoteSide.Mint, amount);
        var orderId = NewOrderId();
        var request = new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, "bnb", _holders.Wallet("bnb"));
        var placements = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceMintAsync(request)));
        Assert.All(placements, p => Assert.Equal(orderId, p.OrderId));
        await platform.WaitForOrderAsync(orderId, OrderStatus.Settled);
        await platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceMintAsync(request);
        Assert.Equal(before + amount, await _holders.BalanceAsync("NVDAx", "bnb"));

        // The same quote under another order id is a replay: refused, nothing minted.
        var replay = await Assert.ThrowsAsync<LedgerException>(() =>
            platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceMintAsync(request));
        Assert.Equal(LedgerError.QuoteAlreadyUsed, replay.Error);
        // The same order id with another request is a conflict.
        var conflict = await Assert.ThrowsAsync<LedgerException>(() =>
            platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceMintAsync(request with { Chain = "ethereum", Wallet = _holders.Wallet("ethereum") }));
        Assert.Equal(LedgerError.IdempotencyConflict, conflict.Error);
        Assert.Equal(before + amount, await _holders.BalanceAsync("NVDAx", "bnb"));
    }

    [Fact]
    public async Task A_quote_lives_in_memory_only_and_the_order_keeps_it_signed()
    {
        var amount = Tokens(0.25m);
        var quoteId = $"q_{Guid.NewGuid():N}";
        var request = new QuoteRequest(PlatformFixture.Partner, "TSLAx", QuoteSide.Mint, amount);
        var quote = await platform.Grains.GetGrain<IQuoteGrain>(quoteId).CreateAsync(request);
        // The same id and request answer the same signed quote; another request under that id is a conflict.
        var again = await platform.Grains.GetGrain<IQuoteGrain>(quoteId).CreateAsync(request);
        Assert.Equal(quote.Signature, again.Signature);
        Assert.Equal(quote.Payload, again.Payload);
        var other = await Assert.ThrowsAsync<LedgerException>(() =>
            platform.Grains.GetGrain<IQuoteGrain>(quoteId).CreateAsync(request with { Amount = Tokens(0.5m) }));
        Assert.Equal(LedgerError.IdempotencyConflict, other.Error);

        var orderId = NewOrderId();
        var placement = new MintOrderRequest(PlatformFixture.Partner, quoteId, "ethereum", _holders.Wallet("ethereum"));
        var order = await platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceMintAsync(placement);
        // The order holds the signed quote: the accepted price stays provable after the quote is gone.
        Assert.Equal(quote.Signature, order.Quote?.Signature);
        Assert.Equal(quote.Payload, order.Quote?.Payload);
        var seed = Convert.FromBase64String(platform.AttestationSeed);
        Assert.True(IssuerSigningKeys.Verify(new IssuerSigningKeys(seed, seed).QuotePublicKey, Encoding.UTF8.GetBytes(order.Quote!.Payload), order.Quote.Signature));
        // Making and using the quote wrote no row.
        await using (var data = NpgsqlDataSource.Create(platform.ConnectionString))
        await using (var rows = data.CreateCommand($"SELECT count(*) FROM orleans_storage WHERE grain_id_extension LIKE '%{quoteId}%'"))
        {
            Assert.Equal(0L, await rows.ExecuteScalarAsync());
        }

        // The quote's activation goes away: its id now names nothing, so it cannot be used again, by anyone.
        await platform.Grains.GetGrain<IQuoteGrain>(quoteId).Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        LedgerException? gone = null;
        while (gone is null && DateTimeOffset.UtcNow < deadline)
        {
            try
            {
                await platform.Grains.GetGrain<IQuoteGrain>(quoteId).GetAsync();
                await Task.Delay(100);
            }
            catch (LedgerException error)
            {
                gone = error;
            }
        }
        Assert.Equal(LedgerError.QuoteNotFound, gone?.Error);
        // The API's existence checks ask without an exception, and get the same answers.
        Assert.Null(await platform.Grains.GetGrain<IQuoteGrain>(quoteId).FindAsync());
        var found = await platform.Grains.GetGrain<IOrderGrain>(orderId).FindAsync();
        Assert.Equal((orderId, quoteId), (found?.OrderId, found?.QuoteId));
        var reuse = await Assert.ThrowsAsync<LedgerException>(() => platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceMintAsync(placement));
        Assert.Equal(LedgerError.QuoteNotFound, reuse.Error);
        // The placement replayed under its own order id is still the same order (it no longer needs the quote).
        Assert.Equal(orderId, (await platform.Grains.GetGrain<IOrderGrain>(orderId).PlaceMintAsync(placement)).OrderId);
        var settled = await platform.WaitForOrderAsync(orderId, OrderStatus.Settled);
        Assert.Equal(quote.Signature, settled.Quote?.Signature);
        Assert.Equal(quote.Total, settled.Cash);
    }

    [Fact]
    public async Task Expired_quote_is_refused_and_holds_no_cash()
    {
        var quote = await platform.QuoteAsync("TSLAx", QuoteSide.Mint, Tokens(1m));
        var cash = await platform.CashAsync();
        await Task.Delay(quote.ExpiresAt - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(300));
        var orderId = NewOrderId();
        var error = await Assert.ThrowsAsync<LedgerException>(() => platform.Grains.GetGrain<IOrderGrain>(orderId)
            .PlaceMintAsync(new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, "ethereum", _holders.Wallet("ethereum"))));
        Assert.Equal(LedgerError.QuoteExpired, error.Error);
        Assert.Equal(cash, await platform.CashAsync());
        var missing = await Assert.ThrowsAsync<LedgerException>(() => platform.Grains.GetGrain<IOrderGrain>(orderId).GetAsync());
        Assert.Equal(LedgerError.OrderNotFound, missing.Error);
        Assert.Null(await platform.Grains.GetGrain<IOrderGrain>(orderId).FindAsync());
    }

    [Fact]
    public async Task Mint_to_a_wallet_not_allow_listed_is_refused()
    {
        var quote = await platform.QuoteAsync("TSLAx", QuoteSide.Mint, Tokens(1m));
        var stranger = Sharemint.Chains.Evm.EvmPrivateKey.Generate().Address.ToString();
        var error = await Assert.ThrowsAsync<LedgerException>(() => platform.Grains.GetGrain<IOrderGrain>(NewOrderId())
            .PlaceMintAsync(new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, "ethereum", stranger)));
        Assert.Equal(LedgerError.WalletNotAllowListed, error.Error);
        var malformed = await Assert.ThrowsAsync<LedgerException>(() => platform.Grains.GetGrain<IOrderGrain>(NewOrderId())
            .PlaceMintAsync(new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, "ethereum", "0x1234")));
        Assert.Equal(LedgerError.AddressInvalid, malformed.Error);
    }

    [Fact]
    public async Task Redeem_from_the_wallet_burns_sells_and_pays()
    {
        await platform.MintAsync(_holders, "TSLAx", "ethereum", Tokens(2m));
        var balance = await _holders.BalanceAsync("TSLAx", "ethereum");
        var cash = await platform.CashAsync();
        var issued = (await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Issued;
        await _holders.ApproveIssuerAsync("TSLAx", "ethereum", Tokens(1m));

        var order = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceRedeemAsync(
            new RedeemOrderRequest(PlatformFixture.Partner, "TSLAx", "ethereum", _holders.Wallet("ethereum"), Tokens(1m), null));
        var settled = await platform.WaitForOrderAsync(order.OrderId, OrderStatus.Settled);

        Assert.Equal(balance - Tokens(1m), await _holders.BalanceAsync("TSLAx", "ethereum"));
        Assert.True(settled.Cash > 240m && settled.Cash <= 250m, $"paid {settled.Cash}");
        Assert.Equal(cash + settled.Cash!.Value, await platform.CashAsync());
        Assert.Equal(issued - Tokens(1m), (await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Issued);
    }

    [Fact]
    public async Task Redeem_without_allowance_fails_cleanly_and_burns_nothing()
    {
        await platform.MintAsync(_holders, "NVDAx", "ethereum", Tokens(1m));
        await _holders.ApproveIssuerAsync("NVDAx", "ethereum", CanonicalAmount.Zero);
        var balance = await _holders.BalanceAsync("NVDAx", "ethereum");
        var issued = (await platform.Grains.GetGrain<IAssetGrain>("NVDAx").GetAsync()).Issued;
        var order = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceRedeemAsync(
            new RedeemOrderRequest(PlatformFixture.Partner, "NVDAx", "ethereum", _holders.Wallet("ethereum"), Tokens(1m), null));
        var failed = await platform.WaitForOrderAsync(order.OrderId, OrderStatus.Failed);
        Assert.NotNull(failed.FailureCode);
        Assert.Equal(balance, await _holders.BalanceAsync("NVDAx", "ethereum"));
        var asset = await platform.Grains.GetGrain<IAssetGrain>("NVDAx").GetAsync();
        Assert.Equal(issued, asset.Issued);
        Assert.True(asset.PendingBurn.IsZero);
    }

    [Theory]
    [InlineData("bnb")]
    [InlineData("solana")]
    public async Task Deposit_to_the_redemption_address_is_redeemed_once(string chain)
    {
        await platform.MintAsync(_holders, "TSLAx", chain, Tokens(1m));
        var cash = await platform.CashAsync();
        var supply = await _holders.SupplyAsync("TSLAx", chain);
        var redemption = await _holders.RedemptionAddressAsync(chain);

        var since = DateTimeOffset.UtcNow;
        await _holders.SendAsync("TSLAx", chain, redemption, Tokens(0.4m));

        var order = await platform.WaitForDepositOrderAsync(chain, OrderStatus.Settled, since);
        Assert.Equal(Tokens(0.4m), order.Amount);
        Assert.Equal(supply - Tokens(0.4m), await _holders.SupplyAsync("TSLAx", chain));
        Assert.Equal(cash + order.Cash!.Value, await platform.CashAsync());
        // Later scans see the same deposit again and land on the same order: nothing burns twice.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(supply - Tokens(0.4m), await _holders.SupplyAsync("TSLAx", chain));
        var ledger = await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("TSLAx", chain)).GetAsync();
        Assert.Equal(await _holders.SupplyAsync("TSLAx", chain), ledger.Supply);
    }

    [Fact]
    public async Task Deposit_from_an_unknown_sender_or_with_dust_is_held_not_redeemed()
    {
        await platform.MintAsync(_holders, "NVDAx", "bnb", Tokens(1m));
        var stranger = Sharemint.Chains.Evm.EvmPrivateKey.Generate();
        await _holders.FundGasAsync("bnb", stranger.Address.ToString());
        await _holders.SendAsync("NVDAx", "bnb", stranger.Address.ToString(), Tokens(0.3m));
        var supply = await _holders.SupplyAsync("NVDAx", "bnb");
        var redemption = await _holders.RedemptionAddressAsync("bnb");

        var since = DateTimeOffset.UtcNow;
        await _holders.SendAsync("NVDAx", "bnb", redemption, Tokens(0.3m), from: stranger);
        var held = await platform.WaitForDepositOrderAsync("bnb", OrderStatus.Held, since);
        Assert.Equal("unknown_sender", held.FailureCode);

        // 1 raw unit on an 18-decimal token is not a whole canonical unit: dust, held.
        await _holders.SendAsync("NVDAx", "bnb", redemption, CanonicalAmount.Zero, rawAmount: 1);
        var dust = await platform.WaitForDepositOrderAsync("bnb", OrderStatus.Held, since, held.OrderId);
        Assert.Equal("amount_has_dust", dust.FailureCode);
        Assert.Equal(supply, await _holders.SupplyAsync("NVDAx", "bnb"));
    }

    [Fact]
    public async Task Move_between_chains_burns_then_mints_and_never_changes_issued()
    {
        await platform.MintAsync(_holders, "TSLAx", "ethereum", Tokens(3m));
        await _holders.ApproveIssuerAsync("TSLAx", "ethereum", Tokens(0.75m));
        var fromBefore = await _holders.BalanceAsync("TSLAx", "ethereum");
        var toBefore = await _holders.BalanceAsync("TSLAx", "solana");
        var issued = (await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync()).Issued;

        var order = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceTransferAsync(new TransferOrderRequest(
            PlatformFixture.Partner, "TSLAx", "ethereum", _holders.Wallet("ethereum"), "solana", _holders.Wallet("solana"), Tokens(0.75m)));
        var settled = await platform.WaitForOrderAsync(order.OrderId, OrderStatus.Settled);

        Assert.Equal(fromBefore - Tokens(0.75m), await _holders.BalanceAsync("TSLAx", "ethereum"));
        Assert.Equal(toBefore + Tokens(0.75m), await _holders.BalanceAsync("TSLAx", "solana"));
        var asset = await platform.Grains.GetGrain<IAssetGrain>("TSLAx").GetAsync();
        Assert.Equal(issued, asset.Issued);
        Assert.True(asset.InTransit.IsZero);
        Assert.Equal(2, settled.TransactionIds.Count);
    }

    [Fact]
    public async Task Over_limit_moves_queue_and_can_be_cancelled_and_paused_chains_refuse()
    {
        var bridge = platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("NVDAx", "bnb"));
        await bridge.SetRateLimitsAsync(Sharemint.Operations.OperationId.From($"limits-{Guid.NewGuid():N}"),
            new RateLimit(Tokens(1m), CanonicalAmount.Zero, Tokens(1m)), null);
        await platform.MintAsync(_holders, "NVDAx", "bnb", Tokens(2m));
        await _holders.ApproveIssuerAsync("NVDAx", "bnb", Tokens(2m));
        TransferOrderRequest Move(decimal tokens) => new(PlatformFixture.Partner, "NVDAx", "bnb", _holders.Wallet("bnb"), "ethereum",
            _holders.Wallet("ethereum"), Tokens(tokens));

        var tooBig = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceTransferAsync(Move(1.5m));
        var refused = await platform.WaitForOrderAsync(tooBig.OrderId, OrderStatus.Failed);
        Assert.Equal("rate_limited", refused.FailureCode);

        var first = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceTransferAsync(Move(0.8m));
        await platform.WaitForOrderAsync(first.OrderId, OrderStatus.Settled);
        var second = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceTransferAsync(Move(0.8m));
        await platform.WaitForOrderAsync(second.OrderId, OrderStatus.Queued);
        var balance = await _holders.BalanceAsync("NVDAx", "bnb");
        var cancelled = await platform.Grains.GetGrain<IOrderGrain>(second.OrderId).CancelAsync();
        Assert.Equal(OrderStatus.Cancelled, cancelled.Status);
        Assert.Equal(balance, await _holders.BalanceAsync("NVDAx", "bnb"));
        Assert.Equal(Tokens(0.2m), (await bridge.GetAsync()).OutboundLimit!.Available);

        var ethereum = platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("NVDAx", "ethereum"));
        await ethereum.SetPausedAsync(Sharemint.Operations.OperationId.From($"pause-{Guid.NewGuid():N}"), true);
        try
        {
            var paused = await Assert.ThrowsAsync<LedgerException>(() => platform.Grains.GetGrain<IOrderGrain>(NewOrderId()).PlaceTransferAsync(Move(0.1m)));
            Assert.Equal(LedgerError.ChainPaused, paused.Error);
        }
        finally
        {
            await ethereum.SetPausedAsync(Sharemint.Operations.OperationId.From($"resume-{Guid.NewGuid():N}"), false);
            await bridge.SetRateLimitsAsync(Sharemint.Operations.OperationId.From($"limits-{Guid.NewGuid():N}"), null, null);
        }
    }

    [Fact]
    public async Task Attestation_verifies_and_matches_the_chains()
    {
        await platform.MintAsync(_holders, "NVDAx", "solana", Tokens(0.6m));
        var attestation = await platform.Grains.GetGrain<IReservesGrain>("NVDAx").ReconcileAsync();

        Assert.True(IssuerSigningKeys.Verify(attestation.PublicKey, Encoding.UTF8.GetBytes(attestation.Payload), attestation.Signature));
        Assert.False(IssuerSigningKeys.Verify(attestation.PublicKey, Encoding.UTF8.GetBytes(attestation.Payload.Replace("NVDAx", "NVDAy", StringComparison.Ordinal)), attestation.Signature));
        var report = attestation.Report;
        Assert.True(report.Balanced, attestation.Payload);
        Assert.True(report.BackingRatio >= 1m);
        foreach (var deployment in report.Deployments)
        {
            Assert.Equal(0, deployment.DriftUnits);
            Assert.Equal(await _holders.SupplyAsync("NVDAx", deployment.Chain), deployment.OnChainSupply);
        }
        Assert.Equal(PlatformFixture.Chains.Length, report.Deployments.Count);
        var history = await platform.Grains.GetGrain<IReservesGrain>("NVDAx").GetHistoryAsync(10);
        Assert.Equal(report.Sequence, history[0].Sequence);
    }

    [Fact]
    public async Task The_public_api_lists_each_deployment_with_its_token_and_redemption_address()
    {
        using var http = platform.Silo.CreateHttpClient();
        using var response = await http.GetAsync("v1/assets/TSLAx/deployments");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var deployments = json.RootElement.EnumerateArray().ToDictionary(d => d.GetProperty("chain").GetString()!);
        Assert.Equal(PlatformFixture.Chains.Order(), deployments.Keys.Order());
        foreach (var chain in PlatformFixture.Chains)
        {
            Assert.Equal((await _holders.TokenAsync("TSLAx", chain)).TokenAddress, deployments[chain].GetProperty("tokenAddress").GetString());
            Assert.Equal(await _holders.RedemptionAddressAsync(chain), deployments[chain].GetProperty("redemptionAddress").GetString());
        }
        using var unknown = await http.GetAsync("v1/assets/NOPEx/deployments");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }

}
