using System.Globalization;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Quotes;
using Sharemint.Signers;
using Sharemint.Telemetry;
using Sharemint.Units;

namespace Sharemint.Orders;

/// <summary>
/// The checks an order passes before it exists, per kind (eligibility, pauses, deployments, quotes, dust), and the
/// order each placement becomes. Admission changes nothing but the quote it consumes; a refusal leaves no order.
/// </summary>
internal sealed class OrderAdmission(IOrderPeers grains, TimeProvider clock, string orderId)
{
    /// <summary>What makes two placements under one order id the same request.</summary>
    public static string Fingerprint(MintOrderRequest r, string wallet) => $"mint|{r.AccountId}|{r.QuoteId}|{r.Chain}|{wallet}";

    public static string Fingerprint(RedeemOrderRequest r, string wallet) =>
        $"redeem|{r.AccountId}|{r.Symbol}|{r.Chain}|{wallet}|{r.Amount.Units}|{r.QuoteId}";

    public static string Fingerprint(TransferOrderRequest r, string fromWallet, string toWallet) =>
        $"transfer|{r.AccountId}|{r.Symbol}|{r.FromChain}|{fromWallet}|{r.ToChain}|{toWallet}|{r.Amount.Units}";

    public static string Fingerprint(string symbol, string chain, TokenDeposit deposit) => $"deposit|{symbol}|{chain}|{deposit.DepositId}";

    public async Task<OrderState> MintAsync(MintOrderRequest request, string wallet)
    {
        RequireText(request.AccountId, "Account id");
        RequireText(request.QuoteId, "Quote id");
        var quote = await grains.Quote(request.QuoteId).GetAsync();
        if (quote.AccountId != request.AccountId)
        {
            // Another partner's quote id reads as unknown: ids are not a way to probe other accounts.
            throw new LedgerException(LedgerError.QuoteNotFound, $"No quote '{request.QuoteId}'.");
        }
        if (quote.Side != QuoteSide.Mint)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Quote '{quote.QuoteId}' prices a redemption, not a mint.");
        }
        var asset = await grains.Asset(quote.Symbol).GetAsync();
        if (!asset.Status.AllowsMint())
        {
            throw new LedgerException(asset.Status.RefusalError(), $"{quote.Symbol} is {asset.Status}: no mints.");
        }
        await RequireDeploymentAsync(quote.Symbol, request.Chain, quote.Amount);
        await grains.Account(request.AccountId).CheckEligibilityAsync(request.Chain, wallet);
        quote = await grains.Quote(request.QuoteId).ConsumeAsync(orderId);

        var order = Begin(OrderKind.Mint, Fingerprint(request, wallet), request.AccountId, quote.Symbol, asset.Definition.UnderlyingTicker,
            request.Chain, wallet, quote.Amount);
        order.QuoteId = quote.QuoteId;
        order.Quote = quote;
        order.Cash = quote.Total;
        order.Shares = quote.Shares;
        return Accepted(order, $"quote {quote.QuoteId}: {quote.Total.ToString(CultureInfo.InvariantCulture)} USD");
    }

    public async Task<OrderState> RedeemAsync(RedeemOrderRequest request, string wallet)
    {
        RequireText(request.AccountId, "Account id");
        RequireText(request.Symbol, "Symbol");
        LedgerValidation.RequirePositive(request.Amount, "Redemption amount");
        var asset = await grains.Asset(request.Symbol).GetAsync();
        if (!asset.Status.AllowsRedeem())
        {
            throw new LedgerException(asset.Status.RefusalError(), $"{request.Symbol} is {asset.Status}: no redemptions.");
        }
        await RequireDeploymentAsync(request.Symbol, request.Chain, request.Amount);
        var account = grains.Account(request.AccountId);
        await account.CheckEligibilityAsync(request.Chain, wallet);
        var profile = (await account.GetAsync()).Profile;
        Quote? quote = null;
        if (request.QuoteId is not null)
        {
            quote = await grains.Quote(request.QuoteId).GetAsync();
            if (quote.AccountId != request.AccountId)
            {
                throw new LedgerException(LedgerError.QuoteNotFound, $"No quote '{request.QuoteId}'.");
            }
            if (quote.Side != QuoteSide.Redeem || quote.Symbol != request.Symbol || quote.Amount != request.Amount)
            {
                throw new LedgerException(LedgerError.InvalidArgument, $"Quote '{quote.QuoteId}' does not price this redemption.");
            }
            quote = await grains.Quote(request.QuoteId).ConsumeAsync(orderId);
        }

        var order = Begin(OrderKind.Redeem, Fingerprint(request, wallet), request.AccountId, request.Symbol, asset.Definition.UnderlyingTicker,
            request.Chain, wallet, request.Amount);
        order.FromWallet = wallet;
        order.QuoteId = quote?.QuoteId;
        order.Quote = quote;
        order.Cash = quote?.Total;
        order.FeeRate = profile.FeeRate;
        return Accepted(order, quote is null ? "priced at execution" : $"quote {quote.QuoteId}");
    }

    public async Task<OrderState> TransferAsync(TransferOrderRequest request, string fromWallet, string toWallet)
    {
        RequireText(request.AccountId, "Account id");
        RequireText(request.Symbol, "Symbol");
        LedgerValidation.RequirePositive(request.Amount, "Move amount");
        if (request.FromChain == request.ToChain)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A move needs two different chains.");
        }
        var asset = await grains.Asset(request.Symbol).GetAsync();
        if (!asset.Status.AllowsMove())
        {
            throw new LedgerException(asset.Status.RefusalError(), $"{request.Symbol} is {asset.Status}: no moves between chains.");
        }
        await RequireDeploymentAsync(request.Symbol, request.FromChain, request.Amount);
        await RequireDeploymentAsync(request.Symbol, request.ToChain, request.Amount);
        var account = grains.Account(request.AccountId);
        await account.CheckEligibilityAsync(request.FromChain, fromWallet);
        await account.CheckEligibilityAsync(request.ToChain, toWallet);

        var order = Begin(OrderKind.Transfer, Fingerprint(request, fromWallet, toWallet), request.AccountId, request.Symbol,
            asset.Definition.UnderlyingTicker, request.ToChain, toWallet, request.Amount);
        order.FromChain = request.FromChain;
        order.FromWallet = fromWallet;
        return Accepted(order, $"{request.FromChain} → {request.ToChain}");
    }

    /// <summary>
    /// A deposit to the redemption address becomes a redemption, or is held for an operator (invariant 7) when the
    /// platform cannot attribute it or must not touch it: dust, a sanctioned sender, a sender no partner allow-lists.
    /// </summary>
    public async Task<OrderState> DepositAsync(string symbol, string chain, TokenDeposit deposit)
    {
        var asset = await grains.Asset(symbol).GetAsync();
        var from = ChainAddress.Canonicalize(chain, deposit.FromAddress);
        var owner = await FindAccountByWalletAsync(chain, from);
        var order = Begin(OrderKind.Redeem, Fingerprint(symbol, chain, deposit), owner ?? "", symbol, asset.Definition.UnderlyingTicker, chain, from,
            deposit.Amount ?? CanonicalAmount.Zero);
        order.FromDeposit = true;
        order.DepositId = deposit.DepositId;
        order.FromWallet = from;
        order.TransactionIds.Add(deposit.TransactionId);

        string? holdReason = null;
        if (deposit.Amount is null)
        {
            holdReason = $"amount_has_dust: {deposit.RawAmount} raw units is not a whole number of canonical units";
        }
        else if (await grains.Sanctions().IsSanctionedAsync(chain, from))
        {
            holdReason = $"address_sanctioned: {from} on {chain}";
        }
        else if (asset.Status == AssetStatus.Delisted)
        {
            holdReason = $"asset_delisted: {symbol} closed at {asset.RedeemUntil:O}; an operator decides what to do with the tokens";
        }
        else if (owner is null)
        {
            holdReason = $"unknown_sender: {from} is not allow-listed by any partner on {chain}";
        }
        else
        {
            order.FeeRate = (await grains.Account(owner).GetAsync()).Profile.FeeRate;
        }

        if (holdReason is null)
        {
            return Accepted(order, $"deposit {deposit.DepositId}");
        }
        order.Status = OrderStatus.Held;
        order.Stage = OrderStage.Done;
        order.FailureCode = holdReason[..holdReason.IndexOf(':', StringComparison.Ordinal)];
        order.FailureMessage = holdReason;
        order.Steps.Add(new OrderStep("held", $"{orderId}/place", "held", clock.GetUtcNow(), holdReason));
        return order;
    }

    private OrderState Begin(OrderKind kind, string fingerprint, string accountId, string symbol, string underlying, string chain, string wallet,
        CanonicalAmount amount)
    {
        var now = clock.GetUtcNow();
        return new OrderState
        {
            Kind = kind,
            Status = OrderStatus.Accepted,
            Stage = OrderStage.Start,
            RequestFingerprint = fingerprint,
            AccountId = accountId,
            Symbol = symbol,
            Underlying = underlying,
            Chain = chain,
            Wallet = wallet,
            Amount = amount,
            CreatedAt = now,
            UpdatedAt = now,
            TraceParent = SharemintActivities.CurrentParent(),
        };
    }

    private OrderState Accepted(OrderState order, string detail)
    {
        order.Steps.Add(new OrderStep("accepted", $"{orderId}/place", "ok", clock.GetUtcNow(), detail));
        return order;
    }

    private async Task RequireDeploymentAsync(string symbol, string chain, CanonicalAmount amount)
    {
        _ = ChainAddress.FamilyOf(chain);
        var deployment = await grains.Bridge(symbol, chain).GetAsync();
        if (deployment.Paused)
        {
            throw new LedgerException(LedgerError.ChainPaused, $"{symbol} on {chain} is paused.");
        }
        _ = amount.ToChainUnits(deployment.Config.Decimals);
    }

    private async Task<string?> FindAccountByWalletAsync(string chain, string wallet)
    {
        foreach (var accountId in await grains.Catalog().ListAccountsAsync())
        {
            var account = await grains.Account(accountId).GetAsync();
            if (account.Wallets.Contains(new AllowListedWallet(chain, wallet)))
            {
                return accountId;
            }
        }
        return null;
    }

    private static void RequireText(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"{what} is required.");
        }
    }
}
