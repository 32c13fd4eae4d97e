using Sharemint.Client.Http;

namespace Sharemint.Client.Account;

/// <summary>A wallet on a chain.</summary>
public sealed record Wallet(string Chain, string Address);

/// <summary>A partner's account: KYC status, allow-listed wallets, cash (USD) and limits.</summary>
public sealed record PartnerAccount(
    string AccountId, string DisplayName, string Jurisdiction, string Tier, decimal FeeRate, string Kyc,
    IReadOnlyList<Wallet> Wallets, decimal CashBalance, decimal CashHeld, decimal SpentToday,
    decimal MaxOrderCash, decimal MaxDailyCash);

/// <summary>The calling partner's own account.</summary>
public sealed class AccountClient
{
    private readonly ApiTransport _transport;

    public AccountClient(ApiTransport transport) => _transport = transport;

    /// <summary>The account the key belongs to.</summary>
    public Task<PartnerAccount> GetAsync(CancellationToken cancellationToken = default) =>
        _transport.SendAsync<PartnerAccount>(HttpMethod.Get, "v1/account", null, null, cancellationToken);
}
