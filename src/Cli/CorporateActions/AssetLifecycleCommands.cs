using System.CommandLine;
using Sharemint.Client.Lifecycle;

namespace Sharemint.Cli.CorporateActions;

/// <summary><c>sharemint admin assets add SYMBOL --ticker --name --isin --kind [--price] | deploy SYMBOL --chain … [--wait] | progress SYMBOL | delist SYMBOL --redeem-until T</c>.</summary>
public static class AssetLifecycleCommands
{
    public static Command Create(CliGlobals g)
    {
        var symbol = new Argument<string>("symbol") { Description = "Asset symbol, e.g. AMDx" };
        var ticker = new Option<string>("--ticker") { Description = "Underlying ticker, e.g. AMD", Required = true };
        var name = new Option<string>("--name") { Description = "Name, e.g. \"AMD xStock\"", Required = true };
        var isin = new Option<string>("--isin") { Description = "ISIN of the underlying (its check digit is verified)", Required = true };
        var kind = new Option<string>("--kind") { Description = "stock or etf", Required = true };
        kind.AcceptOnlyFromAmong("stock", "etf");
        var price = new Option<decimal?>("--price") { Description = "First price of the underlying, USD" };
        var add = new Command("add", "List a new asset (operator).") { symbol, ticker, name, isin, kind, price };
        add.SetAction(async (parse, ct) =>
        {
            var asset = (await Client(g, parse).ListAsync(new NewAsset(parse.GetValue(symbol)!, parse.GetValue(ticker)!, parse.GetValue(name)!,
                parse.GetValue(isin)!, parse.GetValue(kind)!, parse.GetValue(price)), ct)).Value;
            g.Print(parse, asset, () => Console.WriteLine($"{asset.Symbol} listed: {asset.Name} ({asset.Isin}), {asset.Status}"));
            return 0;
        });

        var chain = new Option<string[]>("--chain") { Description = "A chain to deploy on (repeat for several)", Required = true, AllowMultipleArgumentsPerToken = true };
        var wait = new Option<bool>("--wait") { Description = "Follow the deployment until every chain has its token" };
        var deploy = new Command("deploy", "Deploy a listed asset on chosen chains, in the background (operator).") { symbol, chain, wait };
        deploy.SetAction(async (parse, ct) =>
        {
            var client = Client(g, parse);
            var progress = (await client.DeployAsync(parse.GetValue(symbol)!, parse.GetValue(chain)!, ct)).Value;
            if (parse.GetValue(wait))
            {
                var output = g.IsJson(parse) ? Console.Error : Console.Out;
                var last = "";
                while (true)
                {
                    var line = string.Join(", ", progress.Chains.Select(c => $"{c.Chain} {c.State}{(c.Problem is null ? "" : $" ({c.Problem})")}"));
                    if (line != last)
                    {
                        await output.WriteLineAsync($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}");
                        last = line;
                    }
                    if (progress.Done)
                    {
                        break;
                    }
                    await Task.Delay(TimeSpan.FromSeconds(1), ct);
                    progress = (await client.ProgressAsync(progress.Symbol, ct)).Value;
                }
            }
            g.Print(parse, progress, () => Describe(progress));
            return 0;
        });

        var show = new Command("progress", "Where an asset's deployment stands on every chain.") { symbol };
        show.SetAction(async (parse, ct) =>
        {
            var progress = (await Client(g, parse).ProgressAsync(parse.GetValue(symbol)!, ct)).Value;
            g.Print(parse, progress, () => Describe(progress));
            return 0;
        });

        var redeemUntil = new Option<DateTimeOffset>("--redeem-until") { Description = "End of the redemption-only window, ISO 8601 with an offset, e.g. 2026-12-31T21:00:00Z", Required = true };
        var delist = new Command("delist", "Delist an asset: only redemptions until --redeem-until, then closed (operator).") { symbol, redeemUntil };
        delist.SetAction(async (parse, ct) =>
        {
            var asset = (await Client(g, parse).DelistAsync(parse.GetValue(symbol)!, parse.GetValue(redeemUntil), ct)).Value;
            g.Print(parse, asset, () => Console.WriteLine($"{asset.Symbol} {asset.Status}: redemptions until {asset.RedeemUntil:O}"));
            return 0;
        });

        return new Command("assets", "List, deploy and delist assets (pause, halt and resume: sharemint assets pause|resume).") { add, deploy, show, delist };
    }

    private static AssetLifecycleClient Client(CliGlobals g, ParseResult parse)
    {
        var (root, key) = g.Endpoint(parse);
        return new AssetLifecycleClient(new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromSeconds(30) }, key);
    }

    private static void Describe(AssetDeploymentProgress p)
    {
        Console.WriteLine($"{p.Symbol}: {(p.Done ? "deployed" : "deploying")}");
        foreach (var c in p.Chains)
        {
            Console.WriteLine($"  {c.Chain} {c.State} {c.TokenAddress ?? ""}{(c.Problem is null ? "" : $" problem: {c.Problem}")}");
        }
    }
}
