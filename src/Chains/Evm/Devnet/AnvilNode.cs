using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sharemint.Chains.Evm;

/// <summary>
/// A local anvil chain (from the npm package <c>@foundry-rs/anvil-linux-amd64</c> installed in <c>devnet/</c>) on a free
/// loopback port, for development, tests and benchmarks. <see cref="StartAsync"/> returns once the node answers JSON-RPC;
/// disposing kills the process tree.
/// </summary>
public sealed class AnvilNode : IAsyncDisposable
{
    /// <summary>Environment variable that may name the anvil binary directly.</summary>
    public const string BinaryVariable = "SHAREMINT_ANVIL";

    private const string RelativeBinary = "devnet/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil";
    private readonly Process _process;
    private readonly StringBuilder _output;

    private AnvilNode(Process process, StringBuilder output, int port, ulong chainId)
    {
        _process = process;
        _output = output;
        Port = port;
        ChainId = chainId;
        RpcUrl = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }
    public ulong ChainId { get; }
    public Uri RpcUrl { get; }

    /// <summary>The tail of anvil's output, for diagnostics.</summary>
    public string OutputTail
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>
    /// Finds the anvil binary: <see cref="BinaryVariable"/>, else <c>devnet/node_modules/...</c> in <paramref name="startDirectory"/> or a parent.
    /// Throws ArtifactMissing naming the install step when absent.
    /// </summary>
    public static string LocateBinary(string? startDirectory = null)
    {
        var configured = Environment.GetEnvironmentVariable(BinaryVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured) ? configured
                : throw new EvmException(EvmErrorCode.ArtifactMissing, $"{BinaryVariable}={configured} does not exist");
        }
        for (var directory = new DirectoryInfo(startDirectory ?? AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, RelativeBinary);
            if (File.Exists(candidate)) return candidate;
            if (File.Exists(Path.Combine(directory.FullName, "devnet", "package.json")))
                throw new EvmException(EvmErrorCode.ArtifactMissing, $"anvil is missing at {candidate}: run 'npm ci' in {Path.Combine(directory.FullName, "devnet")}");
        }
        throw new EvmException(EvmErrorCode.ArtifactMissing, $"no {RelativeBinary} above {startDirectory ?? AppContext.BaseDirectory}: run 'npm ci' in devnet/ or set {BinaryVariable}");
    }

    /// <summary>Starts anvil with <paramref name="chainId"/> on a free loopback port and waits (polling) until it serves that chain id.</summary>
    public static async Task<AnvilNode> StartAsync(string binary, ulong chainId, TimeSpan? startupTimeout = null, IEnumerable<string>? extraArguments = null,
        CancellationToken cancellationToken = default)
    {
        var timeout = startupTimeout ?? TimeSpan.FromSeconds(30);
        var extra = extraArguments?.ToList() ?? [];
        EvmException? lastError = null;
        // A port found free can be taken before anvil binds it; try a few.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            var node = Launch(binary, chainId, port, extra);
            try
            {
                await node.WaitReadyAsync(timeout, cancellationToken);
                return node;
            }
            catch (EvmException e)
            {
                lastError = e;
                await node.DisposeAsync();
            }
            catch
            {
                await node.DisposeAsync();
                throw;
            }
        }
        throw lastError!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static AnvilNode Launch(string binary, ulong chainId, int port, List<string> extra)
    {
        var info = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--chain-id", chainId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--accounts", "2"])
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var argument in extra) info.ArgumentList.Add(argument);
        var output = new StringBuilder();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        DataReceivedEventHandler keep = (_, e) =>
        {
            if (e.Data is null) return;
            lock (output)
            {
                output.AppendLine(e.Data);
                if (output.Length > 16_000) output.Remove(0, output.Length - 8_000);
            }
        };
        process.OutputDataReceived += keep;
        process.ErrorDataReceived += keep;
        if (!process.Start()) throw new EvmException(EvmErrorCode.ArtifactMissing, $"could not start {binary}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AnvilNode(process, output, port, chainId);
    }

    private async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var rpc = new JsonRpcClient(RpcUrl, new JsonRpcClientOptions { RequestTimeout = TimeSpan.FromSeconds(2), ReadRetries = 0 });
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
                throw new EvmException(EvmErrorCode.RpcConnectionFailed, $"anvil exited with code {_process.ExitCode} before it was ready: {OutputTail}");
            try
            {
                var chainId = EvmHex.DecodeQuantityUInt64((await rpc.CallAsync("eth_chainId", [], cancellationToken)).GetString() ?? "");
                if (chainId != ChainId) throw new EvmException(EvmErrorCode.ChainIdMismatch, $"port {Port} answers chain {chainId}, expected {ChainId}");
                return;
            }
            catch (EvmRpcTransportException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (EvmRpcTransportException e)
            {
                throw new EvmException(EvmErrorCode.RpcTimeout, $"anvil on port {Port} not ready within {timeout}: {OutputTail}", e);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(wait.Token);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited between the check and the kill.
        }
        finally
        {
            _process.Dispose();
        }
    }
}
