using Sharemint.Accounts;
using Sharemint.Catalog;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Operations;

namespace Sharemint.OrderThroughput;

/// <summary>One benchmark partner: its account id, the asset it trades, and a fresh allow-listed wallet per chain.</summary>
public sealed record BenchPartner(int Index, string AccountId, string Symbol, IReadOnlyDictionary<string, string> Wallets);

/// <summary>Onboards partners the way an operator does: register, KYC approved, cash credited, one wallet per chain allow-listed.</summary>
public static class Partners
{
    /// <summary>Cash credited to each partner, far above what a run spends (orders are small).</summary>
    public const decimal StartingCash = 1_000_000m;

    public static async Task<IReadOnlyList<BenchPartner>> OnboardAsync(IGrainFactory grains, int count, IReadOnlyList<string> symbols, IReadOnlyList<string> chains)
    {
        var partners = Enumerable.Range(0, count).Select(i => new BenchPartner(
            i,
            $"bench-partner-{i:D3}",
            symbols[i % symbols.Count],
            chains.ToDictionary(c => c, c => c == "solana" ? Keypair.Generate().PublicKey.ToString() : EvmPrivateKey.Generate().Address.ToString())))
            .ToList();
        var catalog = grains.GetGrain<ICatalogGrain>(0);
        await Parallel.ForEachAsync(partners, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (partner, _) =>
        {
            var profile = new PartnerProfile($"Bench Exchange {partner.Index}", "GB", PartnerTier.Standard, 0.005m, AccountLimits.Default);
            await catalog.RegisterAccountAsync(partner.AccountId, profile);
            var account = grains.GetGrain<IHolderAccountGrain>(partner.AccountId);
            await account.SetKycStatusAsync(OperationId.From($"{partner.AccountId}/kyc"), KycStatus.Approved);
            await account.CreditCashAsync(OperationId.From($"{partner.AccountId}/cash"), StartingCash);
            foreach (var (chain, wallet) in partner.Wallets)
            {
                await account.AllowWalletAsync(OperationId.From($"{partner.AccountId}/wallet/{chain}"), chain, wallet);
            }
        });
        return partners;
    }
}
