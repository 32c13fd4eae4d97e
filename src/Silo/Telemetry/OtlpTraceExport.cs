using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Sharemint.Silo.Telemetry;

/// <summary>
/// Sends the silo's traces to an OpenTelemetry collector over OTLP when an endpoint is configured:
/// <c>Sharemint:Telemetry:Otlp:Endpoint</c> (env <c>Sharemint__Telemetry__Otlp__Endpoint</c>) or the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>; <c>Sharemint:Telemetry:Otlp:Protocol</c> is <c>grpc</c> (default, port 4317) or
/// <c>http/protobuf</c> (port 4318, traces posted to <c>/v1/traces</c>). Without an endpoint nothing is exported.
/// </summary>
public static class OtlpTraceExport
{
    public const string Section = "Sharemint:Telemetry:Otlp";

    /// <summary>HttpClient's own activity source (.NET 9+): the chains' JSON-RPC calls appear as client spans.</summary>
    public const string HttpClientSource = "System.Net.Http";

    /// <summary>Adds the OTLP exporter, and the HTTP client spans, when an endpoint is configured; otherwise does nothing.</summary>
    public static TracerProviderBuilder AddSharemintOtlpExport(this TracerProviderBuilder tracing, IConfiguration configuration)
    {
        var settings = Read(configuration);
        if (settings is null)
        {
            return tracing;
        }
        return tracing
            .AddSource(HttpClientSource)
            .AddOtlpExporter(otlp =>
            {
                otlp.Endpoint = settings.Value.Endpoint;
                otlp.Protocol = settings.Value.Protocol;
            });
    }

    /// <summary>The configured endpoint and protocol, or null when none is set; a malformed value is a start-up error.</summary>
    public static (Uri Endpoint, OtlpExportProtocol Protocol)? Read(IConfiguration configuration)
    {
        var endpoint = configuration[$"{Section}:Endpoint"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            endpoint = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        }
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"{Section}:Endpoint must be an absolute http(s) URL, not '{endpoint}'.");
        }
        var protocol = (configuration[$"{Section}:Protocol"] ?? configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "grpc").Trim().ToLowerInvariant() switch
        {
            "grpc" => OtlpExportProtocol.Grpc,
            "http/protobuf" or "http" => OtlpExportProtocol.HttpProtobuf,
            var other => throw new InvalidOperationException($"{Section}:Protocol must be 'grpc' or 'http/protobuf', not '{other}'."),
        };
        // With http/protobuf the exporter posts to the endpoint as given: add the traces path when only a root was set.
        if (protocol == OtlpExportProtocol.HttpProtobuf && uri.AbsolutePath is "" or "/")
        {
            uri = new Uri(uri, "v1/traces");
        }
        return (uri, protocol);
    }
}
