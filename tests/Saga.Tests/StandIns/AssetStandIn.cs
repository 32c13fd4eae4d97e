using Sharemint.Assets;
using Sharemint.Errors;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Saga.Tests.StandIns;

/// <summary>
/// The asset ledger in memory, with the real grain's apply-once rules: each operation id is applied at most once, a repeat
/// returns the current ledger, a refusal changes nothing. Custody, reservations, issued, pending burns and transit.
/// </summary>
public sealed class AssetStandIn(SagaWorld world, string symbol) : IAssetGrain
{
    private readonly Dictionary<string, (string Chain, CanonicalAmount Amount, decimal Shares)> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _settledBy = new(StringComparer.Ordinal);
    private readonly HashSet<string> _released = new(StringComparer.Ordinal);
    private readonly HashSet<string> _closedUnreserved = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CanonicalAmount> _burnsPending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _burnsDone = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CanonicalAmount> _transit = new(StringComparer.Ordinal);
    private readonly HashSet<string> _transitDone = new(StringComparer.Ordinal);
    private readonly HashSet<string> _applied = new(StringComparer.Ordinal);

    public AssetDefinition Definition { get; } = new(symbol, SagaWorld.Underlying, "Tesla xStock", "US88160R1014", AssetKind.Stock);
    public AssetStatus Status { get; set; } = AssetStatus.Active;
    public decimal Custody { get; set; }
    public decimal Reserved => _open.Values.Sum(r => r.Shares);
    public CanonicalAmount Issued { get; private set; }
    public CanonicalAmount PendingBurn => _burnsPending.Values.Aggregate(CanonicalAmount.Zero, (s, a) => s + a);
    public CanonicalAmount InTransit => _transit.Values.Aggregate(CanonicalAmount.Zero, (s, a) => s + a);
    /// <summary>Mint operations each reservation was settled by (one reservation backs one mint).</summary>
    public IReadOnlyDictionary<string, string> SettledBy => _settledBy;
    public long Version { get; private set; }
    public int OpenReservations => _open.Count;

    public bool IsOpen(string reservationId) => _open.ContainsKey(reservationId);

    /// <summary>Tokens that exist before the test starts, fully backed.</summary>
    internal void SeedIssued(CanonicalAmount amount)
    {
        Custody += Multiplier.One.SharesToBack(amount);
        Issued += amount;
    }

    public AssetSnapshot Snapshot() => new(Definition, Status, Multiplier.One, Custody, Reserved, Issued, CanonicalAmount.Zero, PendingBurn, Version, InTransit);

    public Task<AssetSnapshot> GetAsync() => world.CallAsync("asset.get", Snapshot);

    public Task<AssetSnapshot> SetStatusAsync(OperationId operationId, AssetStatus status) => world.CallAsync("asset.status", () =>
    {
        Status = status;
        return Changed();
    });

    public Task<AssetSnapshot> AddCustodyAsync(OperationId operationId, decimal shares) => world.CallAsync("asset.custody-in", () =>
    {
        if (_applied.Add(operationId.Value))
        {
            Custody += shares;
        }
        return Changed();
    });

    public Task<AssetSnapshot> RemoveCustodyAsync(OperationId operationId, decimal shares) => world.CallAsync("asset.custody-out", () =>
    {
        if (_applied.Contains(operationId.Value))
        {
            return Snapshot();
        }
        if (Custody - shares < Reserved + Multiplier.One.SharesToBack(Issued))
        {
            throw new LedgerException(LedgerError.InsufficientBacking, "removing custody would leave tokens unbacked");
        }
        _applied.Add(operationId.Value);
        Custody -= shares;
        return Changed();
    });

    public Task<CustodyReservation> ReserveCustodyAsync(OperationId operationId, string chain, CanonicalAmount amount) =>
        world.CallAsync("asset.reserve", () => Reserve(operationId.Value, chain, amount));

    public async Task<CustodyReservation?> TryReserveCustodyAsync(OperationId operationId, string chain, CanonicalAmount amount)
    {
        try
        {
            return await ReserveCustodyAsync(operationId, chain, amount);
        }
        catch (LedgerException error) when (error.Error == LedgerError.InsufficientBacking)
        {
            return null;
        }
    }

    public Task<CustodyReservation> ReserveWithPurchaseAsync(OperationId reservationId, string chain, CanonicalAmount amount,
        OperationId custodyOperationId, decimal purchasedShares) => world.CallAsync("asset.reserve-with-purchase", () =>
    {
        if (_applied.Add(custodyOperationId.Value))
        {
            Custody += purchasedShares;
            Version++;
        }
        return Reserve(reservationId.Value, chain, amount);
    });

    private CustodyReservation Reserve(string id, string chain, CanonicalAmount amount)
    {
        var shares = Multiplier.One.SharesToBack(amount);
        if (_closedUnreserved.Contains(id))
        {
            throw new LedgerException(LedgerError.IdempotencyConflict, $"Reservation '{id}' was released before it was made.");
        }
        if (_open.ContainsKey(id) || _settledBy.ContainsKey(id) || _released.Contains(id))
        {
            return new CustodyReservation(id, chain, amount, shares);
        }
        if (Status is AssetStatus.MintPaused or AssetStatus.Halted)
        {
            throw new LedgerException(LedgerError.AssetPaused, $"{symbol} is {Status}: no mints.");
        }
        if (Custody - Reserved - Multiplier.One.SharesToBack(Issued) < shares)
        {
            throw new LedgerException(LedgerError.InsufficientBacking, $"custody does not cover {shares} more shares");
        }
        _open[id] = (chain, amount, shares);
        Changed();
        return new CustodyReservation(id, chain, amount, shares);
    }

    public Task<AssetSnapshot> ReleaseReservationAsync(OperationId reservationId) => world.CallAsync("asset.release", () =>
    {
        var id = reservationId.Value;
        if (_settledBy.ContainsKey(id))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Reservation '{id}' is settled: its tokens exist and cannot be released.");
        }
        if (_open.Remove(id))
        {
            _released.Add(id);
            return Changed();
        }
        // Never reserved: the id is closed all the same, so a reservation that a stale activation asks for later is refused.
        _released.Add(id);
        _closedUnreserved.Add(id);
        return Changed();
    });

    /// <summary>The bridge's side of a final mint (called inside the bridge's step, as the real bridge awaits it).</summary>
    internal void Settle(string reservationId, string mintOperationId, CanonicalAmount amount)
    {
        if (_settledBy.TryGetValue(reservationId, out var by))
        {
            if (by != mintOperationId)
            {
                throw new LedgerException(LedgerError.IdempotencyConflict, $"Reservation '{reservationId}' already backs mint '{by}'.");
            }
            return;
        }
        // A mint final on-chain is recorded even against a released or missing reservation: the tokens exist.
        _open.Remove(reservationId);
        _settledBy[reservationId] = mintOperationId;
        Issued += amount;
        Changed();
    }

    public Task<AssetSnapshot> SettleReservationAsync(OperationId reservationId, OperationId mintOperationId, string chain, CanonicalAmount amount) =>
        world.CallAsync("asset.settle", () =>
        {
            Settle(reservationId.Value, mintOperationId.Value, amount);
            return Snapshot();
        });

    public Task<AssetSnapshot> SettleReservationsAsync(IReadOnlyList<ReservationSettlement> settlements) => world.CallAsync("asset.settle-batch", () =>
    {
        foreach (var s in settlements)
        {
            Settle(s.ReservationId, s.MintOperationId, s.Amount);
        }
        return Snapshot();
    });

    internal void Authorize(string burnId, CanonicalAmount amount)
    {
        if (_burnsPending.ContainsKey(burnId) || _burnsDone.Contains(burnId))
        {
            return;
        }
        if (Status is AssetStatus.RedeemPaused or AssetStatus.Halted)
        {
            throw new LedgerException(LedgerError.AssetPaused, $"{symbol} is {Status}: no redemptions.");
        }
        if (PendingBurn + amount > Issued)
        {
            throw new LedgerException(LedgerError.InsufficientSupply, "burn above issued");
        }
        _burnsPending[burnId] = amount;
        Changed();
    }

    public Task<AssetSnapshot> AuthorizeBurnAsync(OperationId burnOperationId, string chain, CanonicalAmount amount) =>
        world.CallAsync("asset.authorize-burn", () =>
        {
            Authorize(burnOperationId.Value, amount);
            return Snapshot();
        });

    internal void CompleteBurn(string burnId)
    {
        if (_burnsPending.Remove(burnId, out var amount))
        {
            _burnsDone.Add(burnId);
            Issued -= amount;
            Changed();
        }
    }

    public Task<AssetSnapshot> CompleteBurnAsync(OperationId burnOperationId) => world.CallAsync("asset.complete-burn", () =>
    {
        CompleteBurn(burnOperationId.Value);
        return Snapshot();
    });

    internal void CancelBurn(string burnId)
    {
        if (_burnsDone.Contains(burnId))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Burn '{burnId}' is complete.");
        }
        _burnsPending.Remove(burnId);
        Changed();
    }

    public Task<AssetSnapshot> CancelBurnAsync(OperationId burnOperationId) => world.CallAsync("asset.cancel-burn", () =>
    {
        CancelBurn(burnOperationId.Value);
        return Snapshot();
    });

    internal void BeginTransit(string transferId, CanonicalAmount amount)
    {
        if (!_transit.ContainsKey(transferId) && !_transitDone.Contains(transferId))
        {
            _transit[transferId] = amount;
            Changed();
        }
    }

    public Task<AssetSnapshot> BeginTransitAsync(OperationId transferId, string fromChain, CanonicalAmount amount) => world.CallAsync("asset.begin-transit", () =>
    {
        BeginTransit(transferId.Value, amount);
        return Snapshot();
    });

    internal void EndTransit(string transferId)
    {
        if (_transit.Remove(transferId))
        {
            _transitDone.Add(transferId);
            Changed();
        }
    }

    public Task<AssetSnapshot> EndTransitAsync(OperationId transferId) => world.CallAsync("asset.end-transit", () =>
    {
        EndTransit(transferId.Value);
        return Snapshot();
    });

    private AssetSnapshot Changed()
    {
        Version++;
        return Snapshot();
    }

    // Administration the saga never uses: not modelled here (the real grain's tests cover it).
    public Task<AssetSnapshot> DefineAsync(AssetDefinition definition) => throw NotModelled();
    public Task<AssetSnapshot> SetMultiplierAsync(OperationId operationId, Multiplier multiplier) => throw NotModelled();
    public Task<AssetSnapshot> ScheduleMultiplierAsync(OperationId operationId, Multiplier multiplier, DateTimeOffset effectiveAt) => throw NotModelled();
    public Task<ScheduledMultiplier?> GetScheduledMultiplierAsync() => throw NotModelled();
    public Task<AssetSnapshot> OpenCorporateActionWindowAsync(string actionId) => throw NotModelled();
    public Task<AssetSnapshot> ApplyCorporateActionAsync(string actionId, Multiplier newMultiplier, decimal custodyFactor, decimal addedShares) => throw NotModelled();
    public Task<AssetSnapshot> CloseCorporateActionWindowAsync(string actionId) => throw NotModelled();
    public Task<AssetSnapshot> DelistAsync(OperationId operationId, DateTimeOffset redeemUntil) => throw NotModelled();

    private static NotSupportedException NotModelled() => new("asset administration is not part of an order's saga");
}
