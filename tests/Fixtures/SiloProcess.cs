using System.Diagnostics;
using System.Net.Http;
using System.Text;

namespace Sharemint.Fixtures;

/// <summary>
/// A real silo process (the built <c>Sharemint.Silo.dll</c>) on free loopback ports against a given database.
/// Stopped on dispose; <see cref="KillAsync"/> stops it hard, as a crash would.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, Uri baseAddress, Uri managementAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        ManagementAddress = managementAddress;
    }

    /// <summary>The HTTP root of the partner and operator API, e.g. <c>http://127.0.0.1:43121/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The management port's root: <c>/metrics</c> and <c>/dashboard</c> are served there only.</summary>
    public Uri ManagementAddress { get; }

    /// <summary>The operating system's id of the silo process (benchmarks read its CPU time).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has exited (crashed, killed or stopped).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The Orleans client gateway port.</summary>
    public int GatewayPort { get; private init; }

    /// <summary>What the silo wrote to stdout and stderr so far (for failure messages).</summary>
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    /// <summary>
    /// Starts a silo and waits until <c>/health/ready</c> answers 200. <paramref name="siloDll"/> runs another build's
    /// <c>Sharemint.Silo.dll</c> instead of this one's (a mixed-version cluster, as in a rolling upgrade).
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string connectionString, bool seedDemo = true, string? clusterId = null,
        IDictionary<string, string>? extraEnvironment = null, int? siloPort = null, int? gatewayPort = null, int? httpPort = null,
        string? siloDll = null)
    {
        var dll = siloDll ?? RepositoryPaths.Output("src/Silo", "Sharemint.Silo.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} does not exist; build that tree first.", dll);
        }
        var http = httpPort ?? FreePort.Next();
        var gateway = gatewayPort ?? FreePort.Next();
        var management = extraEnvironment is not null && extraEnvironment.TryGetValue("Sharemint__ManagementPort", out var configured)
            ? int.Parse(configured, System.Globalization.CultureInfo.InvariantCulture)
            : FreePort.Next();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ConnectionStrings__Sharemint"] = connectionString;
        start.Environment["Sharemint__ClusterId"] = clusterId ?? $"test-{Guid.NewGuid():N}";
        start.Environment["Sharemint__SiloPort"] = (siloPort ?? FreePort.Next()).ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Sharemint__GatewayPort"] = gateway.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Sharemint__SeedDemo"] = seedDemo ? "true" : "false";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{http}";
        start.Environment["Sharemint__ManagementPort"] = management.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        if (extraEnvironment is not null)
        {
            foreach (var (key, value) in extraEnvironment)
            {
                start.Environment[key] = value;
            }
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the silo.");
        var silo = new SiloProcess(process, new Uri($"http://127.0.0.1:{http}/"), new Uri($"http://127.0.0.1:{management}/")) { GatewayPort = gateway };
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await silo.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        return silo;
    }

    /// <summary>An HttpClient aimed at the silo's HTTP root.</summary>
    public HttpClient CreateHttpClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>An HttpClient aimed at the management port (<c>/metrics</c>, <c>/dashboard</c>).</summary>
    public HttpClient CreateManagementHttpClient() => new() { BaseAddress = ManagementAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Polls <c>/health/ready</c> until it answers 200 or the deadline passes.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = CreateHttpClient();
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The silo exited with {_process.ExitCode} during start-up:\n{Output}");
            }
            try
            {
                using var response = await http.GetAsync("health/ready");
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
        throw new TimeoutException($"The silo was not ready within {timeout}:\n{Output}");
    }

    /// <summary>Stops the process hard (SIGKILL), as a crash or an OOM kill would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Asks the process to stop (SIGTERM) and waits for a graceful exit.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill!.WaitForExitAsync();
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
