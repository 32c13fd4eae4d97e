using System.Diagnostics.Metrics;
using Sharemint.Telemetry;

namespace Sharemint.Silo.Telemetry;

/// <summary>
/// The observable gauges of the <c>Sharemint</c> meter. Each callback only reads the latest <see cref="LedgerObservation"/>
/// published by <see cref="LedgerSampler"/>: no grain call, no I/O, no blocking at scrape time. Every silo exports the
/// same ledger figures, so dashboards aggregate them with <c>max by (…)</c>, never <c>sum</c>.
/// </summary>
public sealed class LedgerGauges
{
    private readonly Counter<long> _sampleErrors;
    private LedgerObservation _latest = LedgerObservation.Empty;

    public LedgerGauges()
    {
        var meter = SharemintMetrics.Meter;
        _sampleErrors = meter.CreateCounter<long>("sharemint.telemetry.sample.errors", "{error}",
            "Grain reads of the ledger sampler that failed, by source.");
        // Every source starts at zero, so "no errors" is a series at 0 rather than no series (rate() and alerts see it).
        foreach (var source in SampleSources)
        {
            _sampleErrors.Add(0, new KeyValuePair<string, object?>("source", source));
        }

        Gauge("sharemint.asset.issued.tokens", "{token}", "Tokens issued (canonical units ÷ 10^8), by asset.",
            o => o.Assets.Select(a => M(a.IssuedTokens, ("asset", a.Symbol))));
        Gauge("sharemint.asset.in_transit.tokens", "{token}", "Tokens burned on one chain and not yet minted on another, by asset.",
            o => o.Assets.Select(a => M(a.InTransitTokens, ("asset", a.Symbol))));
        Gauge("sharemint.asset.custody.shares", "{share}", "Shares of the underlying held in custody per the ledger, by asset.",
            o => o.Assets.Select(a => M(a.CustodyShares, ("asset", a.Symbol))));
        Gauge("sharemint.asset.reserved.shares", "{share}", "Custody shares reserved for open mint orders, by asset.",
            o => o.Assets.Select(a => M(a.ReservedShares, ("asset", a.Symbol))));
        Gauge("sharemint.asset.multiplier", "{share}", "Shares per token (dividends and splits raise it), by asset.",
            o => o.Assets.Select(a => M(a.Multiplier, ("asset", a.Symbol))));
        Gauge("sharemint.asset.backing_ratio", "{ratio}", "Ledger custody shares ÷ shares needed by the issued tokens; absent while nothing is issued.",
            o => o.Assets.Where(a => a.BackingRatio is not null).Select(a => M(a.BackingRatio!.Value, ("asset", a.Symbol))));
        Gauge("sharemint.asset.aum.usd", "{USD}", "Assets under management: custody shares × last price, by asset; absent without a price.",
            o => o.Assets.Where(a => a.AumUsd is not null).Select(a => M(a.AumUsd!.Value, ("asset", a.Symbol))));
        // AUM reports its own failure: without this, a failing price read only makes the AUM series vanish.
        Gauge("sharemint.asset.price.available", "", "1 when the latest price read for the asset's underlying succeeded, 0 when it failed (AUM is then unknown).",
            o => o.Assets.Where(a => a.PriceAvailable is not null).Select(a => M(a.PriceAvailable!.Value ? 1 : 0, ("asset", a.Symbol))));
        Gauge("sharemint.asset.info", "", "1 per listed asset, with its underlying ticker and status as labels.",
            o => o.Assets.Select(a => M(1, ("asset", a.Symbol), ("underlying", a.Underlying), ("status", a.Status))));

        Gauge("sharemint.deployment.supply.tokens", "{token}", "Ledger supply (minted − burned) per asset and chain.",
            o => o.Deployments.Select(d => M(d.SupplyTokens, ("asset", d.Symbol), ("chain", d.Chain))));
        Gauge("sharemint.deployment.pending_operations", "{operation}", "Chain mints and burns recorded but not final yet, per asset and chain.",
            o => o.Deployments.Select(d => M(d.PendingChainOperations, ("asset", d.Symbol), ("chain", d.Chain))));
        Gauge("sharemint.deployment.paused", "", "1 when the deployment is paused, else 0.",
            o => o.Deployments.Select(d => M(d.Paused ? 1 : 0, ("asset", d.Symbol), ("chain", d.Chain))));

        Gauge("sharemint.reserves.onchain.supply.tokens", "{token}", "Real on-chain supply at the latest reconciliation, per asset and chain.",
            o => o.Reserves.SelectMany(r => r.Deployments.Select(d => M(d.OnChainTokens, ("asset", r.Symbol), ("chain", d.Chain)))));
        Gauge("sharemint.reserves.drift.tokens", "{token}", "On-chain supply − ledger supply at the latest reconciliation (0 when they agree).",
            o => o.Reserves.SelectMany(r => r.Deployments.Select(d => M(d.DriftTokens, ("asset", r.Symbol), ("chain", d.Chain)))));
        Gauge("sharemint.reserves.multiplier_drift", "", "1 when the chain's multiplier in force differed from the ledger's at the latest reconciliation, per asset and chain.",
            o => o.Reserves.SelectMany(r => r.Deployments.Select(d => M(d.MultiplierDrift ? 1 : 0, ("asset", r.Symbol), ("chain", d.Chain)))));
        Gauge("sharemint.reserves.backing_ratio", "{ratio}", "Broker custody ÷ shares needed by on-chain supply and in-transit tokens, at the latest reconciliation.",
            o => o.Reserves.Select(r => M(r.BackingRatio, ("asset", r.Symbol))));
        Gauge("sharemint.reserves.broker.shares", "{share}", "Shares the broker reported at the latest reconciliation, by asset.",
            o => o.Reserves.Select(r => M(r.BrokerShares, ("asset", r.Symbol))));
        Gauge("sharemint.reserves.custody_drift.shares", "{share}", "Broker custody − ledger custody at the latest reconciliation, by asset (0 when they agree).",
            o => o.Reserves.Select(r => M(r.CustodyDriftShares, ("asset", r.Symbol))));
        Gauge("sharemint.reserves.balanced", "", "1 when the latest reconciliation found ledger, chains and custody in agreement.",
            o => o.Reserves.Select(r => M(r.Balanced ? 1 : 0, ("asset", r.Symbol))));
        Gauge("sharemint.reserves.last_reconciliation.timestamp", "s", "Unix time of the latest reconciliation, by asset.",
            o => o.Reserves.Select(r => M(r.At.ToUnixTimeMilliseconds() / 1000.0, ("asset", r.Symbol))));

        Gauge("sharemint.partner.accounts", "{account}", "Partner accounts, by KYC status.",
            o => o.Accounts.GroupBy(a => a.Kyc).Select(g => M(g.Count(), ("kyc", g.Key))));
        Gauge("sharemint.partner.wallets", "{wallet}", "Allow-listed wallets (the holders the platform mints to), by account.",
            o => o.Accounts.Select(a => M(a.Wallets, ("account", a.AccountId))));
        Gauge("sharemint.partner.cash.balance.usd", "{USD}", "Cash balance available to the partner, by account.",
            o => o.Accounts.Select(a => M(a.CashBalanceUsd, ("account", a.AccountId))));
        Gauge("sharemint.partner.cash.held.usd", "{USD}", "Cash held for open mint orders, by account.",
            o => o.Accounts.Select(a => M(a.CashHeldUsd, ("account", a.AccountId))));
        Gauge("sharemint.partner.spent_today.usd", "{USD}", "Cash spent on orders this UTC day (the daily limit's counter), by account.",
            o => o.Accounts.Select(a => M(a.SpentTodayUsd, ("account", a.AccountId))));

        Gauge("sharemint.telemetry.last_sample.timestamp", "s", "Unix time of the ledger sampler's latest complete sample.",
            o => o.At == DateTimeOffset.MinValue ? [] : [M(o.At.ToUnixTimeMilliseconds() / 1000.0)]);
    }

    /// <summary>The observation the gauges report now.</summary>
    public LedgerObservation Latest => Volatile.Read(ref _latest);

    /// <summary>Replaces the observation (atomically: a scrape sees the old one or the new one, never a mix).</summary>
    public void Publish(LedgerObservation observation) => Volatile.Write(ref _latest, observation);

    /// <summary>Counts a failed read.</summary>
    /// <summary>The sources the samplers read from, named as <see cref="SampleFailed"/> labels them.</summary>
    public static readonly string[] SampleSources = ["catalog", "deployment", "asset", "reserves", "account", "price", "database", "holders"];

    public void SampleFailed(string source) => _sampleErrors.Add(1, new KeyValuePair<string, object?>("source", source));

    private void Gauge(string name, string unit, string description, Func<LedgerObservation, IEnumerable<Measurement<double>>> read) =>
        SharemintMetrics.Meter.CreateObservableGauge(name, () => read(Latest), string.IsNullOrEmpty(unit) ? null : unit, description);

    private static Measurement<double> M(double value, params (string Key, string Value)[] tags) =>
        new(value, tags.Select(t => new KeyValuePair<string, object?>(t.Key, t.Value)));
}
