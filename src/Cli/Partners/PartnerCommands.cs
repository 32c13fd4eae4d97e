using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Sharemint.Client.Account;
using Sharemint.Client.Admin;

namespace Sharemint.Cli.Partners;

/// <summary><c>sharemint partners list | show | onboard | kyc | wallets allow/remove | credit | keys list/create</c> (operator key).</summary>
public static class PartnerCommands
{
    public static Command Create(CliGlobals g)
    {
        var account = new Argument<string>("account") { Description = "Partner account id, e.g. partner-kraken" };

        var list = new Command("list", "List onboarded partners.");
        list.SetAction(async (parse, ct) =>
        {
            var partners = await g.Admin(parse).GetPartnersAsync(ct).ToListAsync(ct);
            g.Print(parse, partners, () =>
            {
                var table = new Table().AddColumns("Account", "Name", "Jurisdiction", "Tier", "KYC", "Wallets", "Cash");
                foreach (var p in partners)
                {
                    table.AddRow(p.AccountId, Markup.Escape(p.DisplayName), p.Jurisdiction, p.Tier.ToString(), p.Kyc.ToString(),
                        p.Wallets.Count.ToString(CultureInfo.InvariantCulture), p.CashBalance.ToString(CultureInfo.InvariantCulture));
                }
                AnsiConsole.Write(table);
            });
            return 0;
        });

        var show = new Command("show", "Show one partner.") { account };
        show.SetAction(async (parse, ct) =>
        {
            var p = (await g.Admin(parse).GetPartnerAsync(parse.GetValue(account)!, ct)).Value;
            g.Print(parse, p, () => Describe(p));
            return 0;
        });

        var name = new Option<string>("--name") { Description = "Display name", Required = true };
        var jurisdiction = new Option<string>("--jurisdiction") { Description = "ISO 3166-1 alpha-2 country code, e.g. GB", Required = true };
        var tier = new Option<string?>("--tier") { Description = "standard, premium or institutional" };
        var fee = new Option<string?>("--fee-rate") { Description = "Fee rate, e.g. 0.005 (default by tier)" };
        var onboard = new Command("onboard", "Onboard a partner (KYC starts pending).") { account, name, jurisdiction, tier, fee };
        onboard.SetAction(async (parse, ct) =>
        {
            var feeText = parse.GetValue(fee);
            var p = (await g.Admin(parse).OnboardPartnerAsync(new PartnerOnboarding(parse.GetValue(account)!, parse.GetValue(name)!,
                parse.GetValue(jurisdiction)!, parse.GetValue(tier), feeText is null ? null : CliParse.Decimal(feeText, "--fee-rate")), ct)).Value;
            g.Print(parse, p, () => Console.WriteLine($"onboarded {p.AccountId} ({p.DisplayName}), KYC {p.Kyc}"));
            return 0;
        });

        var status = new Argument<string>("status") { Description = "pending, approved or rejected" };
        status.AcceptOnlyFromAmong("pending", "approved", "rejected");
        var kyc = new Command("kyc", "Record a KYC outcome.") { account, status };
        kyc.SetAction(async (parse, ct) =>
        {
            var p = (await g.Admin(parse).SetKycAsync(parse.GetValue(account)!, parse.GetValue(status)!, ct)).Value;
            g.Print(parse, p, () => Console.WriteLine($"{p.AccountId} KYC {p.Kyc}"));
            return 0;
        });

        var chain = new Argument<string>("chain") { Description = "Chain, e.g. ethereum, base, solana" };
        var address = new Argument<string>("address") { Description = "Wallet address" };
        var allow = new Command("allow", "Allow-list a wallet.") { account, chain, address };
        allow.SetAction(async (parse, ct) =>
        {
            var p = (await g.Admin(parse).AllowWalletAsync(parse.GetValue(account)!, parse.GetValue(chain)!, parse.GetValue(address)!, ct)).Value;
            g.Print(parse, p, () => Console.WriteLine($"{p.AccountId} wallets: {string.Join(", ", p.Wallets.Select(w => $"{w.Chain}:{w.Address}"))}"));
            return 0;
        });
        var remove = new Command("remove", "Remove a wallet from the allow-list.") { account, chain, address };
        remove.SetAction(async (parse, ct) =>
        {
            var p = (await g.Admin(parse).RemoveWalletAsync(parse.GetValue(account)!, parse.GetValue(chain)!, parse.GetValue(address)!, ct)).Value;
            g.Print(parse, p, () => Console.WriteLine($"{p.AccountId} wallets: {string.Join(", ", p.Wallets.Select(w => $"{w.Chain}:{w.Address}"))}"));
            return 0;
        });

        var amount = new Argument<string>("amount") { Description = "USD, at most 2 decimals" };
        var idempotency = new Option<string?>("--idempotency-key") { Description = "Reuse to make a repeated credit apply once (default: fresh)" };
        var credit = new Command("credit", "Credit cash to a partner.") { account, amount, idempotency };
        credit.SetAction(async (parse, ct) =>
        {
            var p = (await g.Admin(parse).CreditCashAsync(parse.GetValue(account)!, CliParse.Decimal(parse.GetValue(amount)!, "amount"), parse.GetValue(idempotency), ct)).Value;
            g.Print(parse, p, () => Console.WriteLine($"{p.AccountId} cash {p.CashBalance.ToString(CultureInfo.InvariantCulture)} USD"));
            return 0;
        });

        var keysList = new Command("list", "A partner's API keys (never their secrets).") { account };
        keysList.SetAction(async (parse, ct) =>
        {
            var keys = await g.Admin(parse).GetPartnerKeysAsync(parse.GetValue(account)!, ct).ToListAsync(ct);
            g.Print(parse, keys, () => KeyCommandsTable.Write(keys));
            return 0;
        });
        var label = new Option<string?>("--label") { Description = "A note on what the key is for" };
        var scopes = new Option<string[]>("--scope")
        {
            Description = "What the key may do: read, trade, withdraw (repeatable; all three when omitted)",
            AllowMultipleArgumentsPerToken = true,
        };
        scopes.AcceptOnlyFromAmong("read", "trade", "withdraw");
        var allowedIps = new Option<string[]>("--allow-ip")
        {
            Description = "An IP or CIDR range the key may be used from (repeatable; anywhere when omitted)",
            AllowMultipleArgumentsPerToken = true,
        };
        var keysCreate = new Command("create", "Create a partner API key; the secret is printed once.") { account, label, scopes, allowedIps };
        keysCreate.SetAction(async (parse, ct) =>
        {
            var scopeList = parse.GetValue(scopes) is { Length: > 0 } given ? given : null;
            var ipList = parse.GetValue(allowedIps) is { Length: > 0 } ips ? ips : null;
            var issued = (await g.Admin(parse).CreatePartnerKeyAsync(parse.GetValue(account)!, parse.GetValue(label), scopeList, ipList, ct)).Value;
            g.Print(parse, issued, () => KeyCommandsTable.WriteIssued(issued));
            return 0;
        });

        return new Command("partners", "Partner accounts (operator key).")
        {
            list, show, onboard, kyc, credit,
            new Command("wallets", "Allow-listed wallets.") { allow, remove },
            new Command("keys", "Partner API keys.") { keysList, keysCreate },
        };
    }

    internal static void Describe(PartnerAccount p) => Console.WriteLine(
        $"{p.AccountId} ({p.DisplayName}) {p.Jurisdiction}, tier {p.Tier}, fee {p.FeeRate.ToString(CultureInfo.InvariantCulture)}\n" +
        $"  KYC {p.Kyc}\n  cash {p.CashBalance.ToString(CultureInfo.InvariantCulture)} USD (held {p.CashHeld.ToString(CultureInfo.InvariantCulture)})\n" +
        $"  wallets: {(p.Wallets.Count == 0 ? "none" : string.Join(", ", p.Wallets.Select(w => $"{w.Chain}:{w.Address}")))}");
}

internal static class KeyCommandsTable
{
    public static void Write(IReadOnlyList<ApiKey> keys)
    {
        var table = new Table().AddColumns("Key", "Kind", "Account", "Role", "Scopes", "Allowed IPs", "Label", "Created", "Old secret until", "Revoked");
        foreach (var k in keys)
        {
            table.AddRow(k.KeyId, k.Kind, k.AccountId ?? "", k.Role ?? "", string.Join(",", k.Scopes ?? []), Markup.Escape(string.Join(",", k.AllowedIps ?? [])),
                Markup.Escape(k.Label), k.CreatedAt.ToString("u", CultureInfo.InvariantCulture),
                k.OverlapEndsAt?.ToString("u", CultureInfo.InvariantCulture) ?? "", k.RevokedAt?.ToString("u", CultureInfo.InvariantCulture) ?? "");
        }
        AnsiConsole.Write(table);
    }

    public static void WriteIssued(IssuedApiKey issued)
    {
        Console.WriteLine($"key id:  {issued.Key.KeyId}");
        Console.WriteLine($"secret:  {issued.Secret}");
        if (issued.Key.OverlapEndsAt is { } until)
        {
            Console.WriteLine($"The previous secret keeps working until {until.ToString("u", CultureInfo.InvariantCulture)}.");
        }
        Console.WriteLine("Store the secret now: it is not shown again.");
    }
}
