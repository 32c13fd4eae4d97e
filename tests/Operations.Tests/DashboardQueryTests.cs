using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Chains.Evm;
using Sharemint.Fixtures;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Operations.Tests;

/// <summary>
/// A real silo (demo seed on) with real ledger activity, scraped by a real Prometheus: every query of every dashboard
/// panel and template variable must parse and return at least one series, and the Sharemint gauges must report what the
/// ledger holds.
/// </summary>
public sealed class DashboardQueryTests : IAsyncLifetime
{
    /// <summary>
    /// Metrics whose producers are other parts of the platform that a plain silo does not exercise yet: the order saga
    /// (durations), the market data service (AUM) and reserve reconciliations. Their panels must still parse.
    /// </summary>
    private static readonly string[] ProducedElsewhere =
    [
        "sharemint_order_duration_seconds", "sharemint_asset_aum_usd", "sharemint_reserves_",
    ];

    private PostgresServer? _postgres;
    private AnvilNode? _anvil;
    private SiloProcess? _silo;
    private PrometheusServer? _prometheus;
    private SiloClient? _client;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        var database = await _postgres.CreateMigratedDatabaseAsync("ops_dash");
        _anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(RepositoryPaths.Root), 31337);
        var clusterId = $"dash-{Guid.NewGuid():N}";
        var deadPort = FreePort.Next();
        _silo = await SiloProcess.StartAsync(database, seedDemo: true, clusterId: clusterId, extraEnvironment: new Dictionary<string, string>
        {
            ["Sharemint__Telemetry__SampleIntervalSeconds"] = "1",
            ["Sharemint__Telemetry__ChainProbes__0__Chain"] = "ethereum",
            ["Sharemint__Telemetry__ChainProbes__0__Family"] = "evm",
            ["Sharemint__Telemetry__ChainProbes__0__RpcUrl"] = _anvil.RpcUrl.ToString(),
            // Nothing listens here: the probe's failures are real RPC errors.
            ["Sharemint__Telemetry__ChainProbes__1__Chain"] = "evm-b",
            ["Sharemint__Telemetry__ChainProbes__1__Family"] = "evm",
            ["Sharemint__Telemetry__ChainProbes__1__RpcUrl"] = $"http://127.0.0.1:{deadPort}/",
        });
        _prometheus = await PrometheusServer.StartAsync([_silo.BaseAddress.Authority]);
        _client = await SiloClient.ConnectAsync(database, clusterId);
        await DriveLedgerAsync(_client.Client, _postgres);
    }

    public async Task DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
        if (_prometheus is not null) await _prometheus.DisposeAsync();
        if (_silo is not null) await _silo.DisposeAsync();
        if (_anvil is not null) await _anvil.DisposeAsync();
        if (_postgres is not null) await _postgres.DisposeAsync();
    }

    /// <summary>Real activity through the grains: a deployment, custody, a settled mint, an open reservation, a wallet,
    /// a scheduled multiplier (a reminder), and a short database outage (storage errors).</summary>
    private static async Task DriveLedgerAsync(IGrainFactory grains, PostgresServer postgres)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(0);
        await catalog.RegisterDeploymentAsync("TSLAx", "ethereum", new DeploymentConfig("0x" + new string('1', 40), 18));
        var tsla = grains.GetGrain<IAssetGrain>("TSLAx");
        await tsla.AddCustodyAsync(OperationId.From("ops/custody-1"), 100m);
        var reservation = await tsla.ReserveCustodyAsync(OperationId.From("ops/reserve-1"), "ethereum", CanonicalAmount.FromTokens(10m));
        await grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For("TSLAx", "ethereum"))
            .RecordMintAsync(OperationId.From("ops/mint-1"), OperationId.From(reservation.ReservationId), CanonicalAmount.FromTokens(10m));
        await tsla.ReserveCustodyAsync(OperationId.From("ops/reserve-2"), "ethereum", CanonicalAmount.FromTokens(2.5m));
        await grains.GetGrain<IHolderAccountGrain>("partner-demo")
            .AllowWalletAsync(OperationId.From("ops/wallet-1"), "ethereum", "0x" + new string('2', 40));
        await grains.GetGrain<IAssetGrain>("AAPLx")
            .ScheduleMultiplierAsync(OperationId.From("ops/multiplier-1"), Multiplier.From(1.01m), DateTimeOffset.UtcNow.AddSeconds(2));

        // Storage errors: the database goes away while a grain writes and another activates.
        await postgres.StopAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => tsla.AddCustodyAsync(OperationId.From("ops/custody-outage"), 1m));
        await Assert.ThrowsAnyAsync<Exception>(() => grains.GetGrain<IAssetGrain>("NOPEx").GetAsync());
        await postgres.StartAsync();
    }

    [Fact]
    public async Task Every_dashboard_panel_and_variable_query_parses_and_returns_series()
    {
        var prometheus = _prometheus!;
        // Wait until the activity has been sampled and scraped, and a rate window holds several scrapes.
        await WaitForActivityAsync();
        await prometheus.WaitForSeriesAsync("count_over_time(orleans_reminders_ticks_delivered_total[1m]) > 3", TimeSpan.FromSeconds(90));
        await prometheus.WaitForSeriesAsync("orleans_storage_write_errors_total", TimeSpan.FromSeconds(30));
        await prometheus.WaitForSeriesAsync("count_over_time(up{job=\"sharemint-silo\"}[1m]) > 5", TimeSpan.FromSeconds(30));

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
                    var result = await prometheus.QueryAsync(promql);
                    if (result.GetArrayLength() == 0 && !ProducedElsewhere.Any(expr.Contains))
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
    public async Task Sharemint_gauges_report_the_ledger()
    {
        var prometheus = _prometheus!;
        await WaitForActivityAsync();
        Assert.Equal(100, await ScalarAsync("max(sharemint_asset_custody_shares{asset=\"TSLAx\"})"));
        Assert.Equal(10, await ScalarAsync("max(sharemint_asset_issued_tokens{asset=\"TSLAx\"})"));
        Assert.Equal(2.5, await ScalarAsync("max(sharemint_asset_reserved_shares{asset=\"TSLAx\"})"));
        Assert.Equal(10, await ScalarAsync("max(sharemint_asset_backing_ratio{asset=\"TSLAx\"})"));
        Assert.Equal(0, await ScalarAsync("max(sharemint_asset_in_transit_tokens{asset=\"TSLAx\"})"));
        Assert.Equal(10, await ScalarAsync("count(sharemint_asset_info)"));
        Assert.Equal(1, await ScalarAsync("max(sharemint_partner_wallets{account=\"partner-demo\"})"));
        Assert.Equal(1_000_000, await ScalarAsync("max(sharemint_partner_cash_balance_usd{account=\"partner-demo\"})"));
        Assert.Equal(1, await ScalarAsync("max(sharemint_partner_accounts{kyc=\"approved\"})"));
        // Nothing issued for AAPLx: no backing ratio rather than a division by zero.
        Assert.Equal(0, (await prometheus.QueryAsync("sharemint_asset_backing_ratio{asset=\"AAPLx\"}")).GetArrayLength());
        // The chain probe: a real head from anvil, real failures from the dead endpoint.
        await prometheus.WaitForSeriesAsync("sharemint_chain_head{chain=\"ethereum\"} >= 0", TimeSpan.FromSeconds(30));
        await prometheus.WaitForSeriesAsync("sharemint_chain_rpc_errors_total{chain=\"evm-b\",operation=\"head\"} > 0", TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await prometheus.QueryAsync("sharemint_chain_rpc_errors_total{chain=\"ethereum\"}")).GetArrayLength());
        // Order counters exist at zero for the deployment before any order.
        Assert.Equal(0, await ScalarAsync("sum(sharemint_orders_placed_total{asset=\"TSLAx\",chain=\"ethereum\"})"));
        Assert.Equal(9, await ScalarAsync("count(sharemint_orders_finished_total{asset=\"TSLAx\",chain=\"ethereum\"})"));
    }

    [Fact]
    public async Task The_silo_down_alert_stays_quiet_while_the_silo_is_scraped()
    {
        var prometheus = _prometheus!;
        await prometheus.WaitForSeriesAsync("up{job=\"sharemint-silo\"} == 1", TimeSpan.FromSeconds(30));
        var rules = await prometheus.Http.GetStringAsync("api/v1/rules");
        using var document = JsonDocument.Parse(rules);
        var names = document.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray()).Select(r => r.GetProperty("name").GetString()).ToList();
        Assert.Contains("SharemintSiloDown", names);
        Assert.Contains("SharemintReconciliationDrift", names);
        Assert.Equal(0, (await prometheus.QueryAsync("ALERTS{alertname=\"SharemintSiloDown\"}")).GetArrayLength());
    }

    /// <summary>Waits until the driven activity is sampled and scraped (the sampler catches up after the database outage).</summary>
    private async Task WaitForActivityAsync()
    {
        await _prometheus!.WaitForSeriesAsync("sharemint_deployment_supply_tokens{asset=\"TSLAx\",chain=\"ethereum\"} == 10", TimeSpan.FromSeconds(60));
        await _prometheus.WaitForSeriesAsync("sharemint_asset_custody_shares{asset=\"TSLAx\"} == 100", TimeSpan.FromSeconds(60));
    }

    private async Task<double> ScalarAsync(string promql)
    {
        var result = await _prometheus!.QueryAsync(promql);
        if (result.GetArrayLength() != 1)
        {
            var errors = await _prometheus.QueryAsync("sharemint_telemetry_sample_errors_total");
            Assert.Fail($"{promql} returned {result}; sampler errors: {errors}\n{_silo!.Output[^Math.Min(_silo.Output.Length, 6000)..]}");
        }
        return double.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

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
