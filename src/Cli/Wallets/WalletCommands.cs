using System.CommandLine;

namespace Sharemint.Cli.Wallets;

/// <summary>
/// <c>sharemint wallets challenge --chain C --address A | prove --chain C --address A --signature S</c> (partner key):
/// the holder-consent proof the API needs before it redeems or moves tokens from a wallet.
/// </summary>
public static class WalletCommands
{
    public static Command Create(CliGlobals g)
    {
        var chain = new Option<string>("--chain") { Description = "Chain of the wallet (ethereum, base, solana, …)", Required = true };
        var address = new Option<string>("--address") { Description = "The allow-listed wallet address", Required = true };
        var signature = new Option<string>("--signature")
        {
            Description = "The wallet's signature of the challenge: EIP-191 personal_sign (0x-hex) or Ed25519 (base58)",
            Required = true,
        };

        var challenge = new Command("challenge", "Print the message the holder signs with the wallet's key.") { chain, address };
        challenge.SetAction(async (parse, ct) =>
        {
            var issued = (await g.SignedPartner(parse).Account.GetWalletChallengeAsync(parse.GetValue(chain)!, parse.GetValue(address)!, ct)).Value;
            g.Print(parse, issued, () =>
            {
                Console.WriteLine($"sign with {issued.Scheme}:");
                Console.WriteLine(issued.Message);
            });
            return 0;
        });

        var prove = new Command("prove", "Record the holder's signature: API redemptions and transfers may then burn from the wallet.") { chain, address, signature };
        prove.SetAction(async (parse, ct) =>
        {
            var account = (await g.SignedPartner(parse).Account.ProveWalletAsync(parse.GetValue(chain)!, parse.GetValue(address)!, parse.GetValue(signature)!, ct)).Value;
            g.Print(parse, account, () => Console.WriteLine($"{parse.GetValue(address)} on {parse.GetValue(chain)}: control proven ({account.ProvenWallets?.Count ?? 0} proven wallet(s))"));
            return 0;
        });

        return new Command("wallets", "Holder consent for API burns (partner key).") { challenge, prove };
    }
}
