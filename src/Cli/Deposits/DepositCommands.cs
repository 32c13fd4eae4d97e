using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Sharemint.Cli.Deposits;

/// <summary><c>sharemint deposits held [--symbol] [--chain] [--limit] | watchers</c> (operator key).</summary>
public static class DepositCommands
{
    public static Command Create(CliGlobals g)
    {
        var symbol = new Option<string?>("--symbol") { Description = "Only this asset, e.g. TSLAx" };
        var chain = new Option<string?>("--chain") { Description = "Only this chain, e.g. ethereum, solana" };
        var limit = new Option<int>("--limit") { Description = "At most this many held orders (1-500)", DefaultValueFactory = _ => 50 };
        var held = new Command("held", "Deposits that were not redeemed: parked by a watcher, or held as redemption orders.") { symbol, chain, limit };
        held.SetAction(async (parse, ct) =>
        {
            var deposits = (await g.Admin(parse).ListHeldDepositsAsync(parse.GetValue(symbol), parse.GetValue(chain), parse.GetValue(limit), ct)).Value;
            g.Print(parse, deposits, () =>
            {
                var parked = new Table().Title("Parked by a watcher (no order)").AddColumns("Asset", "Chain", "Deposit", "From", "Amount", "Raw", "Reason", "Held");
                foreach (var p in deposits.Parked)
                {
                    parked.AddRow(p.Symbol, p.Chain, Markup.Escape(p.DepositId), p.FromAddress, p.Amount ?? "dust", p.RawAmount, Markup.Escape(p.Reason),
                        p.HeldAt.ToString("u", CultureInfo.InvariantCulture));
                }
                var orders = new Table().Title("Held redemption orders").AddColumns("Order", "Asset", "Chain", "Account", "Amount", "Updated");
                foreach (var o in deposits.Orders)
                {
                    orders.AddRow(o.OrderId, o.Symbol, o.Chain, o.AccountId.Length == 0 ? "-" : o.AccountId, o.Amount.ToString(CultureInfo.InvariantCulture),
                        o.UpdatedAt.ToString("u", CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(parked);
                AnsiConsole.Write(orders);
                Console.WriteLine($"{deposits.Parked.Count} parked, {deposits.Orders.Count} held orders (see `sharemint orders show ID` for why)");
            });
            return 0;
        });

        var watchers = new Command("watchers", "Every deployment's deposit watcher: running, cursor, deposits seen and parked.");
        watchers.SetAction(async (parse, ct) =>
        {
            var list = (await g.Admin(parse).ListDepositWatchersAsync(ct)).Value;
            g.Print(parse, list, () =>
            {
                var table = new Table().AddColumns("Asset", "Chain", "Watching", "Seen", "Parked", "Failing", "Cursor");
                foreach (var w in list)
                {
                    table.AddRow(w.Symbol, w.Chain, w.Watching ? "yes" : "no", w.DepositsSeen.ToString(CultureInfo.InvariantCulture),
                        w.Held.ToString(CultureInfo.InvariantCulture), w.FailingPasses.ToString(CultureInfo.InvariantCulture), Markup.Escape(w.Cursor ?? "-"));
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });
        return new Command("deposits", "Deposits to the redemption addresses (operator key).") { held, watchers };
    }
}
