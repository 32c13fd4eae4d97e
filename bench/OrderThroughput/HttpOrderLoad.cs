using System.Collections.Concurrent;
using System.Diagnostics;
using Sharemint.Client;
using Sharemint.Client.Admin;
using Sharemint.Client.Quotes;
using Sharemint.Units;

namespace Sharemint.OrderThroughput;

/// <summary>A partner's SDK client: its own API key, signing every request, on the silo it was given.</summary>
public sealed record HttpPartner(BenchPartner Partner, string KeyId, string Secret, SharemintClient Client);

/// <summary>
/// The load a partner really sends: through the SDK (<see cref="SharemintClient"/>) over the signed HTTP API, quote then
/// mint with an idempotency key, so HTTP, request signing, the replay guard and the quote round trip are all paid for.
/// </summary>
public static class HttpOrderLoad
{
    /// <summary>One partner key per partner (scopes read + trade), issued through the admin API with the bootstrap key.</summary>
    public static async Task<IReadOnlyList<(BenchPartner Partner, string KeyId, string Secret)>> IssueKeysAsync(
        SharemintAdminClient admin, IReadOnlyList<BenchPartner> partners)
    {
        var keys = new ConcurrentBag<(BenchPartner, string, string)>();
        await Parallel.ForEachAsync(partners, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (partner, cancel) =>
        {
            var key = (await admin.CreatePartnerKeyAsync(partner.AccountId, "bench", ["read", "trade"], null, cancel)).Value;
            keys.Add((partner, key.Key.KeyId, key.Secret));
        });
        return [.. keys.OrderBy(k => k.Item1.Index)];
    }

    /// <summary>SDK clients for the partners, partner i on <c>silos[i % silos.Count]</c>, all sharing one connection pool per silo.</summary>
    public static IReadOnlyList<HttpPartner> Clients(IReadOnlyList<(BenchPartner Partner, string KeyId, string Secret)> keys, IReadOnlyList<HttpClient> silos) =>
        [.. keys.Select(k => new HttpPartner(k.Partner, k.KeyId, k.Secret, new SharemintClient(silos[k.Partner.Index % silos.Count],
            // No SDK retries: a refusal or a timeout is counted, not hidden inside a longer latency.
            new SharemintClientOptions { KeyId = k.KeyId, Secret = k.Secret, MaxRetries = 0 })))];

    /// <summary>An HttpClient on one silo's API with enough connections for every partner at once.</summary>
    public static HttpClient SiloHttp(Uri baseAddress, int partners) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(partners, 16), PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(30),
        };

    /// <summary>
    /// Runs until <paramref name="duration"/> has passed, or until each partner placed <paramref name="ordersPerPartner"/> orders.
    /// Without <paramref name="offeredPerSecond"/> every partner sends its next order as soon as the last one was accepted
    /// (closed loop: the most the platform takes). With it the load is open: together the partners start that many orders a
    /// second, each partner on its own evenly spaced schedule, as partners relaying their own customers' orders do; an order
    /// started late because the partner's previous one was still going counts its lateness in the partner's wait.
    /// </summary>
    public static async Task<LoadResult> RunAsync(IReadOnlyList<HttpPartner> partners, IReadOnlyList<string> chains, CanonicalAmount amount,
        string phase, TimeSpan? duration, int? ordersPerPartner, double? offeredPerSecond = null)
    {
        var interval = offeredPerSecond is { } rate ? TimeSpan.FromSeconds(partners.Count / rate) : (TimeSpan?)null;
        var accepted = new ConcurrentBag<PlacedOrder>();
        var quoteMs = new ConcurrentBag<double>();
        var refusals = new ConcurrentDictionary<string, int>();
        var tokens = amount.Tokens;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(partners.Select(p => Task.Run(async () =>
        {
            var partner = p.Partner;
            for (var i = 0; (duration is null || clock.Elapsed < duration) && (ordersPerPartner is null || i < ordersPerPartner); i++)
            {
                var chain = chains[(partner.Index + i) % chains.Count];
                var lateMs = 0d;
                if (interval is { } every)
                {
                    // Partner k's i-th order is due at (i + k / partners) intervals: the partners' starts interleave evenly.
                    var due = every * (i + (double)partner.Index / partners.Count);
                    if (duration is not null && due >= duration)
                    {
                        break;
                    }
                    var wait = due - clock.Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait);
                    }
                    lateMs = Math.Max(0, (clock.Elapsed - due).TotalMilliseconds);
                }
                try
                {
                    var quoteStarted = Stopwatch.GetTimestamp();
                    var quote = (await p.Client.Quotes.CreateAsync(partner.Symbol, QuoteSide.Mint, tokens, $"{phase}-q-{i}")).Value;
                    var quoteTook = Stopwatch.GetElapsedTime(quoteStarted).TotalMilliseconds;
                    quoteMs.Add(quoteTook);

                    var placeStarted = Stopwatch.GetTimestamp();
                    var order = (await p.Client.Orders.MintAsync(quote.QuoteId, chain, partner.Wallets[chain], $"{phase}-{i}")).Value;
                    var acceptMs = Stopwatch.GetElapsedTime(placeStarted).TotalMilliseconds;
                    accepted.Add(new PlacedOrder(order.OrderId, partner.AccountId, partner.Symbol, chain, amount, acceptMs, quoteTook, lateMs));
                }
                catch (SharemintApiException error)
                {
                    refusals.AddOrUpdate(error.Code, 1, (_, n) => n + 1);
                }
                catch (Exception error) when (error is HttpRequestException or TaskCanceledException or TimeoutException)
                {
                    refusals.AddOrUpdate(error.GetType().Name, 1, (_, n) => n + 1);
                }
            }
        })));
        return new LoadResult([.. accepted], [.. quoteMs], refusals, clock.Elapsed);
    }
}
