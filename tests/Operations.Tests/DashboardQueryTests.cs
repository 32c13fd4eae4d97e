using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharemint.Assets;
using Sharemint.Chains.Evm;
using Sharemint.Fixtures;
using Sharemint.Operations;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Reserves;
using Sharemint.Units;

namespace Sharemint.Operations.Tests;

/// <summary>
/// One real silo running the money flows against anvil, with real activity driven through the grains (a quote, mint orders
/// settled on chain, a reconciliation, a scheduled multiplier, a short database outage), scraped by a real Prometheus.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private PostgresServer? _postgres;
    private AnvilNode? _anvil;
    private SiloClient? _client;

    public SiloProcess Silo { get; private set; } = null!;
    public PrometheusServer Prometheus { get; private set; } = null!;
    public IClusterClient Grains => _client!.Client;
    public DeployedToken Token { get; private set; } = null!;

    /// <summary>The settled mint orders and what the partner paid for each.</summary>
    public IReadOnlyList<(Quote Quote, OrderSnapshot Order)> Mints { get; private set; } = [];

    /// <summary>The reconciliation run after the mints.</summary>
    public SignedAttestation Reconciliation { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        var database = await _postgres.CreateMigratedDatabaseAsync("ops_dash");
        _anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(RepositoryPaths.Root), 31337);
        var clusterId = $"dash-{Guid.NewGuid():N}";
        var deadPort = FreePort.Next();
        var environment = FlowSilos.Environment(_anvil, FlowSilos.NewKeySeed(), deployTokens: true);
        environment["Sharemint__Telemetry__SampleIntervalSeconds"] = "1";
        environment["Sharemint__Telemetry__ChainProbes__0__Chain"] = FlowSilos.Chain;
        environment["Sharemint__Telemetry__ChainProbes__0__Family"] = "evm";
        environment["Sharemint__Telemetry__ChainProbes__0__RpcUrl"] = _anvil.RpcUrl.ToString();
        // Nothing listens here: the probe's failures are real RPC errors.
        environment["Sharemint__Telemetry__ChainProbes__1__Chain"] = "evm-b";
        environment["Sharemint__Telemetry__ChainProbes__1__Family"] = "evm";
        environment["Sharemint__Telemetry__ChainProbes__1__RpcUrl"] = $"http://127.0.0.1:{deadPort}/";
        Silo = await SiloProcess.StartAsync(database, seedDemo: true, clusterId: clusterId, extraEnvironment: environment);
        Prometheus = await PrometheusServer.StartAsync([Silo.ManagementAddress.Authority]);
        _client = await SiloClient.ConnectAsync(database, clusterId);
        await FlowSilos.WaitForDeploymentAsync(Grains, TimeSpan.FromMinutes(2), () => Silo.Output);
        Token = await FlowSilos.TokenAsync(Grains, _anvil);
        await DriveAsync(_postgres);
    }

    public async Task DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        if (Prometheus is not null) await Prometheus.DisposeAsync();
        if (Silo is not null) await Silo.DisposeAsync();
        if (_anvil is not null) await _anvil.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    /// <summary>Real activity through the grains: two mints settled on anvil (order counters, durations, volume, chain
    /// calls, AUM), a reconciliation (reserve gauges), a scheduled multiplier (a reminder), and a short database outage
    /// (storage errors).</summary>
    private async Task DriveAsync(PostgresServer postgres)
    {
        var mints = new List<(Quote, OrderSnapshot)>();
        foreach (var tokens in new[] { 1.25m, 0.5m })
        {
            var (quote, placed) = await FlowSilos.PlaceMintAsync(Grains, CanonicalAmount.FromTokens(tokens), Guid.NewGuid().ToString("N"));
            var settled = await FlowSilos.WaitForTerminalAsync(Grains, placed.OrderId, TimeSpan.FromSeconds(90));
            Assert.True(settled.Status == OrderStatus.Settled, $"order {settled.OrderId} is {settled.Status}: {settled.FailureCode} {settled.FailureMessage}");
            mints.Add((quote, settled));
        }
        Mints = mints;
        Reconciliation = await Grains.GetGrain<IReservesGrain>(FlowSilos.Symbol).ReconcileAsync();
        await Grains.GetGrain<IAssetGrain>("AAPLx")
            .ScheduleMultiplierAsync(OperationId.From("ops/multiplier-1"), Multiplier.From(1.01m), DateTimeOffset.UtcNow.AddSeconds(2));

        // Storage errors: the database goes away while a grain writes and another activates.
        await postgres.StopAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => Grains.GetGrain<IAssetGrain>("AAPLx").AddCustodyAsync(OperationId.From("ops/custody-outage"), 1m));
        await Assert.ThrowsAnyAsync<Exception>(() => Grains.GetGrain<IAssetGrain>("NOPEx").GetAsync());
        await postgres.StartAsync();
    }
}

/// <summary>
/// Every query of every dashboard panel and template variable must parse and return at least one series from a
/// Prometheus scraping a silo with real activity, and the Sharemint gauges must report what the ledger and the chain hold.
/// </summary>
public sealed class DashboardQueryTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private PrometheusServer Prometheus => fixture.Prometheus;

    [Fact]
    public async Task Every_dashboard_panel_and_variable_query_parses_and_returns_series()
    {
        // Wait until the activity has been sampled and scraped, and a rate window holds several scrapes.
        await WaitForActivityAsync();
        await Prometheus.WaitForSeriesAsync("count_over_time(orleans_reminders_ticks_delivered_total[1m]) > 3", TimeSpan.FromSeconds(90));
        await Prometheus.WaitForSeriesAsync("orleans_storage_write_errors_total", TimeSpan.FromSeconds(30));
        await Prometheus.WaitForSeriesAsync("count_over_time(up{job=\"sharemint-silo\"}[1m]) > 5", TimeSpan.FromSeconds(30));

        var dashboards = Directory.GetFiles(Path.Combine(RepositoryPaths.Root, "deploy", "grafana"), "*.json");
        Assert.True(dashboards.Length >= 4, "expected the overview, supply, flows and cluster dashboards");
        var failures = new List<string>();
        var checkedQueries = 0;
        foreach (var file in dashboards)
        {
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(file));
            var queries = PanelQueries(document.RootElement).Concat(VariableQueries(document.RootElement)).ToList();
            Assert.NotEmpty(queries);
            foreach (var (title, expr) in queries)
            {
                checkedQueries++;
                var promql = Substitute(expr);
                try
                {
                    if ((await Prometheus.QueryAsync(promql)).GetArrayLength() == 0)
                    {
                        failures.Add($"{Path.GetFileName(file)} / {title}: no series for {promql}");
                    }
                }
                catch (PromQlException ex)
                {
                    failures.Add($"{Path.GetFileName(file)} / {title}: {ex.Message}");
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(checkedQueries > 50, $"only {checkedQueries} queries found");
    }

    [Fact]
    public async Task Sharemint_gauges_report_the_ledger_and_the_chain()
    {
        await WaitForActivityAsync();
        var grains = fixture.Grains;
        var asset = await grains.GetGrain<IAssetGrain>(FlowSilos.Symbol).GetAsync();
        var minted = fixture.Mints.Aggregate(CanonicalAmount.Zero, (sum, m) => sum + m.Order.Amount);
        var onChain = await fixture.Token.TotalSupplyAsync();
        Assert.Equal(minted, onChain);
        Assert.Equal(minted, asset.Issued);

        // Ledger gauges: the same figures as the grains, the chain and the broker's fills.
        Assert.Equal(Tokens(minted), await ScalarAsync("max(sharemint_asset_issued_tokens{asset=\"TSLAx\"})"));
        Assert.Equal(Tokens(minted), await ScalarAsync("max(sharemint_deployment_supply_tokens{asset=\"TSLAx\",chain=\"ethereum\"})"));
        Assert.Equal((double)asset.CustodyShares, await ScalarAsync("max(sharemint_asset_custody_shares{asset=\"TSLAx\"})"));
        Assert.Equal((double)(asset.CustodyShares * FlowSilos.TslaPrice), await ScalarAsync("max(sharemint_asset_aum_usd{asset=\"TSLAx\"})"), 6);
        Assert.Equal((double)asset.ReservedShares, await ScalarAsync("max(sharemint_asset_reserved_shares{asset=\"TSLAx\"})"));
        Assert.Equal(0, await ScalarAsync("max(sharemint_asset_in_transit_tokens{asset=\"TSLAx\"})"));
        Assert.True(await ScalarAsync("max(sharemint_asset_backing_ratio{asset=\"TSLAx\"})") >= 1, "minted tokens must be fully backed");
        Assert.Equal(DemoCatalogueFile.Symbols.Count, await ScalarAsync("count(sharemint_asset_info)"));
        // Nothing issued for AAPLx: no backing ratio rather than a division by zero.
        Assert.Equal(0, (await Prometheus.QueryAsync("sharemint_asset_backing_ratio{asset=\"AAPLx\"}")).GetArrayLength());

        // Partner gauges: the demo wallet allow-listed, the cash paid for the mints gone from the balance.
        var paid = fixture.Mints.Sum(m => m.Quote.Total);
        Assert.Equal(1, await ScalarAsync("max(sharemint_partner_wallets{account=\"partner-demo\"})"));
        Assert.Equal((double)(1_000_000m - paid), await ScalarAsync("max(sharemint_partner_cash_balance_usd{account=\"partner-demo\"})"), 6);
        Assert.Equal(1, await ScalarAsync("max(sharemint_partner_accounts{kyc=\"approved\"})"));

        // Reserve gauges: the reconciliation after the mints found the chain equal to the ledger.
        var report = fixture.Reconciliation.Report;
        Assert.True(report.Balanced, "the reconciliation after settled mints must balance");
        await Prometheus.WaitForSeriesAsync(
            string.Create(CultureInfo.InvariantCulture,
                $"sharemint_reserves_last_reconciliation_timestamp_seconds{{asset=\"TSLAx\"}} >= {report.At.ToUnixTimeMilliseconds() / 1000.0 - 0.001:0.000}"),
            TimeSpan.FromSeconds(30));
        Assert.Equal(Tokens(onChain), await ScalarAsync("max(sharemint_reserves_onchain_supply_tokens{asset=\"TSLAx\",chain=\"ethereum\"})"));
        Assert.Equal(0, await ScalarAsync("max(sharemint_reserves_drift_tokens{asset=\"TSLAx\",chain=\"ethereum\"})"));
        Assert.Equal(1, await ScalarAsync("max(sharemint_reserves_balanced{asset=\"TSLAx\"})"));
        Assert.Equal((double)report.BrokerShares, await ScalarAsync("max(sharemint_reserves_broker_shares{asset=\"TSLAx\"})"));
        Assert.Equal((double)report.BackingRatio, await ScalarAsync("max(sharemint_reserves_backing_ratio{asset=\"TSLAx\"})"), 9);

        // Order counters: two mints placed and settled, each timed once, their cash counted as volume.
        Assert.Equal(2, await ScalarAsync("sum(sharemint_orders_placed_total{kind=\"mint\",asset=\"TSLAx\",chain=\"ethereum\"})"));
        Assert.Equal(2, await ScalarAsync("sum(sharemint_orders_finished_total{kind=\"mint\",outcome=\"settled\",asset=\"TSLAx\"})"));
        Assert.Equal(0, await ScalarAsync("sum(sharemint_orders_finished_total{outcome=\"failed\",asset=\"TSLAx\"})"));
        Assert.Equal(2, await ScalarAsync("sum(sharemint_order_duration_seconds_count{kind=\"mint\",outcome=\"settled\"})"));
        // Read from the order index, the same on every silo: every kind and unfinished status at 0 once both mints settled.
        Assert.Equal(12, await ScalarAsync("count(max by (kind, status) (sharemint_orders_unfinished))"));
        Assert.Equal(0, await ScalarAsync("sum(max by (kind, status) (sharemint_orders_unfinished))"));
        Assert.Equal(0, await ScalarAsync("max(sharemint_orders_oldest_unfinished_age_seconds)"));
        Assert.Equal(0, await ScalarAsync("max(sharemint_chain_operations_pending{chain=\"ethereum\"})"));
        // The probe derived the issuer's account from the signing key and read its ETH on anvil.
        Assert.True(await ScalarAsync("max(sharemint_chain_issuer_balance{chain=\"ethereum\"})") > 0, "the issuer's ETH on anvil");
        Assert.Equal(1, await ScalarAsync("max(sharemint_asset_price_available{asset=\"TSLAx\"})"));
        Assert.Equal(0, await ScalarAsync("max(sharemint_reserves_custody_drift_shares{asset=\"TSLAx\"})"));
        Assert.Equal(0, await ScalarAsync("max(sharemint_reserves_multiplier_drift{asset=\"TSLAx\",chain=\"ethereum\"})"));
        var volume = fixture.Mints.Sum(m => m.Order.Cash ?? 0m);
        Assert.True(volume > 0, "settled mints carry their cash value");
        Assert.Equal((double)volume, await ScalarAsync("sum(sharemint_orders_volume_usd_total{kind=\"mint\",asset=\"TSLAx\"})"), 6);

        // Holders counted from the chain's Transfer events: both mints went to the one demo wallet, which holds them all.
        Assert.Equal(onChain, await fixture.Token.BalanceAsync(FlowSilos.PartnerWallet));
        await Prometheus.WaitForSeriesAsync("sharemint_holders{asset=\"TSLAx\",chain=\"ethereum\"} == 1", TimeSpan.FromSeconds(30));

        // Chain calls: the signer's real RPC calls to anvil, and the head probe (a real head; real failures from the dead endpoint).
        Assert.True(await ScalarAsync("sum(sharemint_chain_rpc_calls_total{chain=\"ethereum\",operation!=\"head\"})") > 0);
        await Prometheus.WaitForSeriesAsync("sharemint_chain_head{chain=\"ethereum\"} > 0", TimeSpan.FromSeconds(30));
        await Prometheus.WaitForSeriesAsync("sharemint_chain_rpc_errors_total{chain=\"evm-b\",operation=\"head\"} > 0", TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await Prometheus.QueryAsync("sharemint_chain_rpc_errors_total{chain=\"ethereum\",operation=\"head\"}")).GetArrayLength());
    }

    [Fact]
    public async Task The_silo_down_and_drift_alerts_stay_quiet_while_the_silo_is_healthy()
    {
        await WaitForActivityAsync();
        await Prometheus.WaitForSeriesAsync("up{job=\"sharemint-silo\"} == 1", TimeSpan.FromSeconds(30));
        var rules = await Prometheus.Http.GetStringAsync("api/v1/rules");
        using var document = JsonDocument.Parse(rules);
        var names = document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray()).Select(r => r.GetProperty("name").GetString()).ToList();
        Assert.Contains("SharemintSiloDown", names);
        Assert.Contains("SharemintReconciliationDrift", names);
        Assert.Equal(0, (await Prometheus.QueryAsync("ALERTS{alertname=\"SharemintSiloDown\"}")).GetArrayLength());
        Assert.Equal(0, (await Prometheus.QueryAsync("ALERTS{alertname=\"SharemintReconciliationDrift\"}")).GetArrayLength());
    }

    /// <summary>Waits until the driven activity is sampled and scraped (the sampler catches up after the database outage).</summary>
    private async Task WaitForActivityAsync()
    {
        var minted = Tokens(fixture.Mints.Aggregate(CanonicalAmount.Zero, (sum, m) => sum + m.Order.Amount));
        var supply = minted.ToString(CultureInfo.InvariantCulture);
        await Prometheus.WaitForSeriesAsync($"sharemint_deployment_supply_tokens{{asset=\"TSLAx\",chain=\"ethereum\"}} == {supply}", TimeSpan.FromSeconds(60));
        await Prometheus.WaitForSeriesAsync("sharemint_reserves_drift_tokens{asset=\"TSLAx\",chain=\"ethereum\"}", TimeSpan.FromSeconds(60));
        await Prometheus.WaitForSeriesAsync("sharemint_order_duration_seconds_count", TimeSpan.FromSeconds(60));
        await Prometheus.WaitForSeriesAsync("sharemint_asset_aum_usd{asset=\"TSLAx\"} > 0", TimeSpan.FromSeconds(60));
    }

    private async Task<double> ScalarAsync(string promql)
    {
        var result = await Prometheus.QueryAsync(promql);
        if (result.GetArrayLength() != 1)
        {
            var errors = await Prometheus.QueryAsync("sharemint_telemetry_sample_errors_total");
            var output = fixture.Silo.Output;
            Assert.Fail($"{promql} returned {result}; sampler errors: {errors}\n{output[^Math.Min(output.Length, 6000)..]}");
        }
        return double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    private static double Tokens(CanonicalAmount amount) => amount.Units / (double)CanonicalAmount.UnitsPerToken;

    /// <summary>Grafana's built-in variables and the dashboards' own, as Grafana would expand them with "All" selected.</summary>
    private static string Substitute(string expr) => expr
        .Replace("$__rate_interval", "1m", StringComparison.Ordinal)
        .Replace("$__interval", "15s", StringComparison.Ordinal)
        .Replace("$__range", "5m", StringComparison.Ordinal)
        .Replace("${asset}", ".*", StringComparison.Ordinal).Replace("$asset", ".*", StringComparison.Ordinal)
        .Replace("${chain}", ".*", StringComparison.Ordinal).Replace("$chain", ".*", StringComparison.Ordinal);

    private static IEnumerable<(string Title, string Expr)> PanelQueries(JsonElement dashboard)
    {
        foreach (var panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            if (!panel.TryGetProperty("targets", out var targets))
            {
                continue;
            }
            var title = panel.GetProperty("title").GetString() ?? "";
            foreach (var target in targets.EnumerateArray())
            {
                yield return (title, target.GetProperty("expr").GetString() ?? "");
            }
        }
    }

    /// <summary><c>label_values(metric, label)</c> variables become <c>count by (label) (metric)</c>.</summary>
    private static IEnumerable<(string Title, string Expr)> VariableQueries(JsonElement dashboard)
    {
        foreach (var variable in dashboard.GetProperty("templating").GetProperty("list").EnumerateArray())
        {
            if (variable.GetProperty("type").GetString() != "query")
            {
                continue;
            }
            var query = variable.GetProperty("query").GetProperty("query").GetString() ?? "";
            var match = Regex.Match(query, @"^label_values\((?<metric>.+),\s*(?<label>\w+)\)$");
            Assert.True(match.Success, $"variable {variable.GetProperty("name")}: unsupported query {query}");
            yield return ($"variable {variable.GetProperty("name").GetString()}",
                $"count by ({match.Groups["label"].Value}) ({match.Groups["metric"].Value})");
        }
    }
}
