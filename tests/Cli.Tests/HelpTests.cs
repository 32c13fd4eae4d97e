using Sharemint.Fixtures;

namespace Sharemint.Cli.Tests;

/// <summary><c>--help</c> says where each credential comes from and never prints one.</summary>
public sealed class HelpTests
{
    private const string Secret = "sk_help_must_never_show_this_0123";
    private const string KeyId = "pk_help_key_id_marker";
    private const string Connection = "Host=db.example;Password=pg_help_password_marker";

    [Theory]
    [InlineData("--help")]
    [InlineData("mint", "--help")]
    [InlineData("assets", "list", "--help")]
    [InlineData("reserves", "verify", "--help")]
    [InlineData("db", "migrate", "--help")]
    public async Task Help_names_the_environment_variable_but_never_prints_the_secret(params string[] args)
    {
        var result = await RunAsync(args, new Dictionary<string, string>
        {
            ["SHAREMINT_KEY_ID"] = KeyId,
            ["SHAREMINT_KEY_SECRET"] = Secret,
            ["SHAREMINT_DB"] = Connection,
        });

        var output = result.StandardOutput + result.StandardError;
        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
        Assert.DoesNotContain("pg_help_password_marker", output, StringComparison.Ordinal);
        if (args[0] != "db")
        {
            // Where the value comes from, and whether it is there: enough to debug a missing key without showing it.
            Assert.Contains("SHAREMINT_KEY_SECRET (set)", output, StringComparison.Ordinal);
            Assert.Contains("SHAREMINT_KEY_ID (set)", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Help_says_when_the_secret_is_not_set()
    {
        var result = await RunAsync(["mint", "--help"], new Dictionary<string, string> { ["SHAREMINT_KEY_SECRET"] = "" });

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("SHAREMINT_KEY_SECRET (not set)", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_secret_from_the_environment_still_signs_requests()
    {
        // No silo on this port: the command must get as far as the network, i.e. past the "no API key" usage check.
        var result = await RunAsync(["partners", "list"], new Dictionary<string, string>
        {
            ["SHAREMINT_API"] = $"http://127.0.0.1:{FreePort.Next()}/",
            ["SHAREMINT_KEY_ID"] = KeyId,
            ["SHAREMINT_KEY_SECRET"] = Secret,
        });

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("cannot reach the platform API", result.StandardError, StringComparison.Ordinal);
    }

    private static Task<ProcessRunner.Result> RunAsync(IEnumerable<string> args, IDictionary<string, string> environment) =>
        ProcessRunner.RunAsync("dotnet", [RepositoryPaths.Output("src/Cli", "Sharemint.Cli.dll"), .. args], TimeSpan.FromMinutes(1),
            environment: environment, throwOnFailure: false);
}
