using System.Globalization;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Sharemint.Telemetry;

namespace Sharemint.Silo.Telemetry;

/// <summary>
/// OpenTelemetry for the silo: metrics of the <c>Microsoft.Orleans</c>, ASP.NET Core and <c>Sharemint</c> meters for the
/// Prometheus scraping endpoint (map it with <c>app.MapPrometheusScrapingEndpoint("/metrics")</c>), traces of Orleans
/// grain calls (with activity propagation across silos and clients) and HTTP requests when an OTLP endpoint is configured
/// (sampled at <see cref="TelemetryOptions.TraceSampleRatio"/> of new traces), the ledger sampler behind the Sharemint
/// gauges, and the chain head probe.
/// </summary>
public static class TelemetryRegistration
{
    /// <summary>Orleans' meter.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>The runtime's built-in meter (.NET 9 and later): GC, JIT, thread pool, locks, exceptions.</summary>
    public const string RuntimeMeter = "System.Runtime";

    /// <summary>Orleans' activity sources: runtime internals and application grain calls.</summary>
    public static IReadOnlyList<string> OrleansActivitySources { get; } = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>Registers metrics, traces, the sampler and the probe. Call once, before <c>Build()</c>.</summary>
    public static WebApplicationBuilder AddSharemintTelemetry(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(TelemetryOptions.Section);
        builder.Services.Configure<TelemetryOptions>(section);
        // Without explicit probes, probe every chain the silo signs on (Sharemint:Chains:{chain}:Family/RpcUrl).
        var configuration = builder.Configuration;
        builder.Services.PostConfigure<TelemetryOptions>(telemetry =>
        {
            if (telemetry.ChainProbes.Count == 0)
            {
                telemetry.ChainProbes.AddRange(ProbesFromChains(configuration));
            }
            // An explicit probe of a chain the silo signs on reads the issuer's balance too, unless it names an account.
            foreach (var probe in telemetry.ChainProbes.Where(p => string.IsNullOrWhiteSpace(p.IssuerAccount)))
            {
                probe.IssuerAccount = IssuerAccount.From(configuration.GetSection($"{ChainsSection}:{probe.Chain}")) ?? "";
            }
        });
        var settings = section.Get<TelemetryOptions>() ?? new TelemetryOptions();

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(settings.ServiceName, serviceInstanceId: Environment.MachineName))
            .WithMetrics(metrics => metrics
                // System.Runtime: the runtime's own meter (GC pauses and heap, JIT time, thread pool queue, lock
                // contention, exceptions), which says whether a silo's CPU goes to orders or to the runtime.
                .AddMeter(OrleansMeter, SharemintMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", RuntimeMeter)
                .AddPrometheusExporter());
        // Spans are recorded only when they go somewhere: without an OTLP endpoint every grain call would still build and
        // tag an activity that nobody reads (about a tenth of the silo's CPU under the order benchmark).
        if (OtlpTraceExport.Read(builder.Configuration) is not null)
        {
            var ratio = settings.TraceSampleRatio is >= 0 and <= 1
                ? settings.TraceSampleRatio
                : throw new InvalidOperationException($"{TelemetryOptions.Section}:TraceSampleRatio must be between 0 and 1, not {settings.TraceSampleRatio}.");
            telemetry.WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)))
                .AddSource([.. OrleansActivitySources])
                .AddSource(SharemintActivities.SourceName)
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = http => http.Request.Path != "/metrics")
                .AddSharemintOtlpExport(builder.Configuration));
            // Orleans shares one silo builder between UseOrleans calls, so this adds to the host's Orleans configuration.
            builder.UseOrleans(silo => silo.AddActivityPropagation());
        }

        builder.Services.AddSingleton<LedgerGauges>();
        builder.Services.AddHostedService<LedgerSampler>();
        builder.Services.AddHostedService<ChainHeadProbe>();
        builder.Services.AddHostedService<HolderSampler>();
        builder.Services.AddHostedService<DatabaseGauges>();
        return builder;
    }

    /// <summary>One probe per configured chain that names an RPC URL, labelled with the chain id, in ordinal order.</summary>
    public static IEnumerable<ChainProbeTarget> ProbesFromChains(IConfiguration configuration) =>
        configuration.GetSection(ChainsSection).GetChildren()
            .Where(chain => !string.IsNullOrWhiteSpace(chain["RpcUrl"]))
            .OrderBy(chain => chain.Key, StringComparer.Ordinal)
            .Select(chain => new ChainProbeTarget
            {
                Chain = chain.Key,
                Family = string.IsNullOrWhiteSpace(chain["Family"]) ? "evm" : chain["Family"]!,
                RpcUrl = chain["RpcUrl"]!,
                IssuerAccount = IssuerAccount.From(chain) ?? "",
                MinimumBalance = decimal.TryParse(configuration[$"{TelemetryOptions.Section}:MinimumIssuerBalance:{chain.Key}"],
                    NumberStyles.Number, CultureInfo.InvariantCulture, out var minimum) ? minimum : null,
            });

    /// <summary>Where the silo's chains are configured (the signers' section).</summary>
    public const string ChainsSection = "Sharemint:Chains";
}
