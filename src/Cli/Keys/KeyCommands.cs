using System.CommandLine;
using Sharemint.Cli.Partners;

namespace Sharemint.Cli.Keys;

/// <summary><c>sharemint keys list | create-operator ROLE | rotate KEY [--overlap S] | revoke KEY | self | rotate-self [--overlap S]</c>.</summary>
public static class KeyCommands
{
    public static Command Create(CliGlobals g)
    {
        var list = new Command("list", "Every API key (admin).");
        list.SetAction(async (parse, ct) =>
        {
            var keys = await g.Admin(parse).GetKeysAsync(ct).ToListAsync(ct);
            g.Print(parse, keys, () => KeyCommandsTable.Write(keys));
            return 0;
        });

        var role = new Argument<string>("role") { Description = "viewer, operator or admin" };
        role.AcceptOnlyFromAmong("viewer", "operator", "admin");
        var label = new Option<string?>("--label") { Description = "A note on who holds the key" };
        var createOperator = new Command("create-operator", "Create an operator key (admin); the secret is printed once.") { role, label };
        createOperator.SetAction(async (parse, ct) =>
        {
            var issued = (await g.Admin(parse).CreateOperatorKeyAsync(parse.GetValue(role)!, parse.GetValue(label), ct)).Value;
            g.Print(parse, issued, () => KeyCommandsTable.WriteIssued(issued));
            return 0;
        });

        var key = new Argument<string>("key-id") { Description = "The key id" };
        var overlap = new Option<int?>("--overlap")
        {
            Description = "Seconds the old secret keeps working (rotate: default 0; rotate-self: default 3600)",
        };
        var rotate = new Command("rotate", "Replace a key's secret; the old one stops working now, or after --overlap seconds. The new secret is printed once.") { key, overlap };
        rotate.SetAction(async (parse, ct) =>
        {
            var seconds = parse.GetValue(overlap);
            var issued = (await g.Admin(parse).RotateKeyAsync(parse.GetValue(key)!, seconds is { } s ? TimeSpan.FromSeconds(s) : null, ct)).Value;
            g.Print(parse, issued, () => KeyCommandsTable.WriteIssued(issued));
            return 0;
        });

        var revoke = new Command("revoke", "Revoke a key for good.") { key };
        revoke.SetAction(async (parse, ct) =>
        {
            var revoked = (await g.Admin(parse).RevokeKeyAsync(parse.GetValue(key)!, ct)).Value;
            g.Print(parse, revoked, () => Console.WriteLine($"{revoked.KeyId} revoked"));
            return 0;
        });

        var self = new Command("self", "The key in SHAREMINT_KEY_ID: scopes, allowed addresses, rotation state (partner key).");
        self.SetAction(async (parse, ct) =>
        {
            var info = (await g.SignedPartner(parse).Keys.GetSelfAsync(ct)).Value;
            g.Print(parse, info, () => KeyCommandsTable.Write([info]));
            return 0;
        });

        var rotateSelf = new Command("rotate-self",
            "Replace the secret of the key in SHAREMINT_KEY_ID (partner key); the old one keeps working for --overlap seconds (default 3600). The new secret is printed once.") { overlap };
        rotateSelf.SetAction(async (parse, ct) =>
        {
            var seconds = parse.GetValue(overlap);
            var issued = (await g.SignedPartner(parse).Keys.RotateAsync(seconds is { } s ? TimeSpan.FromSeconds(s) : null, ct)).Value;
            g.Print(parse, issued, () => KeyCommandsTable.WriteIssued(issued));
            return 0;
        });

        return new Command("keys", "API keys (operator key; operator keys need admin; self and rotate-self take the partner's own key).")
        {
            list, createOperator, rotate, revoke, self, rotateSelf,
        };
    }
}
