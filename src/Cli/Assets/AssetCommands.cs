using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Sharemint.Client.Assets;

namespace Sharemint.Cli.Assets;

/// <summary><c>sharemint assets list | show SYMBOL | pause SYMBOL [--scope] | resume SYMBOL</c>.</summary>
public static class AssetCommands
{
    public static Command Create(CliGlobals g)
    {
        var list = new Command("list", "List the catalogue with issued supply and custody.");
        list.SetAction(async (parse, ct) =>
        {
            var assets = (await g.Partner(parse).Assets.ListAsync(ct)).Value;
            g.Print(parse, assets, () =>
            {
                var table = new Table().AddColumns("Symbol", "Underlying", "Name", "ISIN", "Status", "Multiplier", "Custody", "Issued");
                foreach (var a in assets)
                {
                    table.AddRow(a.Symbol, a.UnderlyingTicker, Markup.Escape(a.Name), a.Isin, a.Status.ToString(),
                        a.Multiplier.ToString(CultureInfo.InvariantCulture), a.CustodyShares.ToString(CultureInfo.InvariantCulture), a.Issued);
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });

        var symbol = new Argument<string>("symbol") { Description = "Asset symbol, e.g. TSLAx" };
        var show = new Command("show", "Show one asset.") { symbol };
        show.SetAction(async (parse, ct) =>
        {
            var a = (await g.Partner(parse).Assets.GetAsync(parse.GetValue(symbol)!, ct)).Value;
            g.Print(parse, a, () => Describe(a));
            return 0;
        });

        var scope = new Option<string>("--scope") { Description = "What to pause: mint, redeem or all", DefaultValueFactory = _ => "all" };
        scope.AcceptOnlyFromAmong("mint", "redeem", "all");
        var pause = new Command("pause", "Pause minting, redeeming or both (operator).") { symbol, scope };
        pause.SetAction(async (parse, ct) =>
        {
            var a = (await g.Admin(parse).PauseAssetAsync(parse.GetValue(symbol)!, parse.GetValue(scope)!, ct)).Value;
            g.Print(parse, a, () => Console.WriteLine($"{a.Symbol} is now {a.Status}"));
            return 0;
        });

        var resume = new Command("resume", "Resume minting and redeeming (operator).") { symbol };
        resume.SetAction(async (parse, ct) =>
        {
            var a = (await g.Admin(parse).ResumeAssetAsync(parse.GetValue(symbol)!, ct)).Value;
            g.Print(parse, a, () => Console.WriteLine($"{a.Symbol} is now {a.Status}"));
            return 0;
        });

        return new Command("assets", "The asset catalogue.") { list, show, pause, resume };
    }

    private static void Describe(Asset a) => Console.WriteLine(
        $"{a.Symbol} ({a.Name}) underlying {a.UnderlyingTicker} ISIN {a.Isin}\n  status {a.Status}, multiplier {a.Multiplier.ToString(CultureInfo.InvariantCulture)}\n" +
        $"  custody {a.CustodyShares.ToString(CultureInfo.InvariantCulture)} shares, reserved {a.ReservedShares.ToString(CultureInfo.InvariantCulture)}, issued {a.Issued}");
}
