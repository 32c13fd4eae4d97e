using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Market;
using Sharemint.Orders;
using Sharemint.Signing;
using Sharemint.Units;

namespace Sharemint.Quotes;

/// <summary>How quotes are priced (section <c>Sharemint:Quotes</c>).</summary>
public sealed class QuoteOptions
{
    public const string Section = "Sharemint:Quotes";

    /// <summary>How long a quote stays firm.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Spread (basis points) added to mints and taken from redemptions outside market hours.</summary>
    public int OffHoursSpreadBps { get; set; } = 50;
}

/// <summary>
/// <inheritdoc cref="IQuoteGrain"/> The quote lives in this activation's memory only: no row is written when it is made
/// or used, and nothing is read when the grain activates. A quote is firm for seconds, so an activation that is lost
/// (deactivated, silo gone) loses only quotes the partner asks for again: a new activation knows no quote and answers
/// <c>QuoteNotFound</c>, which is why a quote id takes effect at most once by construction. The order that uses a quote
/// stores it, payload and signature included, in its acceptance write, so the accepted price stays auditable.
/// </summary>
[GrainType("sharemint.quote")]
public sealed class QuoteGrain(
    IMarketData marketData,
    IMarketCalendar calendar,
    IssuerSigningKeys keys,
    IOptions<QuoteOptions> options,
    TimeProvider clock,
    ILogger<QuoteGrain> logger)
    : Grain, IQuoteGrain
{
    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);

    private Quote? _quote;
    private string? _fingerprint;

    private string QuoteId => this.GetPrimaryKeyString();

    public async Task<Quote> CreateAsync(QuoteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var fingerprint = $"{request.AccountId}|{request.Symbol}|{request.Side}|{request.Amount.Units}";
        if (_quote is { } existing)
        {
            return _fingerprint == fingerprint
                ? existing
                : throw new LedgerException(LedgerError.IdempotencyConflict, $"Quote '{QuoteId}' was created for another request.");
        }
        if (!Enum.IsDefined(request.Side))
        {
            throw new LedgerException(LedgerError.InvalidArgument, "Quote side must be mint or redeem.");
        }
        LedgerValidation.RequirePositive(request.Amount, "Quote amount");
        var account = await GrainFactory.GetGrain<IHolderAccountGrain>(request.AccountId).GetAsync();
        var asset = await GrainFactory.GetGrain<IAssetGrain>(request.Symbol).GetAsync();
        var allowed = request.Side == QuoteSide.Mint ? asset.Status.AllowsMint() : asset.Status.AllowsRedeem();
        if (!allowed)
        {
            throw new LedgerException(asset.Status.RefusalError(), $"{request.Symbol} is {asset.Status}.");
        }
        if (asset.CorporateActionWindow is { } action)
        {
            // No quote may straddle a multiplier switch: the window covers the switch and a quote's lifetime before it.
            throw new LedgerException(LedgerError.AssetPaused,
                $"{request.Symbol} is paused for corporate action '{action}' until its new multiplier is checked on every chain.");
        }

        var now = clock.GetUtcNow();
        var open = calendar.IsOpen(now);
        var last = await marketData.GetLastPriceAsync(asset.Definition.UnderlyingTicker);
        var spread = open ? 0m : options.Value.OffHoursSpreadBps / 10_000m;
        decimal price, shares, gross, fee, total;
        if (request.Side == QuoteSide.Mint)
        {
            // Everything rounds in the issuer's favour: shares up (backing), cash up.
            price = last.Price * (1m + spread);
            shares = asset.Multiplier.SharesToBack(request.Amount);
            gross = CeilingCents(shares * price);
            fee = CeilingCents(gross * account.Profile.FeeRate);
            total = gross + fee;
        }
        else
        {
            price = last.Price * (1m - spread);
            shares = RedeemFlow.SharesReleased(asset.Multiplier, request.Amount);
            gross = Math.Floor(shares * price * 100m) / 100m;
            fee = CeilingCents(gross * account.Profile.FeeRate);
            total = Math.Max(0m, gross - fee);
        }
        var expiresAt = now + options.Value.Lifetime;
        var payload = JsonSerializer.Serialize(new
        {
            quoteId = QuoteId,
            accountId = request.AccountId,
            symbol = request.Symbol,
            side = request.Side.ToString().ToLowerInvariant(),
            amountUnits = request.Amount.Units,
            pricePerShare = price.ToString(CultureInfo.InvariantCulture),
            multiplier = asset.Multiplier.ToString(),
            shares = shares.ToString(CultureInfo.InvariantCulture),
            gross = gross.ToString(CultureInfo.InvariantCulture),
            fee = fee.ToString(CultureInfo.InvariantCulture),
            total = total.ToString(CultureInfo.InvariantCulture),
            createdAt = now,
            expiresAt,
            marketOpen = open,
        }, PayloadJson);
        var signature = keys.SignQuote(Encoding.UTF8.GetBytes(payload));
        var quote = new Quote(QuoteId, request.AccountId, request.Symbol, request.Side, request.Amount, price, asset.Multiplier, shares,
            gross, fee, total, now, expiresAt, open, payload, signature, null);
        // Set only after every await: two concurrent requests cannot interleave here (one turn at a time), and a refused
        // request leaves no quote behind.
        _quote = quote;
        _fingerprint = fingerprint;
        return quote;
    }

    public Task<Quote> GetAsync() =>
        Task.FromResult(_quote ?? throw new LedgerException(LedgerError.QuoteNotFound, $"No quote '{QuoteId}'."));

    public Task<Quote?> FindAsync() => Task.FromResult(_quote);

    public Task<Quote> ConsumeAsync(string orderId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        var quote = _quote ?? throw new LedgerException(LedgerError.QuoteNotFound, $"No quote '{QuoteId}'.");
        if (quote.UsedByOrder == orderId)
        {
            return Task.FromResult(quote);
        }
        if (quote.UsedByOrder is not null)
        {
            throw new LedgerException(LedgerError.QuoteAlreadyUsed, $"Quote '{QuoteId}' was already used by another order.");
        }
        if (clock.GetUtcNow() >= quote.ExpiresAt)
        {
            throw new LedgerException(LedgerError.QuoteExpired, $"Quote '{QuoteId}' expired at {quote.ExpiresAt:u}; ask for a new one.");
        }
        _quote = quote with { UsedByOrder = orderId };
        logger.LogDebug("Quote {Quote} used by {Order}", QuoteId, orderId);
        return Task.FromResult(_quote);
    }

    private static decimal CeilingCents(decimal value) => Math.Ceiling(value * 100m) / 100m;
}
