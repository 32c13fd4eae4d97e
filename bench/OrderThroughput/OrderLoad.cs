using System.Collections.Concurrent;
using System.Diagnostics;
using Sharemint.Errors;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Units;

namespace Sharemint.OrderThroughput;

/// <summary>
/// An order the platform accepted: where it mints, how long the placement call took, its quote call before it, and (paced
/// load only) how late the partner could start it after its scheduled time because its previous order was still going.
/// </summary>
public sealed record PlacedOrder(string OrderId, string AccountId, string Symbol, string Chain, CanonicalAmount Amount, double AcceptMs, double QuoteMs,
    double LateMs = 0)
{
    /// <summary>
    /// What the partner waited for this order: from when it meant to send the quote (its schedule, under paced load, so a
    /// slow platform's backlog is counted rather than hidden) to the placement's answer.
    /// </summary>
    public double PartnerMs => LateMs + QuoteMs + AcceptMs;
}

/// <summary>What one load phase did: accepted orders, per-call latencies, refusals by code, and its wall time.</summary>
public sealed record LoadResult(IReadOnlyList<PlacedOrder> Accepted, double[] QuoteMs, IReadOnlyDictionary<string, int> Refusals, TimeSpan Elapsed)
{
    public double AcceptedPerSecond => Accepted.Count / Elapsed.TotalSeconds;
}

/// <summary>
/// Every partner loops: quote → place mint on the next chain (round-robin), never waiting for settlement before the next
/// order. Acceptance latency is the <see cref="IOrderGrain.PlaceMintAsync"/> round trip as the client sees it.
/// </summary>
public static class OrderLoad
{
    /// <summary>Runs until <paramref name="duration"/> has passed, or until each partner placed <paramref name="ordersPerPartner"/> orders.</summary>
    public static async Task<LoadResult> RunAsync(IGrainFactory grains, IReadOnlyList<BenchPartner> partners, IReadOnlyList<string> chains,
        CanonicalAmount amount, string phase, TimeSpan? duration, int? ordersPerPartner)
    {
        var accepted = new ConcurrentBag<PlacedOrder>();
        var quoteMs = new ConcurrentBag<double>();
        var refusals = new ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(partners.Select(partner => Task.Run(async () =>
        {
            for (var i = 0; (duration is null || clock.Elapsed < duration) && (ordersPerPartner is null || i < ordersPerPartner); i++)
            {
                var chain = chains[(partner.Index + i) % chains.Count];
                try
                {
                    var quoteStarted = Stopwatch.GetTimestamp();
                    var quote = await grains.GetGrain<IQuoteGrain>($"q_{Guid.NewGuid():N}")
                        .CreateAsync(new QuoteRequest(partner.AccountId, partner.Symbol, QuoteSide.Mint, amount));
                    var quoteTook = Stopwatch.GetElapsedTime(quoteStarted).TotalMilliseconds;
                    quoteMs.Add(quoteTook);

                    var orderId = OrderIds.FromIdempotencyKey(partner.AccountId, $"{phase}-{i}");
                    var placeStarted = Stopwatch.GetTimestamp();
                    var order = await grains.GetGrain<IOrderGrain>(orderId)
                        .PlaceMintAsync(new MintOrderRequest(partner.AccountId, quote.QuoteId, chain, partner.Wallets[chain]));
                    var acceptMs = Stopwatch.GetElapsedTime(placeStarted).TotalMilliseconds;
                    accepted.Add(new PlacedOrder(order.OrderId, partner.AccountId, partner.Symbol, chain, amount, acceptMs, quoteTook));
                }
                catch (LedgerException error)
                {
                    refusals.AddOrUpdate(error.Code, 1, (_, n) => n + 1);
                }
                catch (Exception error) when (error is TimeoutException or OrleansException)
                {
                    refusals.AddOrUpdate(error.GetType().Name, 1, (_, n) => n + 1);
                }
            }
        })));
        return new LoadResult([.. accepted], [.. quoteMs], refusals, clock.Elapsed);
    }
}

/// <summary>Where the accepted orders ended: terminal snapshots, and the ids still not terminal at the deadline.</summary>
public sealed record SettlementResult(IReadOnlyList<OrderSnapshot> Terminal, IReadOnlyList<PlacedOrder> Unfinished, TimeSpan Waited)
{
    public IReadOnlyList<OrderSnapshot> Settled => [.. Terminal.Where(o => o.Status == OrderStatus.Settled)];
}

/// <summary>Polls accepted orders (at least once) until each is terminal or the deadline passes. Settlement times come from the orders themselves.</summary>
public static class Settlement
{
    public static async Task<SettlementResult> WaitAsync(IGrainFactory grains, IReadOnlyList<PlacedOrder> orders, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var pending = new ConcurrentDictionary<string, PlacedOrder>(orders.Select(o => KeyValuePair.Create(o.OrderId, o)));
        var terminal = new ConcurrentBag<OrderSnapshot>();
        while (true)
        {
            await Parallel.ForEachAsync(pending.Values.ToList(), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (order, _) =>
            {
                var snapshot = await grains.GetGrain<IOrderGrain>(order.OrderId).GetAsync();
                if (snapshot.IsTerminal && pending.TryRemove(order.OrderId, out var _))
                {
                    terminal.Add(snapshot);
                }
            });
            if (pending.IsEmpty || clock.Elapsed >= timeout)
            {
                break;
            }
            // The orders' own UpdatedAt dates settlement, so the polling cadence does not bias the figure.
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        return new SettlementResult([.. terminal], [.. pending.Values], clock.Elapsed);
    }
}
