namespace Sharemint.Accounts;

/// <summary>
/// Which partner holds a wallet on a chain: at most one. A deposit from a wallet is credited to its one holder, and a
/// partner cannot allow-list (and so mint to, redeem from or move from) a wallet another partner holds. Backed by a
/// table with a unique key on (chain, address), so the rule holds across grains and silos.
/// </summary>
public interface IWalletOwnerRegistry
{
    /// <summary>Claims the wallet for <paramref name="accountId"/> unless another account holds it; returns the holder (idempotent).</summary>
    Task<string> ClaimAsync(string chain, string canonicalAddress, string accountId, CancellationToken cancellationToken = default);

    /// <summary>Releases the wallet if <paramref name="accountId"/> holds it (idempotent; another holder's claim is untouched).</summary>
    Task ReleaseAsync(string chain, string canonicalAddress, string accountId, CancellationToken cancellationToken = default);

    /// <summary>The account holding the wallet, or null.</summary>
    Task<string?> OwnerOfAsync(string chain, string canonicalAddress, CancellationToken cancellationToken = default);
}
