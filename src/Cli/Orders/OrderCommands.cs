using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Sharemint.Client;
using Sharemint.Client.Orders;
using Sharemint.Client.Quotes;
using Sharemint.Cli.Partners;

namespace Sharemint.Cli.Orders;

/// <summary>
/// Orders for operators and partners (<c>orders list | show | watch</c>: an operator key sees every order, a partner key
/// its own), and the partner's money moves: <c>quote</c>, <c>mint</c>, <c>redeem</c>, <c>transfer</c>, <c>account</c>.
/// </summary>
public static class OrderCommands
{
    public static IEnumerable<Command> Create(CliGlobals g)
    {
        var orderId = new Argument<string>("order-id") { Description = "Order id, e.g. ord_…" };
        var account = new Option<string?>("--account") { Description = "Only this partner's orders (operator key)" };
        var status = new Option<string?>("--status") { Description = "Only orders in this status, e.g. settled" };
        var kind = new Option<string?>("--kind") { Description = "Only orders of this kind: mint, redeem or transfer" };
        var symbolFilter = new Option<string?>("--symbol") { Description = "Only orders of this asset, e.g. TSLAx" };
        var chainFilter = new Option<string?>("--chain") { Description = "Only orders on this chain (a transfer's destination)" };
        var reference = new Option<string?>("--reference") { Description = "Only the order with this client reference" };
        var limit = new Option<int>("--limit") { Description = "At most this many (read page by page, any number)", DefaultValueFactory = _ => 50 };

        var list = new Command("list", "Orders, newest first.") { account, status, kind, symbolFilter, chainFilter, reference, limit };
        list.SetAction(async (parse, ct) =>
        {
            var filter = new OrderListFilter(parse.GetValue(status), parse.GetValue(kind), parse.GetValue(symbolFilter), parse.GetValue(chainFilter),
                ClientReference: parse.GetValue(reference));
            var take = Math.Max(1, parse.GetValue(limit));
            var orders = await WithEitherKeyAsync(g, parse,
                admin => admin.GetOrdersAsync(parse.GetValue(account), filter, ct).Take(take).ToListAsync(ct).AsTask(),
                partner => partner.Orders.GetOrdersAsync(filter, ct).Take(take).ToListAsync(ct).AsTask());
            g.Print(parse, orders, () =>
            {
                var table = new Table().AddColumns("Order", "Kind", "Status", "Account", "Symbol", "Chain", "Amount", "Updated");
                foreach (var o in orders)
                {
                    table.AddRow(o.OrderId, o.Kind.ToString(), o.Status.ToString(), o.AccountId, o.Symbol, o.Chain, o.Amount.ToString(CultureInfo.InvariantCulture),
                        o.UpdatedAt.ToString("u", CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });

        var show = new Command("show", "One order with its steps.") { orderId };
        show.SetAction(async (parse, ct) =>
        {
            var id = parse.GetValue(orderId)!;
            var order = await WithEitherKeyAsync(g, parse, async admin => (await admin.GetOrderAsync(id, ct)).Value, async partner => (await partner.Orders.GetAsync(id, ct)).Value);
            g.Print(parse, order, () => Describe(order));
            return 0;
        });

        var timeout = new Option<int>("--timeout") { Description = "Give up after this many seconds", DefaultValueFactory = _ => 600 };
        var watch = new Command("watch", "Follow an order live until it settles, fails or is cancelled.") { orderId, timeout };
        watch.SetAction(async (parse, ct) =>
        {
            var id = parse.GetValue(orderId)!;
            var fetch = await OrderFetcherAsync(g, parse, id, ct);
            return await WatchAsync(g, parse, id, fetch, TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
        });

        var symbol = new Argument<string>("symbol") { Description = "Asset symbol, e.g. TSLAx" };
        var amount = new Argument<string>("amount") { Description = "Tokens, at most 8 decimals, e.g. 1.5" };
        var side = new Option<string>("--side") { Description = "mint or redeem", DefaultValueFactory = _ => "mint" };
        side.AcceptOnlyFromAmong("mint", "redeem");
        var quote = new Command("quote", "Ask for a signed price (partner key).") { symbol, amount, side };
        quote.SetAction(async (parse, ct) =>
        {
            Quote q = await g.SignedPartner(parse).Quotes.CreateAsync(parse.GetValue(symbol)!,
                parse.GetValue(side) == "redeem" ? QuoteSide.Redeem : QuoteSide.Mint, CliParse.Decimal(parse.GetValue(amount)!, "amount"), cancellationToken: ct);
            g.Print(parse, q, () => Console.WriteLine(
                $"{q.QuoteId}: {q.Side} {q.Amount.ToString(CultureInfo.InvariantCulture)} {q.Symbol} at {q.PricePerShare.ToString(CultureInfo.InvariantCulture)} USD/share, " +
                $"total {q.Total.ToString(CultureInfo.InvariantCulture)} USD (fee {q.Fee.ToString(CultureInfo.InvariantCulture)}), expires {q.ExpiresAt:u}"));
            return 0;
        });

        var chain = new Option<string>("--chain") { Description = "Chain, e.g. ethereum, base, solana", Required = true };
        var wallet = new Option<string>("--wallet") { Description = "Allow-listed wallet address", Required = true };
        var idempotency = new Option<string?>("--idempotency-key") { Description = "Reuse to make a repeated command the same order (default: fresh)" };
        var wait = new Option<bool>("--wait") { Description = "Follow the order until it is done" };
        var clientReference = new Option<string?>("--reference") { Description = "Your own reference for the order (echoed on it and searchable)" };

        var mint = new Command("mint", "Quote and mint tokens to an allow-listed wallet (partner key).") { symbol, amount, chain, wallet, idempotency, clientReference, wait, timeout };
        mint.SetAction(async (parse, ct) =>
        {
            var client = g.SignedPartner(parse);
            var key = parse.GetValue(idempotency) ?? Guid.NewGuid().ToString("N");
            Quote q = await client.Quotes.CreateAsync(parse.GetValue(symbol)!, QuoteSide.Mint, CliParse.Decimal(parse.GetValue(amount)!, "amount"), "quote-" + key, ct);
            Order order = await client.Orders.MintAsync(q.QuoteId, parse.GetValue(chain)!, parse.GetValue(wallet)!, key, parse.GetValue(clientReference), ct);
            return await PlacedAsync(g, parse, client, order, parse.GetValue(wait), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
        });

        var redeem = new Command("redeem", "Redeem tokens from an allow-listed wallet for cash (partner key).") { symbol, amount, chain, wallet, idempotency, clientReference, wait, timeout };
        redeem.SetAction(async (parse, ct) =>
        {
            var client = g.SignedPartner(parse);
            Order order = await client.Orders.RedeemAsync(parse.GetValue(symbol)!, parse.GetValue(chain)!, parse.GetValue(wallet)!,
                CliParse.Decimal(parse.GetValue(amount)!, "amount"), null, parse.GetValue(idempotency), parse.GetValue(clientReference), ct);
            return await PlacedAsync(g, parse, client, order, parse.GetValue(wait), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
        });

        var fromChain = new Option<string>("--from-chain") { Description = "Source chain", Required = true };
        var fromWallet = new Option<string>("--from-wallet") { Description = "Source wallet", Required = true };
        var toChain = new Option<string>("--to-chain") { Description = "Destination chain", Required = true };
        var toWallet = new Option<string>("--to-wallet") { Description = "Destination wallet (allow-listed)", Required = true };
        var transfer = new Command("transfer", "Move tokens between chains (partner key).") { symbol, amount, fromChain, fromWallet, toChain, toWallet, idempotency, clientReference, wait, timeout };
        transfer.SetAction(async (parse, ct) =>
        {
            var client = g.SignedPartner(parse);
            Order order = await client.Transfers.CreateAsync(parse.GetValue(symbol)!, parse.GetValue(fromChain)!, parse.GetValue(fromWallet)!,
                parse.GetValue(toChain)!, parse.GetValue(toWallet)!, CliParse.Decimal(parse.GetValue(amount)!, "amount"), parse.GetValue(idempotency),
                parse.GetValue(clientReference), ct);
            return await PlacedAsync(g, parse, client, order, parse.GetValue(wait), TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
        });

        var me = new Command("account", "The partner's own account (partner key).");
        me.SetAction(async (parse, ct) =>
        {
            var a = (await g.SignedPartner(parse).Account.GetAsync(ct)).Value;
            g.Print(parse, a, () => PartnerCommands.Describe(a));
            return 0;
        });

        return [new Command("orders", "Orders and their progress.") { list, show, watch }, quote, mint, redeem, transfer, me];
    }

    private static async Task<int> PlacedAsync(CliGlobals g, ParseResult parse, SharemintClient client, Order order, bool wait, TimeSpan timeout, CancellationToken ct)
    {
        if (!wait)
        {
            g.Print(parse, order, () => Console.WriteLine($"{order.OrderId}: {order.Kind} {order.Amount.ToString(CultureInfo.InvariantCulture)} {order.Symbol} on {order.Chain}, {order.Status}"));
            return 0;
        }
        return await WatchAsync(g, parse, order.OrderId, async c => (await client.Orders.GetAsync(order.OrderId, c)).Value, timeout, ct);
    }

    /// <summary>Polls until terminal: a live progress bar on a terminal, one line per change otherwise, the final order with --json.</summary>
    private static async Task<int> WatchAsync(CliGlobals g, ParseResult parse, string id, Func<CancellationToken, Task<Order>> fetch, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        Order order;
        try
        {
            if (g.IsJson(parse) || Console.IsOutputRedirected)
            {
                order = await PollAsync(fetch, o => { if (!g.IsJson(parse)) { Console.WriteLine($"{o.UpdatedAt:u} {o.OrderId} {o.Status} ({o.Steps.Count} steps{LastStep(o)})"); } }, deadline.Token);
            }
            else
            {
                order = await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
                    .StartAsync(async progress =>
                    {
                        var bar = progress.AddTask(id, maxValue: 100);
                        var done = await PollAsync(fetch, o =>
                        {
                            bar.Description = Markup.Escape($"{o.OrderId} {o.Status}{LastStep(o)}");
                            bar.Value = Percent(o);
                        }, deadline.Token);
                        bar.Value = 100;
                        return done;
                    });
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"Order {id} was not done after {timeout.TotalSeconds} s.");
        }
        g.Print(parse, order, () => Describe(order));
        return order.IsSettled ? 0 : throw new CliOrderFailedException($"order {order.OrderId} ended {order.Status}: {order.FailureCode} {order.FailureMessage}");
    }

    private static async Task<Order> PollAsync(Func<CancellationToken, Task<Order>> fetch, Action<Order> changed, CancellationToken ct)
    {
        Order? last = null;
        while (true)
        {
            var order = await fetch(ct);
            if (last is null || order.Status != last.Status || order.Steps.Count != last.Steps.Count)
            {
                changed(order);
            }
            last = order;
            if (order.IsTerminal)
            {
                return order;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
    }

    private static double Percent(Order o) =>
        o.Status == OrderStatus.Accepted ? 10
        : o.Status == OrderStatus.Queued ? 15
        : o.Status == OrderStatus.InProgress ? Math.Min(90, 20 + (o.Steps.Count * 10))
        : 100;

    private static string LastStep(Order o) => o.Steps.Count == 0 ? "" : $", last: {o.Steps[^1].Name} {o.Steps[^1].Outcome}";

    /// <summary>Reads with the operator routes when the key is an operator's, otherwise with the partner routes.</summary>
    private static async Task<T> WithEitherKeyAsync<T>(CliGlobals g, ParseResult parse,
        Func<Client.Admin.SharemintAdminClient, Task<T>> asOperator, Func<SharemintClient, Task<T>> asPartner)
    {
        try
        {
            return await asOperator(g.Admin(parse));
        }
        catch (SharemintApiException ex) when (ex.Code == "operator_key_required")
        {
            return await asPartner(g.SignedPartner(parse));
        }
    }

    private static async Task<Func<CancellationToken, Task<Order>>> OrderFetcherAsync(CliGlobals g, ParseResult parse, string id, CancellationToken ct)
    {
        var admin = g.Admin(parse);
        try
        {
            await admin.GetOrderAsync(id, ct);
            return async c => (await admin.GetOrderAsync(id, c)).Value;
        }
        catch (SharemintApiException ex) when (ex.Code == "operator_key_required")
        {
            var partner = g.SignedPartner(parse);
            return async c => (await partner.Orders.GetAsync(id, c)).Value;
        }
    }

    internal static void Describe(Order o)
    {
        Console.WriteLine($"{o.OrderId}: {o.Kind} {o.Amount.ToString(CultureInfo.InvariantCulture)} {o.Symbol} for {o.AccountId}");
        Console.WriteLine($"  status {o.Status}{(o.FailureCode is null ? "" : $" ({o.FailureCode}: {o.FailureMessage})")}");
        Console.WriteLine($"  {(o.FromChain is null ? "" : $"from {o.FromChain}:{o.FromWallet} ")}to {o.Chain}:{o.Wallet}");
        if (o.Cash is { } cash)
        {
            Console.WriteLine($"  cash {cash.ToString(CultureInfo.InvariantCulture)} USD");
        }
        foreach (var step in o.Steps)
        {
            Console.WriteLine($"  {step.At:u} {step.Name,-20} {step.Outcome}{(step.Detail is null ? "" : " " + step.Detail)}");
        }
        foreach (var tx in o.TransactionIds)
        {
            Console.WriteLine($"  tx {tx}");
        }
    }
}
