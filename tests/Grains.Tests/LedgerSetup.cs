using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Grains.Tests;

/// <summary>Builders for a small, valid ledger the tests then poke at.</summary>
internal static class LedgerSetup
{
    public const string EvmWallet = "0x1111111111111111111111111111111111111111";
    public const string SolanaWallet = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU";

    /// <summary>An EVM wallet of the account's own (a wallet belongs to one account).</summary>
    public static string EvmWalletOf(string accountId) =>
        "0x" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("evm:" + accountId)))[..40];

    /// <summary>A Solana wallet of the account's own.</summary>
    public static string SolanaWalletOf(string accountId) =>
        Sharemint.Chains.Solana.Base58.Encode(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("solana:" + accountId)));
    public static readonly string[] Chains = ["solana", "ethereum", "base"];

    public static AssetDefinition Tesla(string symbol = "TSLAx") => new(symbol, "TSLA", "Tesla xStock", "US88160R1014", AssetKind.Stock);

    public static PartnerProfile Profile(string jurisdiction = "GB") =>
        new("Test Exchange", jurisdiction, PartnerTier.Standard, 0.005m, new AccountLimits(100_000m, 1_000_000m));

    public static OperationId Op(string name = "op") => OperationId.New(name);

    /// <summary>An asset with custody and a deployment on each chain (18 decimals on EVM, 8 on Solana).</summary>
    public static async Task<IAssetGrain> AssetWithCustodyAsync(IGrainFactory grains, string symbol, decimal custodyShares)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(0);
        await catalog.RegisterAssetAsync(Tesla(symbol));
        foreach (var chain in Chains)
        {
            await catalog.RegisterDeploymentAsync(symbol, chain, chain == "solana"
                ? new DeploymentConfig("So11111111111111111111111111111111111111112", 8)
                : new DeploymentConfig("0x2222222222222222222222222222222222222222", 18));
        }
        var asset = grains.GetGrain<IAssetGrain>(symbol);
        if (custodyShares > 0)
        {
            await asset.AddCustodyAsync(Op("custody"), custodyShares);
        }
        return asset;
    }

    /// <summary>An approved partner with cash and an allow-listed wallet of its own on every chain (<see cref="EvmWalletOf"/>, <see cref="SolanaWalletOf"/>).</summary>
    public static async Task<IHolderAccountGrain> ApprovedPartnerAsync(IGrainFactory grains, string accountId, decimal cash)
    {
        await grains.GetGrain<ICatalogGrain>(0).RegisterAccountAsync(accountId, Profile());
        var account = grains.GetGrain<IHolderAccountGrain>(accountId);
        await account.SetKycStatusAsync(Op("kyc"), KycStatus.Approved);
        await account.AllowWalletAsync(Op("wallet"), "solana", SolanaWalletOf(accountId));
        await account.AllowWalletAsync(Op("wallet"), "ethereum", EvmWalletOf(accountId));
        await account.AllowWalletAsync(Op("wallet"), "base", EvmWalletOf(accountId));
        if (cash > 0)
        {
            await account.CreditCashAsync(Op("cash"), cash);
        }
        return account;
    }

    /// <summary>Reserve then record-mint: the ledger half of a mint.</summary>
    public static async Task<DeploymentSnapshot> MintAsync(IGrainFactory grains, string symbol, string chain, CanonicalAmount amount, OperationId? id = null)
    {
        var order = id ?? Op("mint");
        await grains.GetGrain<IAssetGrain>(symbol).ReserveCustodyAsync(order.Step("reserve"), chain, amount);
        return await grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain))
            .RecordMintAsync(order.Step("mint"), order.Step("reserve"), amount);
    }
}
