using System.Text;
using System.Text.Json;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Sharemint.Client.Http;

namespace Sharemint.Client.Reserves;

/// <summary>One deployment in a reserve report: the ledger's supply beside the chain's.</summary>
public sealed record DeploymentReserve(string Chain, string TokenAddress, decimal LedgerSupply, decimal OnChainSupply, string OnChainRawUnits, long DriftUnits, long AtHeight);

/// <summary>A reconciliation of one asset. <see cref="BackingRatio"/> ≥ 1 means fully backed.</summary>
public sealed record ReserveReport(
    string Symbol, string UnderlyingTicker, long Sequence, DateTimeOffset At, decimal Multiplier, decimal BrokerShares,
    decimal LedgerCustodyShares, decimal ReservedShares, decimal Issued, decimal InTransit, decimal OnChainTotal,
    decimal RequiredShares, decimal BackingRatio, IReadOnlyList<DeploymentReserve> Deployments, bool Balanced);

/// <summary>A signed proof of reserves: <see cref="Signature"/> (Ed25519, base64) over the UTF-8 bytes of <see cref="Payload"/>.</summary>
public sealed record ReserveAttestation(string Payload, string Signature, string PublicKey, string Algorithm, ReserveReport Report);

/// <summary>The outcome of checking an attestation: <see cref="IsValid"/>, and why not when it is not.</summary>
public sealed record AttestationVerification(bool IsValid, string Reason, ReserveAttestation Attestation);

/// <summary>Reads and verifies proof-of-reserves attestations (public: no key needed).</summary>
public class ReservesClient
{
    private readonly ApiTransport _transport;

    /// <summary>For mocking.</summary>
    protected ReservesClient() => _transport = null!;

    public ReservesClient(ApiTransport transport) => _transport = transport;

    /// <summary>The latest attestation. <c>attestation_not_found</c> before the first reconciliation.</summary>
    public virtual Task<Response<ReserveAttestation>> GetAsync(string symbol, CancellationToken cancellationToken = default) =>
        _transport.SendForResponseAsync<ReserveAttestation>(HttpMethod.Get, $"v1/reserves/{Uri.EscapeDataString(symbol)}", null, null, cancellationToken);

    /// <summary>Past reports the silo keeps, newest first, fetched a page at a time.</summary>
    public virtual AsyncPageable<ReserveReport> GetHistoryAsync(string symbol, CancellationToken cancellationToken = default) =>
        _transport.Pageable<ReserveReport>($"v1/reserves/{Uri.EscapeDataString(symbol)}/history", cancellationToken);

    /// <summary>
    /// Fetches the latest attestation and verifies it: the Ed25519 signature over the payload, the payload's symbol, and —
    /// when <paramref name="trustedPublicKey"/> (base64) is given — that the issuer's known key signed it.
    /// </summary>
    public virtual async Task<AttestationVerification> VerifyAsync(string symbol, string? trustedPublicKey = null, CancellationToken cancellationToken = default) =>
        Verify((await GetAsync(symbol, cancellationToken)).Value, symbol, trustedPublicKey);

    /// <summary>Verifies an attestation offline (see <see cref="VerifyAsync"/>).</summary>
    public static AttestationVerification Verify(ReserveAttestation attestation, string? expectedSymbol = null, string? trustedPublicKey = null)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        if (!string.Equals(attestation.Algorithm, "Ed25519", StringComparison.OrdinalIgnoreCase))
        {
            return new(false, $"unsupported algorithm '{attestation.Algorithm}'", attestation);
        }
        if (trustedPublicKey is not null && trustedPublicKey != attestation.PublicKey)
        {
            return new(false, "signed by a key other than the trusted one", attestation);
        }
        byte[] publicKey, signature;
        try
        {
            publicKey = Convert.FromBase64String(attestation.PublicKey);
            signature = Convert.FromBase64String(attestation.Signature);
        }
        catch (FormatException)
        {
            return new(false, "public key or signature is not base64", attestation);
        }
        if (publicKey.Length != 32 || signature.Length != 64)
        {
            return new(false, "public key must be 32 bytes and signature 64 bytes", attestation);
        }
        var payload = Encoding.UTF8.GetBytes(attestation.Payload);
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(publicKey, 0));
        verifier.BlockUpdate(payload, 0, payload.Length);
        if (!verifier.VerifySignature(signature))
        {
            return new(false, "signature does not match the payload", attestation);
        }
        // The signed payload, not the convenience copy beside it, is what counts: check that it speaks of this asset.
        using var document = JsonDocument.Parse(attestation.Payload);
        var signedSymbol = document.RootElement.TryGetProperty("symbol", out var s) ? s.GetString() : null;
        if (expectedSymbol is not null && signedSymbol != expectedSymbol)
        {
            return new(false, $"payload is for '{signedSymbol}', not '{expectedSymbol}'", attestation);
        }
        if (signedSymbol != attestation.Report.Symbol)
        {
            return new(false, "report beside the payload does not match it", attestation);
        }
        return new(true, "signature valid", attestation);
    }
}
