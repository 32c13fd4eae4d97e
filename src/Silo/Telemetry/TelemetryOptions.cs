namespace Sharemint.Silo.Telemetry;

/// <summary>Telemetry settings (section <c>Sharemint:Telemetry</c>; environment <c>Sharemint__Telemetry__…</c>).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Sharemint:Telemetry";

    /// <summary>How often the ledger sampler reads the grains for the gauges (seconds, at least 1).</summary>
    public int SampleIntervalSeconds { get; set; } = 15;

    /// <summary>
    /// Chain RPC endpoints whose head the probe reads every <see cref="SampleIntervalSeconds"/>. When empty, every chain of
    /// <c>Sharemint:Chains</c> with an RpcUrl is probed.
    /// </summary>
    public List<ChainProbeTarget> ChainProbes { get; set; } = [];

    /// <summary>Service name on traces and the <c>service_name</c> resource attribute.</summary>
    public string ServiceName { get; set; } = "sharemint-silo";

    /// <summary>
    /// The share of new traces recorded and exported (0 to 1; default all). A request that arrives with a sampled W3C
    /// traceparent is always recorded. At hundreds of orders a second, 0.01–0.1 keeps the collector's load small.
    /// </summary>
    public double TraceSampleRatio { get; set; } = 1.0;
}

/// <summary>One chain to probe: its name as labelled (e.g. <c>ethereum</c>), family (<c>evm</c> or <c>solana</c>) and RPC URL.</summary>
public sealed class ChainProbeTarget
{
    public string Chain { get; set; } = "";

    public string Family { get; set; } = "evm";

    public string RpcUrl { get; set; } = "";

    /// <summary>
    /// The issuer's address on this chain (EVM hex, Solana base58), whose native balance pays the fees: exported as
    /// <c>sharemint_chain_issuer_balance</c>. Derived from the chain's signing key when the probe comes from
    /// <c>Sharemint:Chains</c>; empty: no balance is read.
    /// </summary>
    public string IssuerAccount { get; set; } = "";

    /// <summary>
    /// The balance (ETH, BNB, SOL … in whole native units) under which the fee-balance alert fires, exported as
    /// <c>sharemint_chain_issuer_balance_minimum</c>. Null: the family's default (evm 0.05, solana 0.5).
    /// </summary>
    public decimal? MinimumBalance { get; set; }
}
