using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Sharemint.Client.CorporateActions;

namespace Sharemint.Cli.CorporateActions;

/// <summary>
/// <c>sharemint admin corporate-actions declare SYMBOL --id --kind --effective-at (--ratio N:M | --dividend --reference-price) [--wait]
/// | list SYMBOL | show SYMBOL ID | history SYMBOL</c>.
/// </summary>
public static class CorporateActionCommands
{
    public static Command Create(CliGlobals g)
    {
        var symbol = new Argument<string>("symbol") { Description = "Asset symbol, e.g. NVDAx" };
        var id = new Option<string>("--id") { Description = "The action's id (makes the declaration idempotent)", Required = true };
        var kind = new Option<string>("--kind") { Description = "dividend_reinvested, split or reverse_split", Required = true };
        kind.AcceptOnlyFromAmong("dividend_reinvested", "split", "reverse_split");
        var effectiveAt = new Option<DateTimeOffset>("--effective-at") { Description = "When the new multiplier takes effect (ISO 8601, e.g. 2026-12-01T14:30:00Z)", Required = true };
        var ratio = new Option<string?>("--ratio") { Description = "Split ratio NEW:OLD, e.g. 2:1 (split) or 1:10 (reverse split)" };
        var dividend = new Option<decimal?>("--dividend") { Description = "Cash dividend per share, USD" };
        var referencePrice = new Option<decimal?>("--reference-price") { Description = "Reference price per share, USD (the dividend buys shares at it)" };
        var wait = new Option<bool>("--wait") { Description = "Follow the action until it completes, showing its progress on every chain" };

        var declare = new Command("declare", "Declare a reinvested dividend, a split or a reverse split (operator).")
            { symbol, id, kind, effectiveAt, ratio, dividend, referencePrice, wait };
        declare.SetAction(async (parse, ct) =>
        {
            var (newShares, oldShares) = ParseRatio(parse.GetValue(ratio));
            var client = Client(g, parse);
            var action = (await client.DeclareAsync(parse.GetValue(symbol)!, new CorporateActionDeclaration(parse.GetValue(id)!, parse.GetValue(kind)!,
                parse.GetValue(effectiveAt), parse.GetValue(dividend), parse.GetValue(referencePrice), newShares, oldShares), ct)).Value;
            if (parse.GetValue(wait))
            {
                action = await FollowAsync(g, parse, client, action, ct);
            }
            g.Print(parse, action, () => Describe(action));
            return 0;
        });

        var list = new Command("list", "Every corporate action of an asset.") { symbol };
        list.SetAction(async (parse, ct) =>
        {
            var actions = (await Client(g, parse).ListAsync(parse.GetValue(symbol)!, ct)).Value;
            g.Print(parse, actions, () =>
            {
                var table = new Table().AddColumns("Id", "Kind", "Effective", "Old", "New", "Stage");
                foreach (var a in actions)
                {
                    table.AddRow(Markup.Escape(a.ActionId), a.Kind, a.EffectiveAt.ToString("u", CultureInfo.InvariantCulture), a.OldMultiplier, a.NewMultiplier, a.Stage.ToString());
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });

        var actionId = new Argument<string>("id") { Description = "The action's id" };
        var show = new Command("show", "One corporate action and its progress on every chain.") { symbol, actionId };
        show.SetAction(async (parse, ct) =>
        {
            var action = (await Client(g, parse).GetAsync(parse.GetValue(symbol)!, parse.GetValue(actionId)!, ct)).Value;
            g.Print(parse, action, () => Describe(action));
            return 0;
        });

        var history = new Command("history", "Every multiplier change applied to an asset.") { symbol };
        history.SetAction(async (parse, ct) =>
        {
            var changes = (await Client(g, parse).HistoryAsync(parse.GetValue(symbol)!, ct)).Value;
            g.Print(parse, changes, () =>
            {
                var table = new Table().AddColumns("Id", "Kind", "Effective", "Old", "New", "Applied");
                foreach (var c in changes)
                {
                    table.AddRow(Markup.Escape(c.ActionId), c.Kind, c.EffectiveAt.ToString("u", CultureInfo.InvariantCulture), c.OldMultiplier, c.NewMultiplier,
                        c.AppliedAt.ToString("u", CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });

        var actions = new Command("corporate-actions", "Dividends and splits: the multiplier on every chain.") { declare, list, show, history };
        return new Command("admin", "Operator commands.") { actions, AssetLifecycleCommands.Create(g) };
    }

    private static CorporateActionsClient Client(CliGlobals g, ParseResult parse)
    {
        var (root, key) = g.Endpoint(parse);
        return new CorporateActionsClient(new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromSeconds(30) }, key);
    }

    private static (long? New, long? Old) ParseRatio(string? ratio)
    {
        if (ratio is null)
        {
            return (null, null);
        }
        var parts = ratio.Split(':');
        return parts.Length == 2
               && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var newShares)
               && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var oldShares)
            ? (newShares, oldShares)
            : throw new CliUsageException($"--ratio must be NEW:OLD in whole shares, e.g. 2:1 (got '{ratio}').");
    }

    /// <summary>Polls the action until it completes, printing each change of stage and chain (stderr with --json).</summary>
    private static async Task<CorporateAction> FollowAsync(CliGlobals g, ParseResult parse, CorporateActionsClient client, CorporateAction action, CancellationToken ct)
    {
        var output = g.IsJson(parse) ? Console.Error : Console.Out;
        var last = "";
        while (true)
        {
            var line = $"{action.Stage}: " + string.Join(", ", action.Chains.Select(c =>
                $"{c.Chain} {(c.ShowsNew ? "new" : c.ShowsPending ? "pending" : c.WriteState)}"));
            if (line != last)
            {
                await output.WriteLineAsync($"{DateTimeOffset.UtcNow:HH:mm:ss} {line}");
                last = line;
            }
            if (action.Stage == CorporateActionStage.Completed)
            {
                return action;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            action = (await client.GetAsync(action.Symbol, action.ActionId, ct)).Value;
        }
    }

    private static void Describe(CorporateAction a)
    {
        Console.WriteLine($"{a.Symbol} {a.ActionId}: {a.Kind} effective {a.EffectiveAt:u}, multiplier {a.OldMultiplier} -> {a.NewMultiplier}, stage {a.Stage}");
        Console.WriteLine($"  mint/redeem paused {a.PauseFrom:u} .. {a.PauseUntil:u} (then until every chain shows the new value)");
        foreach (var c in a.Chains)
        {
            Console.WriteLine($"  {c.Chain} {c.TokenAddress}: write {c.WriteId ?? "-"} {c.WriteState}, latest {c.LatestMultiplier ?? "?"} from {c.LatestEffectiveAt}, current {c.CurrentMultiplier ?? "?"}");
        }
        foreach (var p in a.Problems)
        {
            Console.WriteLine($"  problem: {p}");
        }
    }
}
