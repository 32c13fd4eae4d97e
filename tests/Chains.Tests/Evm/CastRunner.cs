using System.Diagnostics;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>Runs Foundry's cast (installed by npm ci in devnet/) as an independent client and returns its trimmed output.</summary>
internal static class CastRunner
{
    public static async Task<string> RunAsync(string castBinary, params string[] arguments)
    {
        Assert.True(File.Exists(castBinary), $"cast is missing at {castBinary}: run 'npm ci' in devnet/");
        var info = new ProcessStartInfo(castBinary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"cast {string.Join(' ', arguments)} failed: {await error}");
        return (await output).Trim();
    }

    /// <summary>The first token of cast's output (cast appends a scientific rendering to numbers, e.g. "1000 [1e3]").</summary>
    public static async Task<string> FirstTokenAsync(string castBinary, params string[] arguments)
    {
        var text = await RunAsync(castBinary, arguments);
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? text : text[..space];
    }
}
