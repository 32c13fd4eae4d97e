using System.Numerics;
using Sharemint.Units;

namespace Sharemint.Signers;

/// <summary>
/// The chain-family half of a chain signer (EVM or Solana). Lives inside one grain activation, so calls never overlap;
/// chain trouble surfaces as the chain clients' exceptions, which the grain maps to ledger errors.
/// </summary>
internal interface IFamilySigner
{
    ChainSignerInfo Info { get; }

    /// <summary>Canonical form of an address on this chain; <c>AddressInvalid</c> otherwise.</summary>
    string CanonicalAddress(string address);

    /// <summary>Deploys the token under a write-ahead key derived from the symbol; returns the deployment and its height.</summary>
    Task<DeployedToken> DeployAsync(TokenDeploymentRequest request);

    /// <summary>
    /// Deploys several tokens as <see cref="DeployAsync"/> does, one after another until about <paramref name="wait"/> has
    /// passed (at least one); returns, by symbol, those on chain. A family that can put many in one block overrides it.
    /// </summary>
    async Task<IReadOnlyDictionary<string, DeployedToken>> DeployManyAsync(IReadOnlyList<TokenDeploymentRequest> requests, TimeSpan wait)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var landed = new Dictionary<string, DeployedToken>(StringComparer.Ordinal);
        foreach (var request in requests)
        {
            if (landed.Count > 0 && System.Diagnostics.Stopwatch.GetElapsedTime(started) >= wait)
            {
                break;
            }
            landed[request.Symbol] = await DeployAsync(request);
        }
        return landed;
    }

    /// <summary>Signs, persists and broadcasts a recorded pending write (or rebroadcasts what is already signed for it).</summary>
    Task<RecordedWrite> SubmitAsync(RecordedWrite write);

    /// <summary>Advances a recorded pending write: rebroadcast, replace when provably dead, and record Final/Failed.</summary>
    Task<RecordedWrite> CheckAsync(RecordedWrite write);

    Task<(BigInteger Raw, long Height)> SupplyAsync(string tokenAddress);

    Task<(BigInteger Raw, long Height)> BalanceAsync(string tokenAddress, string address);

    Task<DepositScan> ScanDepositsAsync(string tokenAddress, int decimals, string? cursor, int limit, ulong firstHeight);

    /// <summary>The token's multiplier now, the latest value set with its effective time, and the compare-and-set nonce.</summary>
    Task<OnChainMultiplier> MultiplierAsync(string tokenAddress);
}

/// <summary>The multiplier a <see cref="ChainWriteKind.SetMultiplier"/> write carries, decoded from its stored line.</summary>
internal sealed record StoredMultiplier(BigInteger Raw, long EffectiveAt, BigInteger ExpectedNonce)
{
    public static StoredMultiplier Of(StoredWrite payload)
    {
        var line = payload.Lines[0];
        var parts = line.ChainUnits.Split(':');
        return new StoredMultiplier(BigInteger.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), line.Units,
            BigInteger.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Whether the chain already shows this value for this effective time (then nothing needs signing).</summary>
    public bool IsShownBy(OnChainMultiplier onChain) =>
        onChain.LatestRaw == Raw.ToString(System.Globalization.CultureInfo.InvariantCulture) && onChain.LatestEffectiveAt == EffectiveAt;
}

/// <summary>Conversions between chain units and canonical units shared by both families.</summary>
internal static class ChainUnits
{
    /// <summary>The canonical amount of a chain balance with dust truncated, and whether there was dust.</summary>
    public static (CanonicalAmount Amount, bool HasDust) Truncate(BigInteger raw, int decimals)
    {
        BigInteger units;
        var dust = false;
        if (decimals >= CanonicalAmount.Decimals)
        {
            units = BigInteger.DivRem(raw, BigInteger.Pow(10, decimals - CanonicalAmount.Decimals), out var remainder);
            dust = !remainder.IsZero;
        }
        else
        {
            units = raw * BigInteger.Pow(10, CanonicalAmount.Decimals - decimals);
        }
        return (CanonicalAmount.FromUnits(units > long.MaxValue ? long.MaxValue : (long)units), dust);
    }

    /// <summary>The exact canonical amount of a deposit, or null when it is dust (or beyond range).</summary>
    public static CanonicalAmount? Exact(BigInteger raw, int decimals)
    {
        try
        {
            return CanonicalAmount.FromChainUnits(raw, decimals);
        }
        catch (Sharemint.Errors.LedgerException)
        {
            return null;
        }
    }
}
