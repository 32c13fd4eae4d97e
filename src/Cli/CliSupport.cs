using System.Text.Json;

namespace Sharemint.Cli;

/// <summary>A mistake in how the command was called (exit code 2).</summary>
public sealed class CliUsageException(string message) : Exception(message);

internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}

internal static class CliHttp
{
    public static HttpClient For(string apiRoot)
    {
        if (!Uri.TryCreate(apiRoot.EndsWith('/') ? apiRoot : apiRoot + "/", UriKind.Absolute, out var root))
        {
            throw new CliUsageException($"'{apiRoot}' is not an absolute URL.");
        }
        return new HttpClient { BaseAddress = root, Timeout = TimeSpan.FromSeconds(30) };
    }
}
