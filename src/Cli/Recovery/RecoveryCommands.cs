using System.CommandLine;
using System.Text.Json;
using Sharemint.Client;
using Sharemint.Client.Http;

namespace Sharemint.Cli.Recovery;

/// <summary>
/// <c>sharemint ops recovery-check</c> and <c>sharemint ops resume</c> (operator key, admin role): after a database restore,
/// pause the platform and list every difference between the ledger and the chains; resume only when told.
/// </summary>
public static class RecoveryCommands
{
    public static Command Create(CliGlobals g)
    {
        var check = new Command("recovery-check",
            "Pause every asset, then compare the ledger and the signers' write-ahead log with each chain (supplies, multipliers, "
            + "the issuer's mints and burns by operation id). Exit 7 when anything differs. Assets stay paused until `ops resume`.");
        check.SetAction(async (parse, ct) =>
        {
            var report = await Transport(g, parse).SendAsync<JsonElement>(HttpMethod.Post, "admin/v1/recovery/check", null,
                ApiTransport.NewIdempotencyKey(), ct);
            var differences = report.GetProperty("differences");
            g.Print(parse, report, () => Describe(report));
            return differences.GetArrayLength() == 0
                ? 0
                : throw new CliCheckFailedException($"{differences.GetArrayLength()} difference(s) between the ledger and the chains; assets stay paused (`sharemint ops resume` when settled).");
        });

        var resume = new Command("resume", "Restore every asset the recovery check paused to the status it had before.");
        resume.SetAction(async (parse, ct) =>
        {
            var resumed = await Transport(g, parse).SendAsync<JsonElement>(HttpMethod.Post, "admin/v1/recovery/resume", null,
                ApiTransport.NewIdempotencyKey(), ct);
            g.Print(parse, resumed, () => Console.WriteLine(
                $"resumed: {string.Join(", ", resumed.GetProperty("resumedAssets").EnumerateArray().Select(a => a.GetString()))}"));
            return 0;
        });

        return new Command("ops", "Platform operations (operator key).") { check, resume };
    }

    private static void Describe(JsonElement report)
    {
        Console.WriteLine($"recovery check {report.GetProperty("checkId").GetString()}: paused {report.GetProperty("pausedAssets").GetArrayLength()} asset(s)");
        foreach (var difference in report.GetProperty("differences").EnumerateArray())
        {
            var chain = difference.TryGetProperty("chain", out var c) && c.ValueKind == JsonValueKind.String ? "/" + c.GetString() : "";
            Console.WriteLine($"  {difference.GetProperty("code").GetString()} {difference.GetProperty("asset").GetString()}{chain}: {difference.GetProperty("detail").GetString()}");
        }
        foreach (var note in report.GetProperty("notes").EnumerateArray())
        {
            Console.WriteLine($"  note: {note.GetString()}");
        }
        if (report.GetProperty("differences").GetArrayLength() == 0)
        {
            Console.WriteLine("  ledger and chains agree");
        }
    }

    // The check reads whole chains: a longer timeout than the CLI's other calls.
    private static ApiTransport Transport(CliGlobals g, ParseResult parse)
    {
        var (root, key) = g.Endpoint(parse);
        return new ApiTransport(new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromMinutes(5) }, key);
    }
}
