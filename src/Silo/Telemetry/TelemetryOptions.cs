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
}

/// <summary>One chain to probe: its name as labelled (e.g. <c>ethereum</c>), family (<c>evm</c> or <c>solana</c>) and RPC URL.</summary>
public sealed class ChainProbeTarget
{
    public string Chain { get; set; } = "";

    public string Family { get; set; } = "evm";

    public string RpcUrl { get; set; } = "";
}
