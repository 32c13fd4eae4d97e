using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sharemint.Fixtures;

namespace Sharemint.Operations.Tests;

/// <summary>
/// Debian's Prometheus (<c>apt-get install -y prometheus</c>) on a free loopback port with a temporary TSDB, scraping the
/// given targets every second and loading the repository's alert rules. Killed and deleted on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private PrometheusServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    /// <summary>The prometheus or promtool binary; fails naming the install step when absent.</summary>
    public static string Binary(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin"))
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new InvalidOperationException($"{name} not found on PATH. Install Debian's package: apt-get install -y prometheus");
    }

    /// <summary>Starts Prometheus scraping <paramref name="targets"/> (host:port) as job <c>sharemint-silo</c> and waits until ready.</summary>
    public static async Task<PrometheusServer> StartAsync(IEnumerable<string> targets)
    {
        var binary = Binary("prometheus");
        var directory = Path.Combine(Path.GetTempPath(), $"sharemint-prom-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        var rules = Path.Combine(RepositoryPaths.Root, "deploy", "prometheus", "sharemint-alerts.yml");
        var config = new StringBuilder()
            .AppendLine("global:")
            .AppendLine("  scrape_interval: 1s")
            .AppendLine("  evaluation_interval: 1s")
            .AppendLine("rule_files:")
            .AppendLine(CultureInfo.InvariantCulture, $"  - {rules}")
            .AppendLine("scrape_configs:")
            .AppendLine("  - job_name: sharemint-silo")
            .AppendLine("    metrics_path: /metrics")
            .AppendLine("    static_configs:")
            .AppendLine(CultureInfo.InvariantCulture, $"      - targets: [{string.Join(", ", targets.Select(t => $"\"{t}\""))}]")
            .ToString();
        var configPath = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config);
        var port = FreePort.Next();
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        foreach (var argument in new[]
                 {
                     $"--config.file={configPath}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h",
                 })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start prometheus.");
        var server = new PrometheusServer(process, directory, port);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
        return server;
    }

    /// <summary>Runs an instant query; returns the result array, or throws with Prometheus' error (e.g. a parse error).</summary>
    public async Task<JsonElement> QueryAsync(string promql)
    {
        using var response = await Http.PostAsync("api/v1/query", new FormUrlEncodedContent([new("query", promql)]));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new PromQlException(promql, body.TryGetProperty("error", out var e) ? e.GetString() ?? "" : body.ToString());
        }
        return body.GetProperty("data").GetProperty("result");
    }

    /// <summary>Polls until <paramref name="promql"/> returns at least one series or the deadline passes.</summary>
    public async Task<JsonElement> WaitForSeriesAsync(string promql, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await QueryAsync(promql);
            if (result.GetArrayLength() > 0)
            {
                return result;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No series for {promql} within {timeout}.\n{Output}");
            }
            await Task.Delay(500);
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"prometheus exited with {_process.ExitCode}:\n{Output}");
            }
            try
            {
                using var response = await Http.GetAsync("-/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"prometheus was not ready within {timeout}:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A TSDB file still being closed; the temp directory is cleaned by the OS eventually.
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}

/// <summary>Prometheus refused a query (bad syntax, unknown function…).</summary>
public sealed class PromQlException(string query, string error) : Exception($"Prometheus refused '{query}': {error}")
{
    public string Query { get; } = query;
}
