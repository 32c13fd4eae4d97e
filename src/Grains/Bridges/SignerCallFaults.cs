using Sharemint.Signers;

namespace Sharemint.Bridges;

/// <summary>Where a bridge calls its chain signer with money at stake; the points a fault harness can break.</summary>
public enum SignerCallPoint
{
    /// <summary>A mint batch is signed and broadcast.</summary>
    SubmitMint = 1,
    /// <summary>A mint batch's status is asked (and it may turn final).</summary>
    CheckMint,
    /// <summary>A burn is signed and broadcast.</summary>
    SubmitBurn,
    /// <summary>A burn's status is asked (and it may turn final).</summary>
    CheckBurn,
}

/// <summary>
/// The seam at which tests break the bridge→signer boundary: before the call (nothing delivered) or after it (the signer
/// acted, the bridge never hears: a lost reply, or a process that dies before it records). Production registers none;
/// the bridge then calls straight through.
/// </summary>
public interface ISignerCallFaults
{
    /// <summary>Runs before the call; throwing means the call is never delivered.</summary>
    ValueTask BeforeAsync(string deployment, SignerCallPoint point);

    /// <summary>Runs after the call returned <paramref name="status"/>; throwing means the caller never sees it.</summary>
    ValueTask AfterAsync(string deployment, SignerCallPoint point, ChainWriteStatus status);
}
