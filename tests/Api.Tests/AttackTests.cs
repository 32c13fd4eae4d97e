using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Sharemint.Client;
using Sharemint.Client.Admin;
using Sharemint.Client.Http;
using Sharemint.Client.Quotes;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Sharemint.Api.Tests;

/// <summary>
/// The partner API under attack, on a silo that really mints on anvil: a fuzzer over every route of the OpenAPI document,
/// then an abuse load test (partners minting through a flood). They share the silo and run in that order, so the
/// fuzzer's "nothing changed" compares a quiet platform. SHAREMINT_ATTACK_SCALE (default 1) lengthens both.
/// </summary>
[Collection(ChainApiCollection.Name)]
[TestCaseOrderer("Sharemint.Api.Tests.ByNameOrderer", "Sharemint.Api.Tests")]
public sealed class AttackTests(ChainApiSilo platform, ITestOutputHelper output)
{
    private static readonly int Scale = int.TryParse(Environment.GetEnvironmentVariable("SHAREMINT_ATTACK_SCALE"), out var s) && s > 0 ? s : 1;

    [Fact]
    public async Task A_fuzzer_over_every_route_gets_no_5xx_only_coded_problems_and_changes_nothing()
    {
        var admin = platform.Admin();
        var viewer = (await admin.CreateOperatorKeyAsync("viewer", "fuzz viewer")).Value;
        var document = JsonNode.Parse(await platform.Http.GetStringAsync("openapi/v1.json"))!.AsObject();
        var operations = ApiFuzzer.Operations(document);
        Assert.True(operations.Count >= 30, $"only {operations.Count} operations in the document");

        var before = await QuietSnapshotAsync();
        var report = new FuzzReport();
        // Requests come from 64 loopback addresses, so the per-address budget of failed authentications (which the
        // abuse test relies on) does not turn the fuzzer's broken signatures into a wall of 429s.
        var clients = Enumerable.Range(1, 64).Select(i => LoopbackClient.From(platform.Silo.BaseAddress, $"127.0.1.{i}", maxConnections: 2)).ToArray();
        for (var round = 0; round < Scale; round++)
        {
            var fuzzer = new ApiFuzzer(ChainApiSilo.AdminKeyId, platform.AdminSecret, ChainApiSilo.DemoKeyId, platform.DemoSecret,
                viewer.Key.KeyId, viewer.Secret, new Random(round));
            var cases = operations.SelectMany(fuzzer.Cases).Select((fuzz, index) => (fuzz, index)).ToList();
            await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (item, ct) =>
            {
                using var request = item.fuzz.Request;
                using var response = await clients[item.index % clients.Length].SendAsync(request, ct);
                await report.CheckAsync(item.fuzz, response);
            });
            // Replays: a request whose nonce was accepted once (then refused for its body, or a read) is refused when resent.
            foreach (var op in operations.Where(o => !o.IsPublic && (o.Method == "GET" || o.BodySchema is not null)))
            {
                var (first, replay) = fuzzer.ReplayPair(op);
                using (first)
                using (var firstResponse = await platform.Http.SendAsync(first))
                {
                    await report.CheckAsync(new FuzzCase(op, "replay-original", first), firstResponse);
                }
                using (replay)
                using (var replayed = await platform.Http.SendAsync(replay))
                {
                    await report.CheckAsync(new FuzzCase(op, "replay", replay), replayed);
                    var code = (await replayed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
                    if (code != "signature_replayed")
                    {
                        report.Violations.Enqueue($"{op.Route} [replay] answered {code}, not signature_replayed");
                    }
                }
            }
        }
        var after = await SnapshotAsync();
        foreach (var client in clients)
        {
            client.Dispose();
        }

        var total = report.PerRoute.Values.Sum();
        output.WriteLine($"fuzzer: {total} requests over {report.PerRoute.Count} routes ({operations.Count} in the document), statuses: " +
            string.Join(", ", report.PerStatus.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}")));
        foreach (var (route, count) in report.PerRoute.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {count,5}  {route}");
        }
        Assert.Equal(operations.Select(o => o.Route).Order(StringComparer.Ordinal), report.PerRoute.Keys.Order(StringComparer.Ordinal));
        Assert.True(report.Violations.IsEmpty, $"{report.Violations.Count} violations:\n" + string.Join("\n", report.Violations.Take(25)));
        Assert.False(report.PerStatus.Keys.Any(status => status >= 500), "a 5xx was answered");
        foreach (var (part, value) in before)
        {
            Assert.True(value == after[part], $"{part} changed under the fuzzer:\nbefore {value}\nafter  {after[part]}");
        }
    }

    [Fact]
    public async Task Partners_keep_minting_through_a_flood_of_unauthenticated_and_badly_signed_requests()
    {
        var phase = TimeSpan.FromSeconds(5 * Scale);
        var admin = platform.Admin();
        await admin.SetPriceAsync("TSLA", 250m);
        var partners = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => OnboardPartnerAsync(admin, i)));

        var baseline = await RunPartnersAsync(partners, phase, flood: null);
        var dbBefore = await AuthDatabaseCommandsAsync();
        var floodStats = new FloodStats();
        using var floodStop = new CancellationTokenSource();
        var flood = FloodAsync(floodStats, maxRequests: 200_000 * Scale, floodStop.Token);
        var underFlood = await RunPartnersAsync(partners, phase, flood);
        await floodStop.CancelAsync();
        await flood;
        var floodOnlyBefore = await AuthDatabaseCommandsAsync();
        // The flood alone, so that the database work it causes is not mixed with the partners'.
        var aloneStats = new FloodStats();
        using (var aloneStop = new CancellationTokenSource(TimeSpan.FromSeconds(3)))
        {
            await FloodAsync(aloneStats, maxRequests: 50_000, aloneStop.Token);
        }
        var floodOnlyAfter = await AuthDatabaseCommandsAsync();

        var lookupsAlone = floodOnlyAfter - floodOnlyBefore;
        output.WriteLine($"abuse: 20 partners, {phase.TotalSeconds:0} s per phase");
        output.WriteLine($"  without flood: {baseline.Accepted} mints accepted, {baseline.Refused} refused, acceptance p50 {baseline.P(0.50):0.0} ms, p99 {baseline.P(0.99):0.0} ms");
        output.WriteLine($"  with flood:    {underFlood.Accepted} mints accepted, {underFlood.Refused} refused, acceptance p50 {underFlood.P(0.50):0.0} ms, p99 {underFlood.P(0.99):0.0} ms");
        output.WriteLine($"  flood: {floodStats.Sent} requests in {phase.TotalSeconds:0} s ({floodStats.Describe()}); auth DB commands during the mixed phase {floodOnlyBefore - dbBefore} (partners' included)");
        output.WriteLine($"  flood alone: {aloneStats.Sent} requests in 3 s ({aloneStats.Describe()}), {lookupsAlone} auth DB commands = {(double)lookupsAlone / Math.Max(1, aloneStats.Sent):0.0000} per request");

        Assert.Equal(0, baseline.Refused);
        Assert.Equal(0, underFlood.Refused);
        // Measured against the same run's baseline: the machine's load moves both, a starving flood moves only one.
        Assert.True(underFlood.Accepted >= Math.Max(1, baseline.Accepted / 2), $"only {underFlood.Accepted} mints were accepted under the flood against {baseline.Accepted} without it");
        Assert.Equal(0, floodStats.ServerErrors + aloneStats.ServerErrors);
        Assert.Equal(0, floodStats.Accepted + aloneStats.Accepted);
        // Every flooding address may cost at most its failure budget in key lookups (plus what refills), never one per request.
        Assert.True(lookupsAlone <= FloodAddresses.Length * (ChainApiSilo.AuthFailureBurst + 5),
            $"{lookupsAlone} DB commands for {aloneStats.Sent} refused requests");
        Assert.True(aloneStats.Sent > 20 * lookupsAlone, $"{aloneStats.Sent} requests, {lookupsAlone} DB commands");
    }

    private static readonly string[] FloodAddresses = ["127.0.0.61", "127.0.0.62", "127.0.0.63", "127.0.0.64"];

    private sealed record Partner(string AccountId, string Wallet, SharemintClient Client);

    private sealed class PhaseResult(List<double> latencies, int refused)
    {
        public int Accepted => latencies.Count;

        public int Refused => refused;

        public double P(double quantile)
        {
            if (latencies.Count == 0)
            {
                return double.NaN;
            }
            var sorted = latencies.Order().ToArray();
            return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
        }
    }

    private sealed class FloodStats
    {
        private long _sent;
        private long _serverErrors;
        private long _accepted;

        public ConcurrentDictionary<string, int> Codes { get; } = new(StringComparer.Ordinal);

        public long Sent => Interlocked.Read(ref _sent);

        public long ServerErrors => Interlocked.Read(ref _serverErrors);

        public long Accepted => Interlocked.Read(ref _accepted);

        public void Record(HttpStatusCode status, string code)
        {
            Interlocked.Increment(ref _sent);
            if ((int)status >= 500)
            {
                Interlocked.Increment(ref _serverErrors);
            }
            if ((int)status < 400)
            {
                Interlocked.Increment(ref _accepted);
            }
            Codes.AddOrUpdate(code, 1, (_, n) => n + 1);
        }

        public string Describe() => string.Join(", ", Codes.OrderByDescending(c => c.Value).Select(c => $"{c.Key}×{c.Value}"));
    }

    private async Task<Partner> OnboardPartnerAsync(SharemintAdminClient admin, int index)
    {
        var id = $"abuse-{index:D2}-{Guid.NewGuid():N}"[..24];
        var wallet = "0x" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id)))[..40];
        await admin.OnboardPartnerAsync(new PartnerOnboarding(id, $"Abuse {index}", "DE", MaxOrderCash: 1_000_000m, MaxDailyCash: 100_000_000m));
        await admin.SetKycAsync(id, "approved");
        await admin.AllowWalletAsync(id, "ethereum", wallet);
        await admin.CreditCashAsync(id, 10_000_000m);
        var key = (await admin.CreatePartnerKeyAsync(id, "abuse", ["read", "trade"], null)).Value;
        var client = new SharemintClient(platform.Silo.CreateHttpClient(),
            new SharemintClientOptions { KeyId = key.Key.KeyId, Secret = key.Secret, MaxRetries = 0 });
        return new Partner(id, wallet, client);
    }

    /// <summary>Each partner asks for a quote and places a mint once a second; the mint's acceptance time is measured.</summary>
    private static async Task<PhaseResult> RunPartnersAsync(IReadOnlyList<Partner> partners, TimeSpan duration, Task? flood)
    {
        var latencies = new ConcurrentBag<double>();
        var refused = 0;
        var end = DateTime.UtcNow + duration;
        await Task.WhenAll(partners.Select(async (partner, index) =>
        {
            // Spread the partners over the second, as independent clients would be.
            await Task.Delay(TimeSpan.FromMilliseconds(index * 1000.0 / partners.Count));
            using var ticker = new PeriodicTimer(TimeSpan.FromSeconds(1));
            do
            {
                try
                {
                    Quote quote = await partner.Client.Quotes.CreateAsync("TSLAx", QuoteSide.Mint, 0.01m);
                    var watch = Stopwatch.StartNew();
                    await partner.Client.Orders.MintAsync(quote.QuoteId, "ethereum", partner.Wallet, "mint-" + Guid.NewGuid().ToString("N"));
                    latencies.Add(watch.Elapsed.TotalMilliseconds);
                }
                catch (SharemintApiException)
                {
                    Interlocked.Increment(ref refused);
                }
            }
            while (DateTime.UtcNow < end && await ticker.WaitForNextTickAsync());
        }));
        if (flood is { IsFaulted: true })
        {
            await flood;
        }
        return new PhaseResult([.. latencies], refused);
    }

    /// <summary>
    /// Unauthenticated and badly signed requests from several loopback addresses, bounded by count and by the token:
    /// unsigned, unknown keys, a real key with a wrong secret, expired timestamps, oversized declared bodies.
    /// </summary>
    private async Task FloodAsync(FloodStats stats, int maxRequests, CancellationToken stop)
    {
        var clients = FloodAddresses.Select(address => LoopbackClient.From(platform.Silo.BaseAddress, address, maxConnections: 8)).ToArray();
        try
        {
            var remaining = maxRequests;
            await Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
            {
                var client = clients[worker % clients.Length];
                var random = new Random(worker);
                while (!stop.IsCancellationRequested && Interlocked.Decrement(ref remaining) >= 0)
                {
                    using var request = random.Next(5) switch
                    {
                        0 => new HttpRequestMessage(HttpMethod.Get, "v1/account"),
                        1 => ApiSilo.Signed(HttpMethod.Post, "v1/orders/mint", """{"quoteId":"q_x","chain":"ethereum","wallet":"0x00000000000000000000000000000000000000f1"}""",
                            "pk_flood_" + random.Next(), "sk_flood", idempotencyKey: "flood"),
                        2 => ApiSilo.Signed(HttpMethod.Get, "v1/account", null, ChainApiSilo.DemoKeyId, "sk_wrong_secret"),
                        3 => ApiSilo.Signed(HttpMethod.Get, "v1/orders", null, ChainApiSilo.DemoKeyId, platform.DemoSecret, at: DateTimeOffset.UtcNow.AddHours(-2)),
                        _ => Oversized(),
                    };
                    try
                    {
                        using var response = await client.SendAsync(request, stop);
                        var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                            ? (await response.Content.ReadFromJsonAsync<JsonElement>(stop)).GetProperty("code").GetString() ?? "?"
                            : "status_" + (int)response.StatusCode;
                        stats.Record(response.StatusCode, code);
                    }
                    catch (OperationCanceledException) when (stop.IsCancellationRequested)
                    {
                        return;
                    }
                }
            }));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private static HttpRequestMessage Oversized()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/quotes") { Content = new ByteArrayContent(new byte[20_000]) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return request;
    }

    private async Task<long> AuthDatabaseCommandsAsync()
    {
        using var management = platform.Silo.CreateManagementHttpClient();
        long? previous = null;
        while (true)
        {
            var line = (await management.GetStringAsync("metrics")).Split('\n')
                .FirstOrDefault(l => l.StartsWith("sharemint_api_auth_db_commands_total", StringComparison.Ordinal));
            var value = line is null ? 0 : (long)double.Parse(line[line.IndexOf(' ', line.IndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            if (previous == value)
            {
                return value;
            }
            previous = value;
            await Task.Delay(400);
        }
    }

    /// <summary>
    /// The snapshot once the platform itself is quiet: earlier tests' orders leave background writes behind (a bridge
    /// clearing its settled batch, a deposit watcher saving its cursor), which are not the fuzzer's doing. Two snapshots a
    /// second apart must agree, for at most 30 s.
    /// </summary>
    private async Task<Dictionary<string, string>> QuietSnapshotAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var last = await SnapshotAsync();
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var next = await SnapshotAsync();
            if (next.All(p => last.TryGetValue(p.Key, out var v) && v == p.Value) || DateTime.UtcNow > deadline)
            {
                return next;
            }
            last = next;
        }
    }

    /// <summary>
    /// What the fuzzer must not change: every grain's stored state (the ledger: accounts, assets, bridges, orders,
    /// quotes, sanctions...), the order index, the keys, wallet owners, prices, and the chain (block height and the
    /// issuer's nonce on anvil: any transaction moves them).
    /// </summary>
    private async Task<Dictionary<string, string>> SnapshotAsync()
    {
        var parts = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var data = NpgsqlDataSource.Create(platform.ConnectionString);
        foreach (var (name, sql) in new[]
                 {
                     ("ledger", "SELECT string_agg(grain_type || '/' || grain_key || '@' || version || ':' || md5(coalesce(state::text, '')), E'\\n' ORDER BY grain_type, grain_key) FROM grain_state"),
                     ("order index", "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), 'empty') FROM order_index t"),
                     ("api keys", "SELECT md5(string_agg(t::text, '|' ORDER BY key_id)) FROM api_keys t"),
                     ("wallet owners", "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY chain, address)), 'empty') FROM wallet_owners t"),
                     ("prices", "SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), 'empty') FROM market_prices t"),
                 })
        {
            await using var command = data.CreateCommand(sql);
            parts[name] = (await command.ExecuteScalarAsync())?.ToString() ?? "";
        }
        using var rpc = new HttpClient { BaseAddress = platform.Anvil.RpcUrl };
        foreach (var (name, method, args) in new[]
                 {
                     ("chain height", "eth_blockNumber", "[]"),
                     ("issuer nonce", "eth_getTransactionCount", "[\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\",\"latest\"]"),
                 })
        {
            using var response = await rpc.PostAsync("", new StringContent($$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{args}}}""",
                System.Text.Encoding.UTF8, "application/json"));
            parts[name] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("result").GetString()!;
        }
        return parts;
    }
}

/// <summary>Runs a class's tests in the order of their names.</summary>
public sealed class ByNameOrderer : ITestCaseOrderer
{
    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);
}
