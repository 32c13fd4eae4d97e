using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Sharemint.Silo.Telemetry;
using Sharemint.Telemetry;

namespace Sharemint.Api.Tests;

/// <summary>
/// Spans are recorded only when they are exported: without an OTLP endpoint the silo registers no tracer, so no grain call
/// builds an activity nobody reads; with one, new traces are sampled at the configured ratio.
/// </summary>
public sealed class TelemetryRegistrationTests
{
    [Fact]
    public void Without_an_otlp_endpoint_no_span_is_recorded()
    {
        using var services = Build(new());
        Assert.Null(services.GetService<TracerProvider>());
        using var span = SharemintActivities.Source.StartActivity("probe");
        Assert.Null(span);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("0", false)]
    public void With_an_otlp_endpoint_new_traces_are_sampled_at_the_configured_ratio(string ratio, bool recorded)
    {
        using var services = Build(new()
        {
            ["Sharemint:Telemetry:Otlp:Endpoint"] = "http://127.0.0.1:4317",
            ["Sharemint:Telemetry:TraceSampleRatio"] = ratio,
        });
        Assert.NotNull(services.GetRequiredService<TracerProvider>());
        using var span = SharemintActivities.Source.StartActivity("probe");
        Assert.Equal(recorded, span?.Recorded ?? false);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public void A_sample_ratio_outside_0_to_1_stops_the_start_with_a_clear_error(string ratio)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new()
        {
            ["Sharemint:Telemetry:Otlp:Endpoint"] = "http://127.0.0.1:4317",
            ["Sharemint:Telemetry:TraceSampleRatio"] = ratio,
        }));
        Assert.Contains("TraceSampleRatio must be between 0 and 1", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddSharemintTelemetry();
        var services = builder.Services.BuildServiceProvider();
        // The tracer provider starts listening when it is first resolved, as the host does at start.
        services.GetService<TracerProvider>();
        return services;
    }
}
