namespace Sharemint.Signers;

/// <summary>
/// Chain reads (key: chain id) apart from the chain signer: supply, balances and deposit scans run on stateless workers,
/// so a deposit watcher or a reconciliation never waits behind nonce allocation and broadcasts. Same answers and errors as
/// the signer's read methods (<c>ChainUnavailable</c> when the node is unreachable).
/// </summary>
[Alias("sharemint.IChainReaderGrain")]
public interface IChainReaderGrain : IGrainWithStringKey
{
    /// <summary>The token's real total supply, read from the chain now (final view).</summary>
    [Alias("GetSupply")]
    Task<OnChainSupply> GetSupplyAsync(string tokenAddress, int decimals);

    /// <summary>The token balance of <paramref name="address"/> in canonical units (dust truncated).</summary>
    [Alias("GetBalance")]
    Task<OnChainSupply> GetBalanceAsync(string tokenAddress, int decimals, string address);

    /// <summary>Final transfers of the token into the redemption address after <paramref name="cursor"/>; see <see cref="IChainSignerGrain.ScanDepositsAsync"/>.</summary>
    [Alias("ScanDeposits")]
    Task<DepositScan> ScanDepositsAsync(string tokenAddress, int decimals, string? cursor, int limit);

    /// <summary>The token's multiplier now, the value last set with its effective time, and the compare-and-set nonce, read from the chain.</summary>
    [Alias("GetMultiplier")]
    Task<OnChainMultiplier> GetMultiplierAsync(string tokenAddress);
}
