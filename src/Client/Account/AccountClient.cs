using Sharemint.Client.Http;

namespace Sharemint.Client.Account;

/// <summary>A wallet on a chain.</summary>
public sealed record Wallet(string Chain, string Address);

/// <summary>A partner's account: KYC status, allow-listed wallets, cash (USD) and limits.</summary>
public sealed record PartnerAccount(
    string AccountId, string DisplayName, string Jurisdiction, PartnerTier Tier, decimal FeeRate, KycStatus Kyc,
    IReadOnlyList<Wallet> Wallets, decimal CashBalance, decimal CashHeld, decimal SpentToday,
    decimal MaxOrderCash, decimal MaxDailyCash, IReadOnlyList<Wallet>? ProvenWallets = null);

/// <summary>
/// The message the holder signs with a wallet's key to prove control: <see cref="Scheme"/> is
/// <c>eip191-personal-sign</c> (EVM: 65-byte signature as 0x-hex) or <c>ed25519</c> (Solana: 64-byte signature, base58 or hex).
/// </summary>
public sealed record WalletChallenge(string Chain, string Address, string Message, string Scheme);

/// <summary>The calling partner's own account.</summary>
public class AccountClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected AccountClient() => _transport = null!;

    public AccountClient(ApiTransport transport) => _transport = transport;

    /// <summary>The account the key belongs to.</summary>
    public virtual Task<Response<PartnerAccount>> GetAsync(CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<PartnerAccount>(HttpMethod.Get, "v1/account", null, null, cancellationToken);

    /// <summary>The message to sign with an allow-listed wallet's key, proving control (the holder's consent to API burns).</summary>
    public virtual Task<Response<WalletChallenge>> GetWalletChallengeAsync(string chain, string address, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<WalletChallenge>(HttpMethod.Get,
            $"v1/account/wallets/challenge?chain={Uri.EscapeDataString(chain)}&address={Uri.EscapeDataString(address)}", null, null, cancellationToken);

    /// <summary>
    /// Records the wallet's signature of its challenge. Until this succeeds, redemptions and transfers from the wallet
    /// through the API are refused with <c>wallet_not_proven</c>.
    /// </summary>
    public virtual Task<Response<PartnerAccount>> ProveWalletAsync(string chain, string address, string signature, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<PartnerAccount>(HttpMethod.Post, "v1/account/wallets/proof", new { chain, address, signature },
            ApiTransport.NewIdempotencyKey(), cancellationToken);

    /// <summary>
    /// The partner's limits and fees for <paramref name="symbol"/>: minimum and maximum order, decimals, step and dust per
    /// chain, the remaining daily limit, the fee rate and the schedule by tier. <c>asset_not_found</c> for an unknown symbol.
    /// </summary>
    public virtual Task<Response<AssetLimits>> GetLimitsAsync(string symbol, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<AssetLimits>(HttpMethod.Get, $"v1/limits/{Uri.EscapeDataString(symbol)}", null, null, cancellationToken);
}
