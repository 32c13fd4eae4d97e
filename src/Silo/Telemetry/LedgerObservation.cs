namespace Sharemint.Silo.Telemetry;

/// <summary>
/// What the sampler last read from the grains. Values are observations for dashboards, not ledger money: amounts are
/// already converted to double (tokens, shares, USD) and nothing here flows back into the ledger.
/// </summary>
public sealed record LedgerObservation(
    DateTimeOffset At,
    IReadOnlyList<AssetObservation> Assets,
    IReadOnlyList<DeploymentObservation> Deployments,
    IReadOnlyList<ReserveObservation> Reserves,
    IReadOnlyList<AccountObservation> Accounts)
{
    /// <summary>Nothing read yet.</summary>
    public static LedgerObservation Empty { get; } = new(DateTimeOffset.MinValue, [], [], [], []);
}

/// <summary>
/// One asset's ledger. <see cref="BackingRatio"/> is null while nothing is issued; <see cref="AumUsd"/> null without a
/// price, and then <see cref="PriceAvailable"/> says why: false when the price read failed, null when the silo has no
/// market data at all.
/// </summary>
public sealed record AssetObservation(
    string Symbol, string Underlying, string Status, double Multiplier, double CustodyShares, double ReservedShares,
    double IssuedTokens, double InTransitTokens, double? BackingRatio, double? AumUsd, bool? PriceAvailable = null);

/// <summary>One deployment's ledger supply.</summary>
public sealed record DeploymentObservation(string Symbol, string Chain, double SupplyTokens, bool Paused, int PendingChainOperations);

/// <summary>The latest reconciliation of one asset, per deployment; <see cref="CustodyDriftShares"/> is broker − ledger custody.</summary>
public sealed record ReserveObservation(
    string Symbol, long Sequence, DateTimeOffset At, double BrokerShares, double BackingRatio, bool Balanced,
    IReadOnlyList<ReserveDeploymentObservation> Deployments, double CustodyDriftShares = 0);

/// <summary>One deployment in a reconciliation: on-chain supply and drift (on-chain − ledger), in tokens.</summary>
public sealed record ReserveDeploymentObservation(string Chain, double OnChainTokens, double DriftTokens, bool MultiplierDrift = false);

/// <summary>One partner account.</summary>
public sealed record AccountObservation(
    string AccountId, string Kyc, int Wallets, double CashBalanceUsd, double CashHeldUsd, double SpentTodayUsd);
