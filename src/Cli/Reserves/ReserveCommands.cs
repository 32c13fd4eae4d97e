using System.CommandLine;
using System.Globalization;
using Sharemint.Client.Reserves;

namespace Sharemint.Cli.Reserves;

/// <summary><c>sharemint reserves show | verify | reconcile SYMBOL</c>.</summary>
public static class ReserveCommands
{
    public static Command Create(CliGlobals g)
    {
        var symbol = new Argument<string>("symbol") { Description = "Asset symbol, e.g. TSLAx" };

        var show = new Command("show", "The latest signed proof of reserves (public).") { symbol };
        show.SetAction(async (parse, ct) =>
        {
            var a = (await g.Partner(parse).Reserves.GetAsync(parse.GetValue(symbol)!, ct)).Value;
            g.Print(parse, a, () => Describe(a.Report));
            return 0;
        });

        var publicKey = new Option<string?>("--public-key") { Description = "The issuer's attestation key (base64) to require" };
        var verify = new Command("verify", "Check the latest attestation's Ed25519 signature (exit 7 when it does not verify).") { symbol, publicKey };
        verify.SetAction(async (parse, ct) =>
        {
            var result = await g.Partner(parse).Reserves.VerifyAsync(parse.GetValue(symbol)!, parse.GetValue(publicKey), ct);
            g.Print(parse, new { valid = result.IsValid, reason = result.Reason, publicKey = result.Attestation.PublicKey, report = result.Attestation.Report },
                () => Console.WriteLine($"{(result.IsValid ? "VALID" : "INVALID")}: {result.Reason} (key {result.Attestation.PublicKey}, sequence {result.Attestation.Report.Sequence})"));
            return result.IsValid ? 0 : throw new CliCheckFailedException($"attestation for {parse.GetValue(symbol)} does not verify: {result.Reason}");
        });

        var reconcile = new Command("reconcile", "Reconcile now and publish a signed attestation (operator).") { symbol };
        reconcile.SetAction(async (parse, ct) =>
        {
            var a = (await g.Admin(parse).ReconcileAsync(parse.GetValue(symbol)!, ct)).Value;
            g.Print(parse, a, () => Describe(a.Report));
            return 0;
        });

        return new Command("reserves", "Proof of reserves.") { show, verify, reconcile };
    }

    private static void Describe(ReserveReport r)
    {
        Console.WriteLine($"{r.Symbol} reconciliation #{r.Sequence} at {r.At:u}: {(r.Balanced ? "balanced" : "DRIFT")}, backing ratio {r.BackingRatio.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"  custody {r.BrokerShares.ToString(CultureInfo.InvariantCulture)} shares at the broker, {r.LedgerCustodyShares.ToString(CultureInfo.InvariantCulture)} in the ledger; required {r.RequiredShares.ToString(CultureInfo.InvariantCulture)}");
        Console.WriteLine($"  issued {r.Issued.ToString(CultureInfo.InvariantCulture)}, on chains {r.OnChainTotal.ToString(CultureInfo.InvariantCulture)}, in transit {r.InTransit.ToString(CultureInfo.InvariantCulture)}");
        foreach (var d in r.Deployments)
        {
            Console.WriteLine($"  {d.Chain,-10} ledger {d.LedgerSupply.ToString(CultureInfo.InvariantCulture)} chain {d.OnChainSupply.ToString(CultureInfo.InvariantCulture)} drift {d.DriftUnits} units");
        }
    }
}
