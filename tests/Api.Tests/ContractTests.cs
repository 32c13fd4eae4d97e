using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sharemint.Fixtures;
using Sharemint.Silo.Api.Contract;

namespace Sharemint.Api.Tests;

/// <summary>
/// The committed contract (docs/openapi/v1.json) is exactly what the running API serves, and states the signing scheme,
/// the Idempotency-Key header and every error code. After a deliberate API change, regenerate the file with
/// <c>SHAREMINT_UPDATE_OPENAPI=1 dotnet test tests/Api.Tests --filter FullyQualifiedName~ContractTests</c> and commit it.
/// </summary>
public sealed partial class ContractTests(ApiSilo api) : IClassFixture<ApiSilo>
{
    private static readonly string Committed = Path.Combine(RepositoryPaths.Root, "docs", "openapi", "v1.json");

    [Fact]
    public async Task The_committed_document_is_what_the_running_api_serves()
    {
        var served = Normalize(await api.Http.GetStringAsync("openapi/v1.json"));
        if (Environment.GetEnvironmentVariable("SHAREMINT_UPDATE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Committed)!);
            await File.WriteAllTextAsync(Committed, served);
        }
        Assert.True(File.Exists(Committed), $"{Committed} is missing; generate it with SHAREMINT_UPDATE_OPENAPI=1.");
        var committed = Normalize(await File.ReadAllTextAsync(Committed));
        if (committed != served)
        {
            var first = committed.Zip(served).TakeWhile(p => p.First == p.Second).Count();
            Assert.Fail($"docs/openapi/v1.json differs from the running API at character {first}: committed …{Excerpt(committed, first)}… served …{Excerpt(served, first)}…; " +
                "regenerate it with SHAREMINT_UPDATE_OPENAPI=1 and commit it.");
        }
    }

    [Fact]
    public async Task The_document_states_the_signing_scheme_the_idempotency_header_and_every_error_code()
    {
        using var document = JsonDocument.Parse(await api.Http.GetStringAsync("openapi/v1.json"));
        var root = document.RootElement;
        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty(ApiContract.SignatureScheme);
        Assert.Equal("X-Sharemint-Signature", scheme.GetProperty("name").GetString());
        Assert.Contains("HMAC-SHA256", scheme.GetProperty("description").GetString(), StringComparison.Ordinal);

        var mint = root.GetProperty("paths").GetProperty("/v1/orders/mint").GetProperty("post");
        var key = Assert.Single(mint.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");
        Assert.True(key.GetProperty("required").GetBoolean());
        Assert.True(mint.GetProperty("responses").GetProperty("202").GetProperty("headers").TryGetProperty("Idempotent-Replayed", out _));
        Assert.NotEmpty(mint.GetProperty("security").EnumerateArray());
        // Public routes are not signed.
        Assert.False(root.GetProperty("paths").GetProperty("/v1/assets").GetProperty("get").TryGetProperty("security", out _));

        var description = root.GetProperty("info").GetProperty("description").GetString()!;
        foreach (var (code, meaning) in ErrorCatalogue.Codes)
        {
            Assert.Contains($"| {code} | {meaning} |", description, StringComparison.Ordinal);
        }
        Assert.Contains("never expire", description, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_code_the_source_can_answer_is_in_the_catalogue()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "src", "Silo", "Api"), "*.cs", SearchOption.AllDirectories)
                     .Append(Path.Combine(RepositoryPaths.Root, "src", "Grains.Interfaces", "Errors", "LedgerException.cs")))
        {
            var text = File.ReadAllText(file);
            foreach (var pattern in new[] { ProblemCode(), EnumCode(), TupleCode(), LedgerCode(), ListingCode() })
            {
                foreach (Match match in pattern.Matches(text))
                {
                    found.Add(match.Groups["code"].Value);
                }
            }
        }
        Assert.True(found.Count >= 60, $"only {found.Count} codes found: the patterns no longer match the source");
        var missing = found.Where(c => !ErrorCatalogue.Codes.ContainsKey(c)).ToArray();
        Assert.True(missing.Length == 0, "codes without a meaning in ErrorCatalogue: " + string.Join(", ", missing));
    }

    private static string Normalize(string json) =>
        JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";

    private static string Excerpt(string text, int at) => text.Substring(Math.Max(0, at - 60), Math.Min(120, text.Length - Math.Max(0, at - 60)));

    // new ApiProblemException(status, "code", …) and Refuse(status, "code", …)
    [GeneratedRegex(@"(?:ApiProblemException|Refuse|WriteAsync)\([^;""]*?,\s*""(?<code>[a-z]+(?:_[a-z0-9]+)+)""")]
    private static partial Regex ProblemCode();

    // ParseEnum<T>(value, "code", "field")
    [GeneratedRegex(@"ParseEnum<\w+>\([^,]+,\s*""(?<code>[a-z]+(?:_[a-z0-9]+)+)""")]
    private static partial Regex EnumCode();

    // (status, "code", detail) tuples of the error middleware
    [GeneratedRegex(@"\(\d{3}, ""(?<code>[a-z]+(?:_[a-z0-9]+)+)""")]
    private static partial Regex TupleCode();

    // LedgerError.X => "code"
    [GeneratedRegex(@"=> ""(?<code>[a-z]+(?:_[a-z0-9]+)+)""")]
    private static partial Regex LedgerCode();

    // Problem("code", …) of the listing parameters; ("code", "detail") pairs of the middleware's status switch
    [GeneratedRegex(@"(?:Problem|=> )\(""(?<code>[a-z]+(?:_[a-z0-9]+)+)""")]
    private static partial Regex ListingCode();
}
