using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Compliance;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Units;

namespace Sharemint.Saga.Tests.StandIns;

/// <summary>
/// Everything an order talks to, in memory: the asset, accounts, bridges (each with its chain), quotes, sanctions, the
/// catalog, the broker and market, the order store and index. Every call across a money boundary goes through
/// <see cref="CallAsync{T}"/>, where it may be dropped, answered or lost as the fault chooser says, and where the scheduler
/// (Coyote, when it runs the test) may switch to another task. Each stand-in applies its effect in one step, as a grain
/// applies a call in one turn with one state write.
/// </summary>
public sealed class SagaWorld
{
    public const string Symbol = "TSLAx";
    public const string Underlying = "TSLA";
    public static readonly string[] Chains = ["solana", "ethereum"];

    public SagaWorld(IFaultChooser faults)
    {
        Faults = faults;
        Asset = new AssetStandIn(this, Symbol);
        foreach (var chain in Chains)
        {
            Bridges[chain] = new BridgeStandIn(this, Symbol, chain);
        }
    }

    public IFaultChooser Faults { get; set; }

    public ManualClock Clock { get; } = new();

    public AssetStandIn Asset { get; }

    public Dictionary<string, BridgeStandIn> Bridges { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, AccountStandIn> Accounts { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, QuoteStandIn> Quotes { get; } = new(StringComparer.Ordinal);

    public SanctionsStandIn Sanctions { get; } = new();

    public BrokerStandIn Broker { get; } = new();

    public MarketStandIn Market { get; } = new();

    public OrderIndexStandIn Index { get; } = new();

    /// <summary>Stored orders, shared by every incarnation (the database).</summary>
    public Dictionary<string, StoredOrder> Orders { get; } = new(StringComparer.Ordinal);

    /// <summary>Orders whose durable wake-up is registered (the reminder table).</summary>
    public HashSet<string> WakeUps { get; } = new(StringComparer.Ordinal);

    public int CallsMade { get; private set; }

    /// <summary>
    /// Holds a call in transit before it reaches its callee (null: none is held). Deterministic tests use it to let another
    /// activation overtake a call, the reordering Coyote finds by itself.
    /// </summary>
    public Func<string, Task>? InTransit { get; set; }

    /// <summary>One call across a boundary: a scheduling point, then the effect as one step, with the chosen fault.</summary>
    public async Task<T> CallAsync<T>(string boundary, Func<T> effect)
    {
        CallsMade++;
        var fault = Faults.Next(boundary);
        await Task.Yield();
        if (Incarnation.Current is { Dead: true })
        {
            throw new ProcessCrashedException($"{boundary} (caller already dead)");
        }
        if (fault == Fault.FailBeforeDelivery)
        {
            throw new CallTimedOutException(boundary);
        }
        if (InTransit is { } transit)
        {
            await transit(boundary);
        }
        var result = effect();
        switch (fault)
        {
            case Fault.ReplyLost:
                throw new CallTimedOutException(boundary);
            case Fault.CrashAfterEffect when Incarnation.Current is { } caller:
                caller.Kill();
                throw new ProcessCrashedException(boundary);
            default:
                return result;
        }
    }

    public Task CallAsync(string boundary, Action effect) => CallAsync(boundary, () =>
    {
        effect();
        return true;
    });

    public AccountStandIn AddPartner(string accountId, decimal cash)
    {
        var account = new AccountStandIn(this, accountId) { Cash = cash, InitialCash = cash };
        foreach (var chain in Chains)
        {
            account.Wallets.Add(new AllowListedWallet(chain, WalletOf(chain, accountId)));
        }
        Accounts[accountId] = account;
        return account;
    }

    /// <summary>A wallet of the account's own on <paramref name="chain"/>.</summary>
    public static string WalletOf(string chain, string accountId)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{chain}:{accountId}"));
        return chain == "solana" ? Sharemint.Chains.Solana.Base58.Encode(hash) : ChainAddress.Canonicalize(chain, "0x" + Convert.ToHexStringLower(hash)[..40]);
    }

    /// <summary>A quote for a mint of <paramref name="tokens"/> at the market price (fee 0.5 %).</summary>
    public QuoteStandIn AddMintQuote(string quoteId, string accountId, decimal tokens)
    {
        var amount = CanonicalAmount.FromTokens(tokens);
        var shares = Multiplier.One.SharesToBack(amount);
        var gross = Math.Round(shares * Market.Price, 2, MidpointRounding.ToEven);
        var fee = Math.Ceiling(gross * 0.005m * 100m) / 100m;
        var quote = new QuoteStandIn(this, new Quote(quoteId, accountId, Symbol, QuoteSide.Mint, amount, Market.Price, Multiplier.One, shares,
            gross, fee, gross + fee, Clock.GetUtcNow(), Clock.GetUtcNow().AddMinutes(5), true, "", "", null));
        Quotes[quoteId] = quote;
        return quote;
    }

    /// <summary>Peers as an order sees them: by interface, resolved to the stand-ins.</summary>
    public IOrderPeers Peers => new StandInPeers(this);

    private sealed class StandInPeers(SagaWorld world) : IOrderPeers
    {
        public IAssetGrain Asset(string symbol) => symbol == Symbol ? world.Asset : throw new Errors.LedgerException(Errors.LedgerError.AssetNotFound, symbol);

        public IHolderAccountGrain Account(string accountId) => world.Accounts.TryGetValue(accountId, out var a)
            ? a
            : new AccountStandIn(world, accountId) { Onboarded = false };

        public IChainBridgeGrain Bridge(string symbol, string chain) => world.Bridges.TryGetValue(chain, out var b)
            ? b
            : throw new Errors.LedgerException(Errors.LedgerError.DeploymentNotFound, $"{symbol}/{chain}");

        public IQuoteGrain Quote(string quoteId) => world.Quotes.TryGetValue(quoteId, out var q) ? q : new QuoteStandIn(world, null);

        public ISanctionsListGrain Sanctions() => world.Sanctions;

        public ICatalogGrain Catalog() => new CatalogStandIn(world);
    }
}

/// <summary>A clock the test moves.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 11, 25, 15, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
