using Sharemint.Units;

namespace Sharemint.Signers;

/// <summary>
/// The issuer's account on one chain, as the chain signer grain reports it. <see cref="MaxMintBatch"/> is the most lines a
/// <see cref="ChainWriteKind.Mint"/> write may carry on this chain (one transaction).
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.ChainSignerInfo")]
public sealed record ChainSignerInfo(
    [property: Id(0)] string Chain,
    [property: Id(1)] string Family,
    [property: Id(2)] string IssuerAddress,
    [property: Id(3)] string RedemptionAddress,
    [property: Id(4)] int MaxMintBatch);

/// <summary>Asks for a token deployment of one asset on one chain.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.TokenDeploymentRequest")]
public sealed record TokenDeploymentRequest(
    [property: Id(0)] string Symbol,
    [property: Id(1)] string Name,
    [property: Id(2)] Multiplier Multiplier);

/// <summary>A deployed token: its address (EVM contract or Solana mint) and its decimals.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.TokenDeployment")]
public sealed record TokenDeployment(
    [property: Id(0)] string Chain,
    [property: Id(1)] string TokenAddress,
    [property: Id(2)] int Decimals);

/// <summary>What a chain write does.</summary>
public enum ChainWriteKind
{
    /// <summary>Mint to every line's address (one mintBatch on EVM; MintToChecked instructions on Solana).</summary>
    Mint = 1,
    /// <summary>Burn tokens held by the issuer's redemption address (deposits being redeemed).</summary>
    BurnFromRedemption,
    /// <summary>Burn from a holder's wallet (EVM burnFrom with the holder's allowance; Solana permanent delegate).</summary>
    BurnFromHolder,
    /// <summary>Block (amount 1) or unblock (amount 0) the line's address on-chain (EVM blocklist; Solana freeze/thaw).</summary>
    SetBlocked,
    /// <summary>Pause (amount 1) or resume (amount 0) the token.</summary>
    SetPaused,
    /// <summary>Schedule the multiplier in <see cref="ChainWrite.Multiplier"/> (no lines): a corporate action.</summary>
    SetMultiplier,
}

/// <summary>One address and amount in a chain write.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.ChainWriteLine")]
public sealed record ChainWriteLine(
    [property: Id(0)] string Address,
    [property: Id(1)] CanonicalAmount Amount);

/// <summary>
/// One transaction the platform wants on a chain. <see cref="WriteId"/> names it for good: it is the on-chain operation id
/// (EVM tokens refuse a reused one) and the key of its write-ahead record.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.ChainWrite")]
public sealed record ChainWrite(
    [property: Id(0)] string WriteId,
    [property: Id(1)] ChainWriteKind Kind,
    [property: Id(2)] string TokenAddress,
    [property: Id(3)] int Decimals,
    [property: Id(4)] IReadOnlyList<ChainWriteLine> Lines,
    [property: Id(5)] MultiplierWrite? Multiplier = null);

/// <summary>Where a chain write stands.</summary>
public enum ChainWriteState
{
    /// <summary>Signed and persisted, broadcast (or about to be); not final yet.</summary>
    Pending = 1,
    /// <summary>Included and final (EVM: enough confirmations; Solana: finalized). The effect happened exactly once.</summary>
    Final,
    /// <summary>Included but reverted, or refused by the chain for good: the effect did not and will not happen.</summary>
    Failed,
}

/// <summary>A chain write's progress.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.ChainWriteStatus")]
public sealed record ChainWriteStatus(
    [property: Id(0)] string WriteId,
    [property: Id(1)] ChainWriteState State,
    [property: Id(2)] string? TransactionId,
    [property: Id(3)] string? FailureCode,
    [property: Id(4)] string? FailureMessage);

/// <summary>A token's total supply as the chain reports it.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.OnChainSupply")]
public sealed record OnChainSupply(
    [property: Id(0)] string Chain,
    [property: Id(1)] string TokenAddress,
    [property: Id(2)] string RawUnits,
    [property: Id(3)] CanonicalAmount Canonical,
    [property: Id(4)] bool HasDust,
    [property: Id(5)] long AtHeight);

/// <summary>
/// A transfer of the token into the issuer's redemption address. <see cref="DepositId"/> is unique per chain event
/// (EVM <c>{tx}:{logIndex}</c>; Solana <c>{signature}:{instruction}</c>). <see cref="Amount"/> is null when the raw amount is
/// not a whole number of canonical units (dust: never redeemed, held for operators).
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.TokenDeposit")]
public sealed record TokenDeposit(
    [property: Id(0)] string DepositId,
    [property: Id(1)] string FromAddress,
    [property: Id(2)] string RawAmount,
    [property: Id(3)] CanonicalAmount? Amount,
    [property: Id(4)] string TransactionId,
    [property: Id(5)] long Height,
    [property: Id(6)] DateTimeOffset? Time);

/// <summary>One page of final deposits and the cursor to continue from (persist it only after handling the page).</summary>
[GenerateSerializer, Immutable, Alias("sharemint.DepositScan")]
public sealed record DepositScan(
    [property: Id(0)] IReadOnlyList<TokenDeposit> Deposits,
    [property: Id(1)] string? NextCursor);

/// <summary>
/// The multiplier a chain write sets (kind <see cref="ChainWriteKind.SetMultiplier"/>): 18-decimal fixed point as decimal
/// text, from <see cref="EffectiveAt"/> (unix seconds). EVM and Tron tokens take it only when their multiplier nonce still
/// equals <see cref="ExpectedNonce"/> (compare-and-set); Solana ignores the nonce (the update sets an absolute value).
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.MultiplierWrite")]
public sealed record MultiplierWrite(
    [property: Id(0)] string Raw,
    [property: Id(1)] long EffectiveAt,
    [property: Id(2)] long ExpectedNonce);

/// <summary>
/// A token's multiplier as its chain reports it: <see cref="CurrentRaw"/> in force now, <see cref="LatestRaw"/> the value
/// last set and <see cref="LatestEffectiveAt"/> when it takes (or took) effect, unix seconds; <see cref="Nonce"/> is the
/// EVM/Tron compare-and-set nonce (-1 on Solana). Raw values are 18-decimal fixed point as decimal text (Solana's f64
/// converted exactly).
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.OnChainMultiplier")]
public sealed record OnChainMultiplier(
    [property: Id(0)] string Chain,
    [property: Id(1)] string TokenAddress,
    [property: Id(2)] string CurrentRaw,
    [property: Id(3)] string LatestRaw,
    [property: Id(4)] long LatestEffectiveAt,
    [property: Id(5)] long Nonce)
{
    /// <summary>
    /// The multiplier in force at <paramref name="unixSeconds"/>: the latest value once its effective time has passed, even
    /// on a chain that has not produced a block since (anvil mines on demand; its last block still reports the old value).
    /// </summary>
    public string InForceAt(long unixSeconds) => LatestEffectiveAt <= unixSeconds ? LatestRaw : CurrentRaw;
}
