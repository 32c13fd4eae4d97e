using Sharemint.Units;

namespace Sharemint.Assets;

/// <summary>Kind of underlying security.</summary>
public enum AssetKind
{
    Stock = 1,
    Etf = 2,
}

/// <summary>
/// Trading status. <see cref="MintPaused"/> stops new reservations and settlements; <see cref="RedeemPaused"/> stops burns;
/// <see cref="Halted"/> stops both (invariant 6: pause means stop). <see cref="Delisting"/> is the redemption-only window
/// before <see cref="Delisted"/>, after which the asset is closed for good.
/// </summary>
public enum AssetStatus
{
    Active = 1,
    MintPaused,
    RedeemPaused,
    Halted,
    Delisting,
    Delisted,
}

/// <summary>What each status lets through, and the error that names a refusal.</summary>
public static class AssetStatusRules
{
    /// <summary>True when new mints (reservations, settlements, quotes) are allowed.</summary>
    public static bool AllowsMint(this AssetStatus status) => status is AssetStatus.Active or AssetStatus.RedeemPaused;

    /// <summary>True when redemptions (burns back to cash) are allowed: also during a delisting window.</summary>
    public static bool AllowsRedeem(this AssetStatus status) => status is AssetStatus.Active or AssetStatus.MintPaused or AssetStatus.Delisting;

    /// <summary>True when moves between chains are allowed.</summary>
    public static bool AllowsMove(this AssetStatus status) => status == AssetStatus.Active;

    /// <summary>The error a refused operation carries: delisting and delisted have their own codes, the rest are pauses.</summary>
    public static Errors.LedgerError RefusalError(this AssetStatus status) => status switch
    {
        AssetStatus.Delisting => Errors.LedgerError.AssetDelisting,
        AssetStatus.Delisted => Errors.LedgerError.AssetDelisted,
        _ => Errors.LedgerError.AssetPaused,
    };
}

/// <summary>What an xStock is: its symbol and the security behind it.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.AssetDefinition")]
public sealed record AssetDefinition(
    [property: Id(0)] string Symbol,
    [property: Id(1)] string UnderlyingTicker,
    [property: Id(2)] string Name,
    [property: Id(3)] string Isin,
    [property: Id(4)] AssetKind Kind);

/// <summary>An asset's ledger at one instant.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.AssetSnapshot")]
public sealed record AssetSnapshot(
    [property: Id(0)] AssetDefinition Definition,
    [property: Id(1)] AssetStatus Status,
    [property: Id(2)] Multiplier Multiplier,
    [property: Id(3)] decimal CustodyShares,
    [property: Id(4)] decimal ReservedShares,
    [property: Id(5)] CanonicalAmount Issued,
    [property: Id(6)] CanonicalAmount PendingMint,
    [property: Id(7)] CanonicalAmount PendingBurn,
    [property: Id(8)] long Version,
    [property: Id(9)] CanonicalAmount InTransit,
    [property: Id(10)] string? CorporateActionWindow = null,
    [property: Id(11)] DateTimeOffset? RedeemUntil = null)
{
    /// <summary>Shares that back the issued tokens at the current multiplier (rounded up).</summary>
    public decimal BackingShares => Multiplier.SharesToBack(Issued);

    /// <summary>Custody not backing issued tokens nor reserved for open orders.</summary>
    public decimal UnallocatedShares => CustodyShares - ReservedShares - BackingShares;
}

/// <summary>Custody set aside for one mint until it settles on a chain or is released.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.CustodyReservation")]
public sealed record CustodyReservation(
    [property: Id(0)] string ReservationId,
    [property: Id(1)] string Chain,
    [property: Id(2)] CanonicalAmount Amount,
    [property: Id(3)] decimal Shares);

/// <summary>One reservation to settle with the mint that used it.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.ReservationSettlement")]
public sealed record ReservationSettlement(
    [property: Id(0)] string ReservationId,
    [property: Id(1)] string MintOperationId,
    [property: Id(2)] string Chain,
    [property: Id(3)] CanonicalAmount Amount);
