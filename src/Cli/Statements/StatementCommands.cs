using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Sharemint.Client;

namespace Sharemint.Cli.Statements;

/// <summary>Statements for the partner's reconciliation (partner key): <c>statements cash|fills --from --to [--csv]</c>.</summary>
public static class StatementCommands
{
    public static Command Create(CliGlobals g)
    {
        var from = new Option<DateTimeOffset>("--from") { Description = "Start, inclusive: RFC 3339 with an offset, e.g. 2026-11-01T00:00:00Z", Required = true };
        var to = new Option<DateTimeOffset>("--to") { Description = "End, exclusive: RFC 3339 with an offset", Required = true };
        var csv = new Option<bool>("--csv") { Description = "Write the whole range as CSV to standard output" };

        var cash = new Command("cash", "The cash journal: every credit, debit, hold, capture and release in the range, oldest first.") { from, to, csv };
        cash.SetAction(async (parse, ct) =>
        {
            var statements = g.SignedPartner(parse).Statements;
            var (start, end) = (parse.GetValue(from), parse.GetValue(to));
            if (parse.GetValue(csv))
            {
                Console.Write(await statements.GetCashCsvAsync(start, end, ct));
                return 0;
            }
            var entries = await statements.GetCashAsync(start, end, ct).ToListAsync(ct);
            g.Print(parse, entries, () =>
            {
                var table = new Table().AddColumns("#", "At", "Kind", "Reference", "Cash change", "Held change", "Balance after");
                foreach (var e in entries)
                {
                    table.AddRow(e.Sequence.ToString(CultureInfo.InvariantCulture), e.At.ToString("u", CultureInfo.InvariantCulture), e.Kind,
                        Markup.Escape(e.Reference), e.CashChange.ToString(CultureInfo.InvariantCulture), e.HeldChange.ToString(CultureInfo.InvariantCulture),
                        e.CashBalanceAfter.ToString(CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(table);
                AnsiConsole.WriteLine($"{entries.Count} entries; cash change {entries.Sum(e => e.CashChange).ToString(CultureInfo.InvariantCulture)} USD");
            });
            return 0;
        });
        var fills = new Command("fills", "Settled orders created in the range, newest first, with price, fee, cash and transactions.") { from, to, csv };
        fills.SetAction(async (parse, ct) =>
        {
            var statements = g.SignedPartner(parse).Statements;
            var (start, end) = (parse.GetValue(from), parse.GetValue(to));
            if (parse.GetValue(csv))
            {
                Console.Write(await statements.GetFillsCsvAsync(start, end, ct));
                return 0;
            }
            var entries = await statements.GetFillsAsync(start, end, ct).ToListAsync(ct);
            g.Print(parse, entries, () =>
            {
                var table = new Table().AddColumns("Order", "Kind", "Symbol", "Chain", "Amount", "Price", "Fee", "Cash", "Settled", "Transactions");
                foreach (var f in entries)
                {
                    table.AddRow(f.OrderId, f.Kind, f.Symbol, f.Chain, f.Amount.ToString(CultureInfo.InvariantCulture),
                        f.PricePerShare?.ToString(CultureInfo.InvariantCulture) ?? "", f.Fee?.ToString(CultureInfo.InvariantCulture) ?? "",
                        f.Cash?.ToString(CultureInfo.InvariantCulture) ?? "", f.SettledAt.ToString("u", CultureInfo.InvariantCulture),
                        Markup.Escape(string.Join(' ', f.TransactionIds)));
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });
        return new Command("statements", "Statements for reconciliation (partner key).") { cash, fills };
    }
}
