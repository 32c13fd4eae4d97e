using System.CommandLine;
using System.Text.Json;
using Sharemint.Client;
using Sharemint.Client.Admin;

namespace Sharemint.Cli;

/// <summary>A mistake in how the command was called (exit code 2).</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>A check the command ran came out negative, e.g. an attestation that does not verify (exit code 7).</summary>
public sealed class CliCheckFailedException(string message) : Exception(message);

/// <summary>An order the command waited for ended Failed or Cancelled (exit code 8).</summary>
public sealed class CliOrderFailedException(string message) : Exception(message);

/// <summary>The stable exit codes of <c>sharemint</c>.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Error = 1;
    public const int Usage = 2;
    public const int MigrationsPending = 3;
    public const int ApiError = 4;
    public const int Unreachable = 5;
    public const int Database = 6;
    public const int CheckFailed = 7;
    public const int OrderFailed = 8;
}

internal static class CliJson
{
    /// <summary>camelCase as the API writes, indented, with decimals and 64-bit integers as exact strings like every API answer.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        Output.ExactNumbersJson.Register(options);
        return options;
    }
}

/// <summary>The options every API command shares: output format, API root and the key (from options or environment).</summary>
public sealed class CliGlobals
{
    public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable JSON output", Recursive = true };

    // No DefaultValueFactory on these: System.CommandLine prints a default's value in --help, and a secret must never
    // appear there. The help names the environment variable and whether it is set; the value is read when used.
    public Option<string?> Api { get; } = new("--api")
    {
        Description = $"Platform API root (default: {EnvironmentSource(ApiVariable)}, else {DefaultApi})",
        Recursive = true,
    };

    public Option<string?> KeyId { get; } = new("--key-id")
    {
        Description = $"API key id (default: {EnvironmentSource(KeyIdVariable)})",
        Recursive = true,
    };

    public Option<string?> KeySecret { get; } = new("--key-secret")
    {
        Description = $"API key secret (default: {EnvironmentSource(KeySecretVariable)}; prefer the environment, options show in process lists)",
        Recursive = true,
    };

    public const string ApiVariable = "SHAREMINT_API";
    public const string KeyIdVariable = "SHAREMINT_KEY_ID";
    public const string KeySecretVariable = "SHAREMINT_KEY_SECRET";
    public const string DefaultApi = "http://127.0.0.1:8080/";

    /// <summary>"env NAME (set)" or "env NAME (not set)": where a value comes from, never the value.</summary>
    public static string EnvironmentSource(string variable) =>
        $"env {variable} ({(string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable)) ? "not set" : "set")})";

    /// <summary>The option's value, else the environment variable's, else null.</summary>
    private static string? ValueOrEnvironment(ParseResult parse, Option<string?> option, string variable)
    {
        var given = parse.GetValue(option);
        return string.IsNullOrEmpty(given) ? NullIfEmpty(Environment.GetEnvironmentVariable(variable)) : given;
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    public IEnumerable<Option> All => [Json, Api, KeyId, KeySecret];

    public bool IsJson(ParseResult parse) => parse.GetValue(Json);

    /// <summary>The API root and the signing key (options, else environment) for commands that make their own transport.</summary>
    public (Uri Root, SharemintClientOptions Key) Endpoint(ParseResult parse) => (Root(parse), Options(parse, required: true));

    /// <summary>A partner client; unauthenticated when no key is configured (public routes only).</summary>
    public SharemintClient Partner(ParseResult parse) => new(Http(parse), Options(parse, required: false));

    /// <summary>An operator client; a key is required.</summary>
    public SharemintAdminClient Admin(ParseResult parse) => new(Http(parse), Options(parse, required: true));

    /// <summary>A partner client that must sign.</summary>
    public SharemintClient SignedPartner(ParseResult parse) => new(Http(parse), Options(parse, required: true));

    /// <summary>Prints <paramref name="value"/> as JSON with --json, otherwise runs <paramref name="human"/>.</summary>
    public void Print(ParseResult parse, object value, Action human)
    {
        if (IsJson(parse))
        {
            Console.WriteLine(JsonSerializer.Serialize(value, value.GetType(), CliJson.Options));
        }
        else
        {
            human();
        }
    }

    private SharemintClientOptions Options(ParseResult parse, bool required)
    {
        var keyId = ValueOrEnvironment(parse, KeyId, KeyIdVariable);
        var secret = ValueOrEnvironment(parse, KeySecret, KeySecretVariable);
        if (string.IsNullOrEmpty(keyId) || string.IsNullOrEmpty(secret))
        {
            return required
                ? throw new CliUsageException("No API key: set SHAREMINT_KEY_ID and SHAREMINT_KEY_SECRET (or pass --key-id and --key-secret).")
                : new SharemintClientOptions();
        }
        return new SharemintClientOptions { KeyId = keyId, Secret = secret };
    }

    private HttpClient Http(ParseResult parse) => new() { BaseAddress = Root(parse), Timeout = TimeSpan.FromSeconds(30) };

    private Uri Root(ParseResult parse)
    {
        var apiRoot = ValueOrEnvironment(parse, Api, ApiVariable) ?? DefaultApi;
        return Uri.TryCreate(apiRoot.EndsWith('/') ? apiRoot : apiRoot + "/", UriKind.Absolute, out var root)
            ? root
            : throw new CliUsageException($"'{apiRoot}' is not an absolute URL.");
    }
}

/// <summary>Parsing helpers for arguments.</summary>
internal static class CliParse
{
    public static decimal Decimal(string text, string what) =>
        decimal.TryParse(text, System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliUsageException($"{what} must be a decimal number like 1.5, not '{text}'.");
}
