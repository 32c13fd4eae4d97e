using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tron;
using Sharemint.Telemetry;

namespace Sharemint.Silo.Telemetry;

/// <summary>
/// Reads the head (EVM block number, Solana block height, Tron block number) of every configured chain RPC endpoint each sample interval.
/// Each read is a <see cref="SharemintMetrics.ChainCall"/> with operation <c>head</c>, so RPC latency and failures are
/// visible, and alerted on, even when no order is moving; the height itself is the gauge <c>sharemint_chain_head</c>.
/// Where the probe knows the issuer's account it also reads its native balance (the fee money: gas, SOL), exported with
/// the threshold the fee-balance alert compares it with (ETH, SOL, TRX).
/// </summary>
public sealed class ChainHeadProbe : BackgroundService
{
    private readonly IReadOnlyList<Target> _targets;
    private readonly TimeSpan _interval;
    private readonly ILogger<ChainHeadProbe> _logger;
    private readonly Dictionary<string, double> _heads = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Account, decimal Balance)> _balances = new(StringComparer.Ordinal);

    public ChainHeadProbe(IOptions<TelemetryOptions> options, ILogger<ChainHeadProbe> logger)
    {
        _logger = logger;
        _interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.SampleIntervalSeconds));
        _targets = options.Value.ChainProbes.Select(Target.From).ToArray();
        SharemintMetrics.Meter.CreateObservableGauge("sharemint.chain.head", ReadHeads, "{block}",
            "Latest block number (EVM, Tron) or block height (Solana) read from the chain's RPC endpoint, by chain.");
        SharemintMetrics.Meter.CreateObservableGauge("sharemint.chain.issuer.balance", ReadBalances, "{native}",
            "The issuer's native balance (ETH, SOL, TRX …, whole units) that pays transaction fees, by chain and account.");
        SharemintMetrics.Meter.CreateObservableGauge("sharemint.chain.issuer.balance.minimum",
            () => _targets.Where(t => t.Account is not null).Select(t => new System.Diagnostics.Metrics.Measurement<double>(
                (double)t.MinimumBalance, new KeyValuePair<string, object?>("chain", t.Chain))),
            "{native}", "The issuer balance under which fee payments are at risk (Sharemint:Telemetry:ChainProbes MinimumBalance), by chain.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_targets.Count == 0)
        {
            return;
        }
        using var timer = new PeriodicTimer(_interval);
        try
        {
            do
            {
                await Task.WhenAll(_targets.Select(t => ProbeAsync(t, stoppingToken)));
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        finally
        {
            foreach (var target in _targets)
            {
                target.Dispose();
            }
        }
    }

    private async Task ProbeAsync(Target target, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var head = await target.ReadHeadAsync(cancellationToken);
            SharemintMetrics.ChainCall(target.Chain, "head", watch.Elapsed, null);
            lock (_heads)
            {
                _heads[target.Chain] = head;
            }
        }
        catch (Exception ex) when (ex is EvmException or SolanaException or TronException or HttpRequestException or TimeoutException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            SharemintMetrics.ChainCall(target.Chain, "head", watch.Elapsed, ErrorCode(ex));
            _logger.LogDebug(ex, "Chain head probe of {Chain} failed", target.Chain);
        }
        if (target.Account is null)
        {
            return;
        }
        watch.Restart();
        try
        {
            var balance = await target.ReadBalanceAsync(cancellationToken);
            SharemintMetrics.ChainCall(target.Chain, "balance", watch.Elapsed, null);
            lock (_balances)
            {
                _balances[target.Chain] = (target.Account, balance);
            }
        }
        catch (Exception ex) when (ex is EvmException or SolanaException or TronException or HttpRequestException or TimeoutException or FormatException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            SharemintMetrics.ChainCall(target.Chain, "balance", watch.Elapsed, ErrorCode(ex));
            _logger.LogDebug(ex, "Issuer balance probe of {Chain} failed", target.Chain);
        }
    }

    private IEnumerable<System.Diagnostics.Metrics.Measurement<double>> ReadBalances()
    {
        KeyValuePair<string, (string Account, decimal Balance)>[] balances;
        lock (_balances)
        {
            balances = [.. _balances];
        }
        // Prometheus samples are doubles: the exact balance is converted only here, for display.
        return balances.Select(b => new System.Diagnostics.Metrics.Measurement<double>((double)b.Value.Balance,
            new KeyValuePair<string, object?>("chain", b.Key), new KeyValuePair<string, object?>("account", b.Value.Account)));
    }

    /// <summary>A stable, low-cardinality label for a failure.</summary>
    public static string ErrorCode(Exception ex) => ex switch
    {
        EvmException evm => Snake(evm.Code.ToString()),
        SolanaException solana => Snake(solana.Kind.ToString()),
        TronException tron => Snake(tron.Code.ToString()),
        TimeoutException or OperationCanceledException => "timeout",
        HttpRequestException => "connection_failed",
        _ => "unexpected",
    };

    private IEnumerable<System.Diagnostics.Metrics.Measurement<double>> ReadHeads()
    {
        KeyValuePair<string, double>[] heads;
        lock (_heads)
        {
            heads = [.. _heads];
        }
        return heads.Select(h => new System.Diagnostics.Metrics.Measurement<double>(h.Value, new KeyValuePair<string, object?>("chain", h.Key)));
    }

    private static string Snake(string pascal) =>
        string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    private sealed class Target : IDisposable
    {
        private readonly JsonRpcClient? _evm;
        private readonly SolanaRpcClient? _solana;
        private readonly TronHttpClient? _tronHttp;
        private readonly TronClient? _tron;

        private Target(string chain, JsonRpcClient? evm, SolanaRpcClient? solana, TronHttpClient? tron, string? account, decimal minimumBalance)
        {
            Chain = chain;
            _evm = evm;
            _solana = solana;
            _tronHttp = tron;
            _tron = tron is null ? null : new TronClient(tron);
            Account = account;
            MinimumBalance = minimumBalance;
        }

        public string Chain { get; }

        /// <summary>The issuer's address whose balance is read, or null.</summary>
        public string? Account { get; }

        public decimal MinimumBalance { get; }

        public static Target From(ChainProbeTarget target)
        {
            if (string.IsNullOrWhiteSpace(target.Chain) || !Uri.TryCreate(target.RpcUrl, UriKind.Absolute, out var url))
            {
                throw new InvalidOperationException(
                    $"Sharemint:Telemetry:ChainProbes: each probe needs a Chain and an absolute RpcUrl (got '{target.Chain}', '{target.RpcUrl}').");
            }
            var timeout = TimeSpan.FromSeconds(5);
            var account = string.IsNullOrWhiteSpace(target.IssuerAccount) ? null : target.IssuerAccount.Trim();
            return target.Family.ToLowerInvariant() switch
            {
                "evm" => new Target(target.Chain, new JsonRpcClient(url, new JsonRpcClientOptions { RequestTimeout = timeout, ReadRetries = 0 }), null, null,
                    account is null ? null : EvmAddress.Parse(account).ToString(), target.MinimumBalance ?? 0.05m),
                "solana" => new Target(target.Chain, null, new SolanaRpcClient(url, timeout), null,
                    account is null ? null : PublicKey.Parse(account).ToString(), target.MinimumBalance ?? 0.5m),
                // One attempt per sample: a failing node shows as a failed probe, not as a probe that retries for seconds.
                "tron" => new Target(target.Chain, null, null, new TronHttpClient(url, timeout, maxAttempts: 1),
                    account is null ? null : TronAddress.Parse(account).ToBase58(), target.MinimumBalance ?? 100m),
                _ => throw new InvalidOperationException($"Sharemint:Telemetry:ChainProbes: family '{target.Family}' of {target.Chain} is not evm, solana or tron."),
            };
        }

        /// <summary>The account's native balance in whole units (wei ÷ 10^18, lamports ÷ 10^9, sun ÷ 10^6), exact.</summary>
        public async Task<decimal> ReadBalanceAsync(CancellationToken cancellationToken)
        {
            if (_tron is not null)
            {
                // An account the node has never seen has no balance yet: zero TRX, which the alert should see.
                var account = await _tron.GetAccountAsync(TronAddress.Parse(Account!), cancellationToken);
                return (account?.Balance ?? 0) / 1_000_000m;
            }
            if (_evm is not null)
            {
                var hex = (await _evm.CallAsync("eth_getBalance", [Account!, "latest"], cancellationToken)).GetString() ?? "0x0";
                var wei = System.Numerics.BigInteger.Parse("0" + hex[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var whole = System.Numerics.BigInteger.DivRem(wei, System.Numerics.BigInteger.Pow(10, 18), out var fraction);
                return whole > (System.Numerics.BigInteger)decimal.MaxValue ? decimal.MaxValue : (decimal)whole + (decimal)fraction / 1_000_000_000_000_000_000m;
            }
            var lamports = await _solana!.GetBalanceAsync(PublicKey.Parse(Account!), ct: cancellationToken);
            return lamports / 1_000_000_000m;
        }

        public async Task<double> ReadHeadAsync(CancellationToken cancellationToken)
        {
            if (_tron is not null)
            {
                return (await _tron.GetNowBlockAsync(cancellationToken)).Number;
            }
            if (_evm is not null)
            {
                var hex = (await _evm.CallAsync("eth_blockNumber", [], cancellationToken)).GetString() ?? "0x0";
                return ulong.Parse(hex.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
            return await _solana!.GetBlockHeightAsync(ct: cancellationToken);
        }

        public void Dispose()
        {
            _evm?.Dispose();
            _solana?.Dispose();
            _tronHttp?.Dispose();
        }
    }
}
