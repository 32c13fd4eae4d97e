namespace Sharemint.Signers;

/// <summary>
/// The issuer's signing account on one chain (key: chain id, e.g. <c>ethereum</c>, <c>base</c>, <c>solana</c>). One
/// activation per chain allocates EVM nonces / pays Solana fees, so writes never race each other for a nonce. Every write
/// is write-ahead: the signed transaction is persisted before it is broadcast; a retry rebroadcasts the same bytes, and a
/// new transaction is signed only when the old one provably cannot land (EVM: its nonce was consumed by another
/// transaction; Solana: its blockhash expired and its signature is absent). Chain trouble surfaces as a
/// <see cref="Errors.LedgerException"/> with <c>ChainUnavailable</c> (transient: try again later) or <c>ChainWriteFailed</c>.
/// </summary>
[Alias("sharemint.IChainSignerGrain")]
public interface IChainSignerGrain : IGrainWithStringKey
{
    /// <summary>The issuer and redemption addresses on this chain. <c>DeploymentNotFound</c> for a chain not configured.</summary>
    [Alias("GetInfo"), ReadOnly]
    Task<ChainSignerInfo> GetInfoAsync();

    /// <summary>
    /// Deploys the asset's token on this chain (EVM: the SharemintToken contract; Solana: a Token-2022 mint with scaled UI
    /// amount, pausable, metadata and permanent delegate). Idempotent per symbol: a second call returns the first deployment.
    /// </summary>
    [Alias("DeployToken")]
    Task<TokenDeployment> DeployTokenAsync(TokenDeploymentRequest request);

    /// <summary>
    /// Deploys several assets' tokens on this chain, each as <see cref="DeployTokenAsync"/> would: under the same per-symbol
    /// write-ahead key, so whichever method (or crashed call) began a symbol's deployment, the symbol gets one token. Tron
    /// signs and broadcasts every missing deployment before it waits, so a batch lands in a few blocks rather than one per
    /// token; EVM chains and Solana deploy one after another. The call waits a bounded time (about 2 s, well within a
    /// grain call's timeout) and answers, by symbol, the requests whose token is on chain; a symbol missing from the answer
    /// is signed and on its way (or not begun yet), and calling again collects it without deploying it twice. At most 100
    /// requests with distinct symbols; a bad request refuses the whole batch (<c>InvalidArgument</c>) and deploys nothing.
    /// </summary>
    [Alias("DeployTokens")]
    Task<IReadOnlyDictionary<string, TokenDeployment>> DeployTokensAsync(IReadOnlyList<TokenDeploymentRequest> requests);

    /// <summary>
    /// Signs, persists, then broadcasts <paramref name="write"/>; returns without waiting for finality. Idempotent per
    /// <see cref="ChainWrite.WriteId"/>: the same write again returns its current status and never signs a second
    /// transaction; a different write under a used id is <c>IdempotencyConflict</c>.
    /// </summary>
    [Alias("Submit")]
    Task<ChainWriteStatus> SubmitAsync(ChainWrite write);

    /// <summary>
    /// The status of a submitted write: rebroadcasts it if the chain lost it, replaces it only when provably dead, and
    /// reports <see cref="ChainWriteState.Final"/> once final. <c>InvalidArgument</c> for an unknown write id.
    /// </summary>
    [Alias("Check")]
    Task<ChainWriteStatus> CheckAsync(string writeId);

    /// <summary>The token's real total supply, read from the chain now (finalized/confirmed view).</summary>
    [Alias("GetSupply"), ReadOnly]
    Task<OnChainSupply> GetSupplyAsync(string tokenAddress, int decimals);

    /// <summary>The token balance of <paramref name="address"/> in canonical units (chain units, dust truncated, for display).</summary>
    [Alias("GetBalance"), ReadOnly]
    Task<OnChainSupply> GetBalanceAsync(string tokenAddress, int decimals, string address);

    /// <summary>
    /// Final transfers of the token into the redemption address after <paramref name="cursor"/> (null: from the start),
    /// oldest first, at most <paramref name="limit"/>. Only final events are returned (EVM: confirmations; Solana: finalized).
    /// </summary>
    [Alias("ScanDeposits"), ReadOnly]
    Task<DepositScan> ScanDepositsAsync(string tokenAddress, int decimals, string? cursor, int limit);

    /// <summary>The block or slot at which this signer deployed <paramref name="tokenAddress"/> (0 when it did not): where deposit scans start.</summary>
    [Alias("GetDeployedHeight"), ReadOnly]
    Task<ulong> GetDeployedHeightAsync(string tokenAddress);
}
