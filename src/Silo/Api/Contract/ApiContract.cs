using System.Text;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Sharemint.Silo.Api.Contract;

/// <summary>
/// What the OpenAPI document states beyond the routes: the signing scheme, the Idempotency-Key header and its lifetime,
/// the Idempotent-Replayed answer header, paging and amounts, and every error code with its meaning. The document is
/// committed (docs/openapi/v1.json) and a test fails when it and the running API differ.
/// </summary>
public static class ApiContract
{
    public const string SignatureScheme = "sharemint-signature";

    private static readonly string[] RequiredKeyOperations = ["Mint", "Redeem", "Transfer"];

    /// <summary>Adds the contract's transformers.</summary>
    public static OpenApiOptions AddSharemintContract(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Sharemint API";
            document.Info.Version = "v1";
            document.Info.Description = Description();
            // The document is the same wherever it is served from, so that the committed copy can be compared exactly.
            document.Servers = [];
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SignatureScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "X-Sharemint-Signature",
                Description = SigningText,
            };
            return Task.CompletedTask;
        });
        options.AddSchemaTransformer((schema, context, _) =>
        {
            // The converters in ExactNumbers write these as strings; say so, with the text's shape.
            var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
            if (type == typeof(decimal) || type == typeof(long))
            {
                var nullable = type != context.JsonTypeInfo.Type;
                schema.Type = JsonSchemaType.String | (nullable ? JsonSchemaType.Null : 0);
                schema.Format = type == typeof(decimal) ? "decimal" : "int64";
                schema.Pattern = type == typeof(decimal) ? "^-?(?:0|[1-9]\\d*)(?:\\.\\d+)?$" : "^-?(?:0|[1-9]\\d*)$";
            }
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var path = context.Description.RelativePath ?? "";
            var method = context.Description.HttpMethod ?? "";
            var isPublic = path.StartsWith("v1/assets", StringComparison.Ordinal) || path.StartsWith("v1/reserves", StringComparison.Ordinal);
            if (!isPublic)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SignatureScheme, context.Document)] = [] });
            }
            if (string.Equals(method, "POST", StringComparison.OrdinalIgnoreCase) && !isPublic)
            {
                var required = RequiredKeyOperations.Contains(operation.OperationId, StringComparer.Ordinal);
                operation.Parameters ??= [];
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = ApiRoutes.IdempotencyHeader,
                    In = ParameterLocation.Header,
                    Required = required,
                    Description = required
                        ? "Required. Names this order for good: the order id derives from (partner, key). Keys never expire."
                        : "Optional. A retry with the same key is the same operation.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[A-Za-z0-9_:.-]{1,64}$" },
                });
                foreach (var (status, response) in operation.Responses ?? [])
                {
                    if (status.StartsWith('2') && response is OpenApiResponse concrete)
                    {
                        concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                        concrete.Headers[Partner.Idempotency.ReplayedHeader] = new OpenApiHeader
                        {
                            Description = "\"true\" when an earlier request with the same Idempotency-Key produced this answer.",
                            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                        };
                    }
                }
            }
            return Task.CompletedTask;
        });
        return options;
    }

    private const string SigningText =
        "Partner routes (/v1, except the public assets and reserves) and operator routes (/admin/v1) are signed. Headers: " +
        "X-Sharemint-Key (key id), X-Sharemint-Timestamp (Unix milliseconds, within the clock-skew window), X-Sharemint-Nonce " +
        "(16-64 random letters, digits, '-' or '_'; accepted once per key) and X-Sharemint-Signature = hex(HMAC-SHA256(secret, " +
        "timestamp \\n nonce \\n METHOD \\n path-and-query \\n Idempotency-Key or empty \\n hex(SHA-256(body)))).";

    private static string Description()
    {
        var text = new StringBuilder();
        text.Append(SigningText).Append("\n\n");
        text.Append("Idempotency: money-moving POSTs (mint, redeem, transfer) need an Idempotency-Key; quotes and other POSTs accept one. ")
            .Append("A key never expires: repeated with the same request it returns the recorded outcome with the header ")
            .Append("Idempotent-Replayed: true; with a different request it is refused with idempotency_conflict.\n\n");
        text.Append("Listings page by cursor: {data, has_more, next_cursor}; pass next_cursor as cursor for the next page. Filters ")
            .Append("(status, kind, symbol, chain, created_from inclusive, created_before exclusive, client_reference) combine with AND; ")
            .Append("an unknown filter is refused; limit is 1-500 (default 50); a cursor ")
            .Append("this listing did not issue is refused with cursor_invalid.\n\n");
        text.Append("Enum values are lower snake case in answers and queries (in_progress, mint_paused); bodies accept them ")
            .Append("case-insensitively, with or without '_'.\n\n");
        text.Append("Amounts: every decimal figure (token amounts, prices, cash, shares, multipliers, rates) and every 64-bit integer ")
            .Append("(canonical units, sequences) is answered as a JSON string, so no language loses a digit. Decimals are written in ")
            .Append("their shortest exact form: no exponent, no trailing zeros, no point without digits after it (\"1.5\", \"250\", ")
            .Append("\"0.00000001\"). Requests may send a string or, for now, a JSON number.\n\n");
        text.Append("Orders may carry clientReference, the partner's own id: echoed on the order and unique per partner.\n\n");
        text.Append("Webhooks (/v1/webhooks): each delivery is a POST of the event's JSON with headers Sharemint-Webhook-Id (the event ")
            .Append("id; deliveries are at least once, so deduplicate on it), Sharemint-Webhook-Timestamp (Unix seconds) and ")
            .Append("Sharemint-Webhook-Signature = 'v1=' + hex(HMAC-SHA256(endpoint secret, id + '.' + timestamp + '.' + body)), one ")
            .Append("space-separated v1= entry per valid secret during a rotation overlap. Answer 2xx to acknowledge; anything else is ")
            .Append("retried with exponential backoff and jitter for 72 hours. Events of one order arrive in order.\n\n");
        text.Append("Errors are application/problem+json with a stable `code`:\n\n| code | meaning |\n|---|---|\n");
        foreach (var (code, meaning) in ErrorCatalogue.Codes)
        {
            text.Append("| ").Append(code).Append(" | ").Append(meaning).Append(" |\n");
        }
        return text.ToString();
    }
}
