using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Sharemint.Cli.Compliance;

/// <summary><c>sharemint sanctions list | add CHAIN ADDRESS --reason | remove CHAIN ADDRESS</c>.</summary>
public static class SanctionCommands
{
    public static Command Create(CliGlobals g)
    {
        var list = new Command("list", "Every sanctioned address.");
        list.SetAction(async (parse, ct) =>
        {
            var entries = await g.Admin(parse).GetSanctionsAsync(ct).ToListAsync(ct);
            g.Print(parse, entries, () =>
            {
                var table = new Table().AddColumns("Chain", "Address", "Reason", "Listed");
                foreach (var s in entries)
                {
                    table.AddRow(s.Chain, s.Address, Markup.Escape(s.Reason), s.ListedAt.ToString("u", CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });

        var chain = new Argument<string>("chain") { Description = "Chain, e.g. ethereum, solana (an EVM address is listed on every EVM chain)" };
        var address = new Argument<string>("address") { Description = "The address" };
        var reason = new Option<string>("--reason") { Description = "Why, e.g. OFAC SDN", Required = true };
        var add = new Command("add", "List an address.") { chain, address, reason };
        add.SetAction(async (parse, ct) =>
        {
            var listed = (await g.Admin(parse).AddSanctionAsync(parse.GetValue(chain)!, parse.GetValue(address)!, parse.GetValue(reason)!, ct)).Value;
            g.Print(parse, listed, () => Console.WriteLine($"sanctioned {listed.Chain}:{listed.Address}"));
            return 0;
        });
        var remove = new Command("remove", "De-list an address.") { chain, address };
        remove.SetAction(async (parse, ct) =>
        {
            var removed = (await g.Admin(parse).RemoveSanctionAsync(parse.GetValue(chain)!, parse.GetValue(address)!, ct)).Value;
            g.Print(parse, removed, () => Console.WriteLine($"removed {removed.Chain}:{removed.Address}"));
            return 0;
        });
        return new Command("sanctions", "The sanctions list (operator key).") { list, add, remove };
    }
}
