using Npgsql;
using Sharemint.Accounts;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Units;

namespace Sharemint.EndToEnd.Tests;

/// <summary>What the flow tests do again and again: quote, place, wait.</summary>
public static class FlowTestSupport
{
    public static string NewOrderId() => OrderIds.FromIdempotencyKey(PlatformFixture.Partner, Guid.NewGuid().ToString("N"));

    public static async Task<Quote> QuoteAsync(this PlatformFixture platform, string symbol, QuoteSide side, CanonicalAmount amount) =>
        await platform.Grains.GetGrain<IQuoteGrain>($"q_{Guid.NewGuid():N}").CreateAsync(new QuoteRequest(PlatformFixture.Partner, symbol, side, amount));

    public static async Task<OrderSnapshot> MintAsync(this PlatformFixture platform, Holders holders, string symbol, string chain, CanonicalAmount amount)
    {
        var quote = await platform.QuoteAsync(symbol, QuoteSide.Mint, amount);
        var placed = await platform.Grains.GetGrain<IOrderGrain>(NewOrderId())
            .PlaceMintAsync(new MintOrderRequest(PlatformFixture.Partner, quote.QuoteId, chain, holders.Wallet(chain)));
        return await platform.WaitForOrderAsync(placed.OrderId, OrderStatus.Settled);
    }

    public static async Task<OrderSnapshot> WaitForOrderAsync(this PlatformFixture platform, string orderId, OrderStatus status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var order = await platform.Grains.GetGrain<IOrderGrain>(orderId).GetAsync();
            if (order.Status == status)
            {
                return order;
            }
            if (order.IsTerminal || DateTime.UtcNow > deadline)
            {
                var steps = string.Join("\n", order.Steps.Select(s => $"  {s.Name} {s.Outcome} {s.Detail}"));
                throw new Xunit.Sdk.XunitException($"Order {orderId} is {order.Status} ({order.FailureCode}: {order.FailureMessage}), expected {status}.\n{steps}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The newest deposit order on a chain since a time (other than <paramref name="notOrderId"/>), once it reaches <paramref name="status"/>.</summary>
    public static async Task<OrderSnapshot> WaitForDepositOrderAsync(this PlatformFixture platform, string chain, OrderStatus status, DateTimeOffset since, string? notOrderId = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        await using var db = NpgsqlDataSource.Create(platform.ConnectionString);
        while (DateTime.UtcNow < deadline)
        {
            await using var command = db.CreateCommand(
                "SELECT order_id FROM order_index WHERE order_id LIKE 'dep_%' AND chain = $1 AND created_at >= $2 ORDER BY created_at DESC LIMIT 1");
            command.Parameters.AddWithValue(chain);
            command.Parameters.AddWithValue(since);
            if (await command.ExecuteScalarAsync() is string id && id != notOrderId)
            {
                var order = await platform.Grains.GetGrain<IOrderGrain>(id).GetAsync();
                if (order.Status == status)
                {
                    return order;
                }
                if (order.IsTerminal || order.Status == OrderStatus.Held)
                {
                    throw new Xunit.Sdk.XunitException($"Deposit order {id} is {order.Status}: {order.FailureCode} {order.FailureMessage}");
                }
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"No deposit order on {chain} reached {status}.");
    }

    public static async Task<decimal> CashAsync(this PlatformFixture platform) =>
        (await platform.Grains.GetGrain<IHolderAccountGrain>(PlatformFixture.Partner).GetAsync()).CashBalance;

    public static CanonicalAmount Tokens(decimal tokens) => CanonicalAmount.FromTokens(tokens);
}
