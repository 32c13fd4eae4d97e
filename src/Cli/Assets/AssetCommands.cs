using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Sharemint.Client;

namespace Sharemint.Cli.Assets;

/// <summary><c>sharemint assets list | show SYMBOL</c> against a running platform.</summary>
public static class AssetCommands
{
    public static Command Create(Option<bool> json, Option<string> api)
    {
        var list = new Command("list", "List the catalogue with issued supply and custody.");
        list.SetAction(async (parse, ct) =>
        {
            using var http = CliHttp.For(parse.GetValue(api)!);
            var assets = await new SharemintClient(http).Assets.ListAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(assets, CliJson.Options));
                return 0;
            }
            var table = new Table().AddColumns("Symbol", "Underlying", "Name", "ISIN", "Status", "Multiplier", "Custody", "Issued");
            foreach (var a in assets)
            {
                table.AddRow(a.Symbol, a.UnderlyingTicker, Markup.Escape(a.Name), a.Isin, a.Status,
                    a.Multiplier.ToString(CultureInfo.InvariantCulture), a.CustodyShares.ToString(CultureInfo.InvariantCulture), a.Issued);
            }
            AnsiConsole.Write(table);
            return 0;
        });

        var symbol = new Argument<string>("symbol") { Description = "Asset symbol, e.g. TSLAx" };
        var show = new Command("show", "Show one asset.") { symbol };
        show.SetAction(async (parse, ct) =>
        {
            using var http = CliHttp.For(parse.GetValue(api)!);
            var a = await new SharemintClient(http).Assets.GetAsync(parse.GetValue(symbol)!, ct);
            Console.WriteLine(parse.GetValue(json)
                ? JsonSerializer.Serialize(a, CliJson.Options)
                : $"{a.Symbol} ({a.Name}) underlying {a.UnderlyingTicker} ISIN {a.Isin}\n  status {a.Status}, multiplier {a.Multiplier.ToString(CultureInfo.InvariantCulture)}\n  custody {a.CustodyShares.ToString(CultureInfo.InvariantCulture)} shares, reserved {a.ReservedShares.ToString(CultureInfo.InvariantCulture)}, issued {a.Issued}");
            return 0;
        });

        return new Command("assets", "The asset catalogue.") { list, show };
    }
}
