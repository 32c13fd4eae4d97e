using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sharemint.Client.Http;

namespace Sharemint.Api.Tests;

/// <summary>One operation of the OpenAPI document: method, path template, parameters and the request body's schema.</summary>
internal sealed record FuzzOperation(string Method, string Template, IReadOnlyList<(string Name, string In, string Type)> Parameters, JsonObject? BodySchema, IReadOnlyList<string> Required)
{
    public string Route => $"{Method} {Template}";

    public bool IsAdmin => Template.StartsWith("/admin/", StringComparison.Ordinal);

    public bool IsPublic => Template.StartsWith("/v1/assets", StringComparison.Ordinal) || Template.StartsWith("/v1/reserves", StringComparison.Ordinal);
}

/// <summary>A request the fuzzer sends: what it is, and the bytes and headers to send.</summary>
internal sealed record FuzzCase(FuzzOperation Operation, string Kind, HttpRequestMessage Request, FuzzCase? ReplayOf = null);

/// <summary>
/// A generator of hostile requests driven by the OpenAPI document itself, so a new route is fuzzed without anyone
/// remembering to. Every request it builds is meant to be refused: bodies aim at targets that do not exist or carry at
/// least one invalid element, and authentication cases are broken on purpose; so any state change is a defect.
/// </summary>
internal sealed partial class ApiFuzzer(string adminKey, string adminSecret, string partnerKey, string partnerSecret, string viewerKey, string viewerSecret, Random random)
{
    private static readonly string[] HostileStrings =
    [
        "", " ", "\u0000", "a\u0000b", "\u202eevil", "😀💥", "\ud83d", "../../../etc/passwd", "%00", "' OR 1=1 --", "<script>x</script>",
        new string('x', 3000), "\t\r\n", "0x", "-1", "NaN", "null", "ＦＵＺＺ", "\u200b",
    ];

    private static readonly string[] HostileNumbers =
    [
        "-1", "-1e30", "1e30", "1e400", "-1e400", "79228162514264337593543950336", "-79228162514264337593543950336", "1e-30", "-0.000000001", "-0.5",
    ];

    /// <summary>The operations in the document, in document order.</summary>
    public static IReadOnlyList<FuzzOperation> Operations(JsonObject document)
    {
        var schemas = document["components"]?["schemas"]?.AsObject();
        var operations = new List<FuzzOperation>();
        foreach (var (template, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (method is not ("get" or "post" or "put" or "delete" or "patch"))
                {
                    continue;
                }
                var parameters = (operation!["parameters"]?.AsArray() ?? [])
                    .Select(p => (p!["name"]!.GetValue<string>(), p["in"]!.GetValue<string>(), TypeOf(p["schema"], schemas)))
                    .ToArray();
                JsonObject? body = null;
                IReadOnlyList<string> required = [];
                if (operation["requestBody"]?["content"]?["application/json"]?["schema"] is { } schema)
                {
                    body = Resolve(schema, schemas);
                    required = body?["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToArray() ?? [];
                }
                operations.Add(new FuzzOperation(method.ToUpperInvariant(), template, parameters, body, required));
            }
        }
        return operations;
    }

    /// <summary>Every hostile request for one operation.</summary>
    public IEnumerable<FuzzCase> Cases(FuzzOperation op)
    {
        var path = BasePath(op);
        var body = op.BodySchema is null ? null : BaseBody(op);
        var rightKey = op.IsAdmin ? (adminKey, adminSecret) : (partnerKey, partnerSecret);
        var signed = !op.IsPublic;
        FuzzCase Make(string kind, string target, string? json, (string Id, string Secret)? key, Action<HttpRequestMessage>? tweak = null, string? contentType = "application/json", string? idempotency = "fuzz-key")
        {
            var request = Build(op.Method, target, json, key, contentType, idempotency);
            tweak?.Invoke(request);
            return new FuzzCase(op, kind, request);
        }
        var key = signed ? rightKey : ((string, string)?)null;
        var validBody = body?.ToJsonString();

        // Authentication broken on purpose (on public routes a signature that is sent is still checked).
        yield return Make("unsigned", path, validBody, null);
        yield return Make("wrong-secret", path, validBody, (rightKey.Item1, "sk_not_the_secret"));
        yield return Make("unknown-key", path, validBody, ("pk_fuzz_" + random.Next(), "sk_whatever"));
        yield return Make("expired-timestamp", path, validBody, rightKey, r => Resign(r, validBody, rightKey, timestamp: DateTimeOffset.UtcNow.AddHours(-1)));
        yield return Make("future-timestamp", path, validBody, rightKey, r => Resign(r, validBody, rightKey, timestamp: DateTimeOffset.UtcNow.AddHours(1)));
        yield return Make("timestamp-not-a-number", path, validBody, rightKey, r => Replace(r, RequestSigner.TimestampHeader, "1e12"));
        yield return Make("missing-nonce", path, validBody, rightKey, r => r.Headers.Remove(RequestSigner.NonceHeader));
        yield return Make("short-nonce", path, validBody, rightKey, r => Resign(r, validBody, rightKey, nonce: "abc"));
        yield return Make("duplicated-key-header", path, validBody, rightKey, r => r.Headers.TryAddWithoutValidation(RequestSigner.KeyHeader, rightKey.Item1));
        yield return Make("duplicated-signature", path, validBody, rightKey, r => r.Headers.TryAddWithoutValidation(RequestSigner.SignatureHeader, new string('0', 64)));
        yield return Make("signature-not-hex", path, validBody, rightKey, r => Replace(r, RequestSigner.SignatureHeader, new string('z', 64)));
        yield return Make("signature-of-other-body", path, validBody, rightKey, r => Resign(r, (validBody ?? "") + " ", rightKey));
        if (op.IsAdmin)
        {
            yield return Make("partner-key-on-admin-route", path, validBody, (partnerKey, partnerSecret));
            if (op.Method != "GET")
            {
                yield return Make("viewer-key-on-operator-route", path, validBody, (viewerKey, viewerSecret));
            }
        }
        else if (signed)
        {
            yield return Make("operator-key-on-partner-route", path, validBody, (adminKey, adminSecret));
        }

        // Path parameters that name nothing, or are not names at all.
        foreach (var parameter in op.Parameters.Where(p => p.In == "path"))
        {
            foreach (var hostile in HostileStrings.Concat(["ord_" + new string('0', 26), "q_" + new string('f', 30), "NOPEx"]))
            {
                var target = op.Template;
                foreach (var other in op.Parameters.Where(p => p.In == "path"))
                {
                    target = target.Replace("{" + other.Name + "}", Uri.EscapeDataString(other.Name == parameter.Name ? hostile : BaseValue(other.Name, null)), StringComparison.Ordinal);
                }
                if (hostile.Length == 0)
                {
                    continue;
                }
                yield return Make($"path:{parameter.Name}", target, validBody, key);
            }
        }
        // Query parameters out of range or malformed (and repeated).
        foreach (var parameter in op.Parameters.Where(p => p.In == "query"))
        {
            foreach (var hostile in HostileStrings.Take(10).Concat(["-1", "0", "501", "99999999999999999999", "1.5"]))
            {
                yield return Make($"query:{parameter.Name}", $"{path}?{parameter.Name}={Uri.EscapeDataString(hostile)}", validBody, key);
            }
            yield return Make($"query:{parameter.Name}-repeated", $"{path}?{parameter.Name}=1&{parameter.Name}=2", validBody, key);
        }

        // Headers: wrong content type, malformed and repeated idempotency keys.
        if (validBody is not null)
        {
            yield return Make("content-type-text", path, validBody, key, contentType: "text/plain");
            yield return Make("no-content-type", path, validBody, key, contentType: null);
            yield return Make("bad-idempotency-key", path, validBody, key, idempotency: "bad key!");
            yield return Make("long-idempotency-key", path, validBody, key, idempotency: new string('k', 65));
            yield return Make("duplicated-idempotency-key", path, validBody, key, r => r.Headers.TryAddWithoutValidation(RequestSigner.IdempotencyHeader, "fuzz-key-2"));
        }

        // Bodies: malformed, wrong types, hostile numbers and strings, unknown, missing, null and duplicated fields, oversized.
        if (op.BodySchema is { } schema && body is not null)
        {
            foreach (var raw in new[] { "{", "not json", "[]", "null", "\"text\"", "{\"a\":", "{}{}", "\u0000", "{\"\u0000\":1}" })
            {
                yield return Make("malformed-json", path, raw, key);
            }
            if (op.Required.Count > 0)
            {
                yield return Make("empty-object", path, "{}", key);
            }
            var properties = schema["properties"]?.AsObject() ?? [];
            foreach (var (name, property) in properties)
            {
                var type = TypeOf(property, null);
                yield return Make($"wrong-type:{name}", path, With(body, name, type switch
                {
                    // Numeric strings are amounts now (accepted); a word is not.
                    "number" or "integer" => JsonValue.Create("twelve"),
                    "array" => new JsonObject(),
                    "boolean" => JsonValue.Create("yes"),
                    _ => JsonValue.Create(12345),
                }), key);
                if (type is "number" or "integer")
                {
                    foreach (var number in HostileNumbers)
                    {
                        yield return Make($"number:{name}", path, WithRaw(body, name, number), key);
                    }
                }
                else if (type == "string")
                {
                    foreach (var hostile in HostileStrings)
                    {
                        yield return Make($"string:{name}", path, With(body, name, JsonValue.Create(hostile)), key);
                    }
                }
                else if (type == "array")
                {
                    yield return Make($"array:{name}", path, With(body, name, new JsonArray(Enumerable.Range(0, 40).Select(i => (JsonNode?)JsonValue.Create("x" + i)).ToArray())), key);
                    yield return Make($"array-item:{name}", path, With(body, name, new JsonArray(JsonValue.Create("\u0000"), JsonValue.Create(1))), key);
                }
                if (op.Required.Contains(name))
                {
                    yield return Make($"null:{name}", path, With(body, name, null), key);
                    var without = body.DeepClone().AsObject();
                    without.Remove(name);
                    yield return Make($"missing:{name}", path, without.ToJsonString(), key);
                }
                var first = body.ToJsonString();
                yield return Make($"duplicated:{name}", path, first.Insert(1, $"\"{name}\":{(body[name] ?? JsonValue.Create(0))!.ToJsonString()},"), key);
            }
            var unknown = body.DeepClone().AsObject();
            unknown["fuzzUnknownField"] = 1;
            yield return Make("unknown-field", path, unknown.ToJsonString(), key);
            yield return Make("oversized", path, With(body, "padding", JsonValue.Create(new string('p', 20_000))), key);
            yield return Make("deeply-nested", path, new string('[', 5000) + new string(']', 5000), key);
        }
    }

    /// <summary>A request signed with a nonce, then sent again byte for byte: the second must be refused.</summary>
    public (HttpRequestMessage First, HttpRequestMessage Replay) ReplayPair(FuzzOperation op)
    {
        var path = BasePath(op);
        var json = op.BodySchema is null ? null : WithRaw(BaseBody(op), op.BodySchema["properties"]?.AsObject().Select(p => p.Key).FirstOrDefault() ?? "x", "-1");
        var key = op.IsAdmin ? (adminKey, adminSecret) : (partnerKey, partnerSecret);
        var first = Build(op.Method, path, json, key, "application/json", "fuzz-replay");
        var replay = Build(op.Method, path, json, null, "application/json", "fuzz-replay");
        foreach (var header in first.Headers.Where(h => h.Key.StartsWith("X-Sharemint-", StringComparison.Ordinal)))
        {
            replay.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }
        return (first, replay);
    }

    private string BasePath(FuzzOperation op)
    {
        var path = op.Template;
        foreach (var parameter in op.Parameters.Where(p => p.In == "path"))
        {
            path = path.Replace("{" + parameter.Name + "}", Uri.EscapeDataString(BaseValue(parameter.Name, null)), StringComparison.Ordinal);
        }
        return path;
    }

    /// <summary>
    /// A body shaped like the schema whose target does not exist or that is invalid in itself (an unknown role, an
    /// unknown chain for sanctions, a negative price...), so that no single mutation can turn it into a valid request.
    /// </summary>
    private JsonObject BaseBody(FuzzOperation op)
    {
        var body = new JsonObject();
        foreach (var (name, property) in op.BodySchema!["properties"]?.AsObject() ?? [])
        {
            var type = TypeOf(property, null);
            var value = BaseValue(name, op.Template);
            body[name] = type switch
            {
                // A number the table does not name is negative: invalid for every numeric field the API has.
                "number" or "integer" => JsonNode.Parse(value == "fuzz" ? "-1" : value),
                "array" => new JsonArray(JsonValue.Create(value)),
                "boolean" => JsonValue.Create(false),
                _ => JsonValue.Create(value),
            };
        }
        return body;
    }

    private static string BaseValue(string name, string? template) => name switch
    {
        "symbol" => "FUZZx",
        "ticker" => "FUZZ",
        "accountId" when template is not null => "FUZZ PARTNER",
        "accountId" => "fuzz-nobody",
        "keyId" => "pk_fuzz_nobody",
        "orderId" => "ord_" + new string('e', 26),
        "quoteId" => "q_fuzz_nobody",
        // Sanctions and allow-lists on an unknown chain; orders on a real one (their symbol or quote names nothing).
        "chain" when template is not null && (template.Contains("sanctions", StringComparison.Ordinal) || template.Contains("wallets", StringComparison.Ordinal)) => "dogechain",
        "chain" or "fromChain" => "ethereum",
        "toChain" => "base",
        "wallet" or "fromWallet" or "toWallet" or "address" => "0x00000000000000000000000000000000000000f0",
        "side" => "mint",
        "scope" => "all",
        "status" => "approved",
        "role" => "emperor",
        "scopes" => "read",
        "allowedIps" => "10.0.0.1",
        "signature" => "0x00",
        "price" => "-1",
        "overlapSeconds" => "-5",
        "amount" => "1",
        "feeRate" => "0.001",
        "maxOrderCash" or "maxDailyCash" => "10",
        "jurisdiction" => "DE",
        _ => "fuzz",
    };

    private HttpRequestMessage Build(string method, string target, string? json, (string Id, string Secret)? key, string? contentType, string? idempotency)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), target.TrimStart('/'));
        var bytes = json is null ? [] : Encoding.UTF8.GetBytes(json);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            if (contentType is not null)
            {
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            }
        }
        if (idempotency is not null && method != "GET")
        {
            request.Headers.TryAddWithoutValidation(RequestSigner.IdempotencyHeader, idempotency);
        }
        if (key is { } k)
        {
            Sign(request, bytes, k, DateTimeOffset.UtcNow, RequestSigner.NewNonce());
        }
        return request;
    }

    private static void Resign(HttpRequestMessage request, string? json, (string Id, string Secret) key, DateTimeOffset? timestamp = null, string? nonce = null) =>
        Sign(request, json is null ? [] : Encoding.UTF8.GetBytes(json), key, timestamp ?? DateTimeOffset.UtcNow, nonce ?? RequestSigner.NewNonce());

    private static void Sign(HttpRequestMessage request, byte[] body, (string Id, string Secret) key, DateTimeOffset at, string nonce)
    {
        var timestamp = at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var idempotency = request.Headers.TryGetValues(RequestSigner.IdempotencyHeader, out var values) ? string.Join(",", values) : "";
        foreach (var header in new[] { RequestSigner.KeyHeader, RequestSigner.TimestampHeader, RequestSigner.NonceHeader, RequestSigner.SignatureHeader })
        {
            request.Headers.Remove(header);
        }
        request.Headers.TryAddWithoutValidation(RequestSigner.KeyHeader, key.Id);
        request.Headers.TryAddWithoutValidation(RequestSigner.TimestampHeader, timestamp);
        request.Headers.TryAddWithoutValidation(RequestSigner.NonceHeader, nonce);
        request.Headers.TryAddWithoutValidation(RequestSigner.SignatureHeader,
            RequestSigner.Compute(key.Secret, timestamp, nonce, request.Method.Method, "/" + request.RequestUri!.OriginalString, idempotency, body));
    }

    private static void Replace(HttpRequestMessage request, string header, string value)
    {
        request.Headers.Remove(header);
        request.Headers.TryAddWithoutValidation(header, value);
    }

    private static string With(JsonObject body, string name, JsonNode? value)
    {
        var copy = body.DeepClone().AsObject();
        copy[name] = value;
        return copy.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
    }

    private static string WithRaw(JsonObject body, string name, string rawNumber)
    {
        var copy = body.DeepClone().AsObject();
        copy[name] = "__RAW__";
        return copy.ToJsonString().Replace("\"__RAW__\"", rawNumber, StringComparison.Ordinal);
    }

    private static JsonObject? Resolve(JsonNode? schema, JsonObject? schemas)
    {
        if (schema?["$ref"]?.GetValue<string>() is { } reference && schemas is not null)
        {
            return schemas[reference[(reference.LastIndexOf('/') + 1)..]]?.AsObject();
        }
        if ((schema?["anyOf"] ?? schema?["oneOf"]) is { } alternatives)
        {
            return alternatives.AsArray().Select(a => Resolve(a, schemas)).FirstOrDefault(a => a?["properties"] is not null);
        }
        return schema?.AsObject();
    }

    private static string TypeOf(JsonNode? schema, JsonObject? schemas)
    {
        var resolved = schema?["$ref"] is not null && schemas is not null ? Resolve(schema, schemas) : schema;
        // Exact numbers are documented as strings (how answers carry them) but requests still take JSON numbers: fuzz them as numbers.
        if (resolved?["format"] is JsonValue format && format.GetValue<string>() is "decimal" or "int64")
        {
            return "number";
        }
        return resolved?["type"] switch
        {
            JsonValue value => value.GetValue<string>(),
            JsonArray types => types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null") ?? "string",
            _ => resolved?["properties"] is not null ? "object" : "string",
        };
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    public static partial Regex CodePattern();
}

/// <summary>What a fuzz run saw: requests per route and every answer that broke a rule.</summary>
internal sealed class FuzzReport
{
    public ConcurrentDictionary<string, int> PerRoute { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<int, int> PerStatus { get; } = new();

    public ConcurrentQueue<string> Violations { get; } = new();

    public async Task CheckAsync(FuzzCase fuzz, HttpResponseMessage response)
    {
        PerRoute.AddOrUpdate(fuzz.Operation.Route, 1, (_, n) => n + 1);
        var status = (int)response.StatusCode;
        PerStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
        var body = await response.Content.ReadAsStringAsync();
        var where = $"{fuzz.Operation.Route} [{fuzz.Kind}] -> {status}";
        if (status >= 500)
        {
            Violations.Enqueue($"{where}: server error {Truncate(body)}");
            return;
        }
        if (status < 400)
        {
            // Only reads may succeed (a public route, or a fuzzed query that a read ignores); nothing that writes.
            if (fuzz.Operation.Method != "GET")
            {
                Violations.Enqueue($"{where}: a hostile write was accepted {Truncate(body)}");
            }
            return;
        }
        // Kestrel itself refuses a request target whose path decodes to a NUL character, before any application code
        // runs, with a bare 400: the one refusal that cannot carry a problem body.
        if (status == 400 && body.Length == 0 && fuzz.Request.RequestUri!.OriginalString.Contains("%00", StringComparison.Ordinal))
        {
            return;
        }
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            Violations.Enqueue($"{where}: not problem+json ({response.Content.Headers.ContentType}) {Truncate(body)}");
            return;
        }
        try
        {
            using var doc = JsonDocument.Parse(body);
            var code = doc.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
            if (code is null || !ApiFuzzer.CodePattern().IsMatch(code))
            {
                Violations.Enqueue($"{where}: no stable code {Truncate(body)}");
            }
            if (body.Contains(" at Sharemint.", StringComparison.Ordinal) || body.Contains("Exception", StringComparison.Ordinal))
            {
                Violations.Enqueue($"{where}: leaks internals {Truncate(body)}");
            }
        }
        catch (JsonException)
        {
            Violations.Enqueue($"{where}: problem body is not JSON {Truncate(body)}");
        }
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
