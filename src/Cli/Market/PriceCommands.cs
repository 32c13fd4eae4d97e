using System.CommandLine;
using System.Globalization;

namespace Sharemint.Cli.Market;

/// <summary><c>sharemint prices show TICKER | set TICKER PRICE</c>.</summary>
public static class PriceCommands
{
    public static Command Create(CliGlobals g)
    {
        var ticker = new Argument<string>("ticker") { Description = "Underlying ticker, e.g. TSLA" };
        var show = new Command("show", "The last price.") { ticker };
        show.SetAction(async (parse, ct) =>
        {
            var p = (await g.Admin(parse).GetPriceAsync(parse.GetValue(ticker)!, ct)).Value;
            g.Print(parse, p, () => Console.WriteLine($"{p.Ticker} {p.Price.ToString(CultureInfo.InvariantCulture)} USD as of {p.AsOf:u}"));
            return 0;
        });
        var price = new Argument<string>("price") { Description = "USD per share, positive, at most 6 decimals" };
        var set = new Command("set", "Set the last price (operator).") { ticker, price };
        set.SetAction(async (parse, ct) =>
        {
            var p = (await g.Admin(parse).SetPriceAsync(parse.GetValue(ticker)!, CliParse.Decimal(parse.GetValue(price)!, "price"), ct)).Value;
            g.Print(parse, p, () => Console.WriteLine($"{p.Ticker} {p.Price.ToString(CultureInfo.InvariantCulture)} USD as of {p.AsOf:u}"));
            return 0;
        });
        return new Command("prices", "Market prices (operator key).") { show, set };
    }
}
