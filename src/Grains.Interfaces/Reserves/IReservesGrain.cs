namespace Sharemint.Reserves;

/// <summary>
/// Proof of reserves for one asset (key: symbol): reconciliation runs that read custody from the broker, the ledger, and
/// the real on-chain supply of every deployment, each published as a signed attestation and kept as history. Drift is
/// reported, never corrected here (invariant 5).
/// </summary>
[Alias("sharemint.IReservesGrain")]
public interface IReservesGrain : IGrainWithStringKey
{
    /// <summary>Runs a reconciliation now and returns its signed attestation. <c>ChainUnavailable</c> when a chain cannot be read.</summary>
    [Alias("Reconcile")]
    Task<SignedAttestation> ReconcileAsync();

    /// <summary>The latest attestation, or null before the first reconciliation.</summary>
    [Alias("GetLatest"), ReadOnly]
    Task<SignedAttestation?> GetLatestAsync();

    /// <summary>Past reports, newest first, at most <paramref name="limit"/>.</summary>
    [Alias("GetHistory"), ReadOnly]
    Task<IReadOnlyList<ReserveReport>> GetHistoryAsync(int limit);
}
