using Sharemint.Units;

namespace Sharemint.Reserves;

/// <summary>One deployment in a reconciliation: the ledger's supply beside the chain's.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.DeploymentReserve")]
public sealed record DeploymentReserve(
    [property: Id(0)] string Chain,
    [property: Id(1)] string TokenAddress,
    [property: Id(2)] CanonicalAmount LedgerSupply,
    [property: Id(3)] CanonicalAmount OnChainSupply,
    [property: Id(4)] string OnChainRawUnits,
    [property: Id(5)] long DriftUnits,
    [property: Id(6)] long AtHeight,
    [property: Id(7)] string? OnChainMultiplier = null,
    [property: Id(8)] bool MultiplierDrift = false);

/// <summary>
/// A reconciliation of one asset: custody at the broker and in the ledger, tokens issued, in transit and on every chain.
/// Backing ratio = custody shares ÷ shares needed (on-chain supply + in transit, × multiplier); ≥ 1 means fully backed.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.ReserveReport")]
public sealed record ReserveReport(
    [property: Id(0)] string Symbol,
    [property: Id(1)] string UnderlyingTicker,
    [property: Id(2)] long Sequence,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] Multiplier Multiplier,
    [property: Id(5)] decimal BrokerShares,
    [property: Id(6)] decimal LedgerCustodyShares,
    [property: Id(7)] decimal ReservedShares,
    [property: Id(8)] CanonicalAmount Issued,
    [property: Id(9)] CanonicalAmount InTransit,
    [property: Id(10)] CanonicalAmount OnChainTotal,
    [property: Id(11)] decimal RequiredShares,
    [property: Id(12)] decimal BackingRatio,
    [property: Id(13)] IReadOnlyList<DeploymentReserve> Deployments,
    [property: Id(14)] bool Balanced);

/// <summary>
/// A signed proof of reserves: <see cref="Payload"/> is the report as JSON (camelCase), and <see cref="Signature"/> is the
/// Ed25519 signature (base64) of its exact UTF-8 bytes by the issuer's attestation key (<see cref="PublicKey"/>, base64 of
/// the 32-byte key). Anyone can verify it and compare the supplies with the chains themselves.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.SignedAttestation")]
public sealed record SignedAttestation(
    [property: Id(0)] string Payload,
    [property: Id(1)] string Signature,
    [property: Id(2)] string PublicKey,
    [property: Id(3)] string Algorithm,
    [property: Id(4)] ReserveReport Report);
