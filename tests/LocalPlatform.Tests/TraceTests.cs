namespace Sharemint.LocalPlatform.Tests;

/// <summary>The silo exports its traces over OTLP (here to a loopback receiver) and one request is one trace across grains and chains.</summary>
[Collection(LocalPlatformCollection.Name)]
public sealed class TraceTests(LocalPlatform platform)
{
    private const int Server = 2;
    private const int Client = 3;

    [Fact]
    public async Task A_reconciliation_is_one_trace_from_the_http_request_through_the_grains_to_every_chain_call()
    {
        await platform.Admin().ReconcileAsync("NVDAx");

        var chainPorts = new[] { platform.EthereumRpc.Port, platform.BnbRpc.Port, platform.SolanaRpc.Port }
            .Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var (request, trace) = await WaitForTraceAsync(
            s => s.Kind == Server && s.Name.StartsWith("POST", StringComparison.Ordinal) && s.Name.Contains("reconcile", StringComparison.Ordinal),
            trace => chainPorts.All(port => trace.Any(s => s.Kind == Client && s.Attributes.GetValueOrDefault("server.port") == port)));

        // Through the grains: the reserves grain's call, made inside the request...
        var grainCalls = trace.Where(s => s.Scope.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)).ToList();
        Assert.Contains(grainCalls, s => s.Name.Contains("ReconcileAsync", StringComparison.Ordinal));
        Assert.Contains(grainCalls, s => s.Name.Contains("GetSupplyAsync", StringComparison.Ordinal));
        // ...to each chain's JSON-RPC, every span hanging from the HTTP request by its parents.
        var byId = trace.ToDictionary(s => s.SpanId);
        foreach (var call in trace.Where(s => s.Kind == Client && chainPorts.Contains(s.Attributes.GetValueOrDefault("server.port"))))
        {
            var ancestors = new List<ReceivedSpan>();
            for (var span = call; span.ParentSpanId.Length > 0 && byId.TryGetValue(span.ParentSpanId, out var parent); span = parent)
            {
                ancestors.Add(parent);
            }
            Assert.Equal(request.SpanId, ancestors.LastOrDefault()?.SpanId);
            Assert.Contains(ancestors, s => s.Scope.StartsWith("Microsoft.Orleans", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_mint_request_is_one_trace_from_the_http_request_through_the_saga_and_the_batch_to_the_chain_call()
    {
        await platform.MintAsync("NVDAx", "bnb", 0.1m);

        var bnbPort = platform.BnbRpc.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (request, trace) = await WaitForTraceAsync(
            s => s.Kind == Server && s.Name.StartsWith("POST", StringComparison.Ordinal) && s.Name.Contains("/v1/orders", StringComparison.Ordinal),
            trace => trace.Any(s => s.Name.Contains("PlaceMintAsync", StringComparison.Ordinal))
                && trace.Any(s => s.Kind == Client && s.Attributes.GetValueOrDefault("server.port") == bnbPort));

        // Placement inside the request...
        Assert.Contains(trace, s => s.Scope.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.Name.Contains("CheckEligibilityAsync", StringComparison.Ordinal));
        Assert.Contains(trace, s => s.Scope.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.Name.Contains("HoldCashForMintAsync", StringComparison.Ordinal));
        // ...then the saga's steps, driven from timers, and the bridge's batch continue the same trace down to the chain.
        Assert.Contains(trace, s => s.Scope == "Sharemint" && s.Name.StartsWith("order mint drive", StringComparison.Ordinal));
        Assert.Contains(trace, s => s.Scope == "Sharemint" && s.Name == "bridge mint batch");
        Assert.Contains(trace, s => s.Scope.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.Name.Contains("RequestMintAsync", StringComparison.Ordinal));
        var byId = trace.ToDictionary(s => s.SpanId);
        var chainCall = trace.First(s => s.Kind == Client && s.Attributes.GetValueOrDefault("server.port") == bnbPort);
        var root = chainCall;
        while (root.ParentSpanId.Length > 0 && byId.TryGetValue(root.ParentSpanId, out var parent))
        {
            root = parent;
        }
        Assert.Equal(request.SpanId, root.SpanId);
    }

    /// <summary>Waits (the exporter sends a batch every few seconds) for a root span and a trace around it that satisfies <paramref name="complete"/>.</summary>
    private async Task<(ReceivedSpan Root, List<ReceivedSpan> Trace)> WaitForTraceAsync(Func<ReceivedSpan, bool> isRoot, Func<List<ReceivedSpan>, bool> complete)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var spans = platform.Traces.Spans;
            foreach (var root in spans.Where(isRoot).Reverse())
            {
                var trace = spans.Where(s => s.TraceId == root.TraceId).ToList();
                if (complete(trace))
                {
                    return (root, trace);
                }
            }
            if (DateTime.UtcNow > deadline)
            {
                var names = string.Join("\n", spans.Where(isRoot).Take(5).SelectMany(r => spans.Where(s => s.TraceId == r.TraceId))
                    .Select(s => $"{s.TraceId[..8]} {s.Scope} {s.Kind} {s.Name} {string.Join(',', s.Attributes.Select(a => $"{a.Key}={a.Value}"))}"));
                throw new TimeoutException($"No complete trace among {spans.Count} spans received. Candidate traces:\n{names}");
            }
            await Task.Delay(500);
        }
    }
}
