using System.Text.Json;
using Sharemint.Errors;

namespace Sharemint.Silo.Api.Problems;

/// <summary>
/// Turns every failure under the API prefixes into problem+json with a stable <c>code</c>: refused ledger operations
/// (their own code and status), the API's own refusals, malformed bodies and parameters, bare status codes from routing
/// (404, 405), and unexpected exceptions (500, logged here, never a stack trace to the client).
/// </summary>
public sealed class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!ApiRoutes.IsApiPath(context.Request.Path) && !context.Request.Path.StartsWithSegments("/openapi"))
        {
            await next(context);
            return;
        }
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var (status, code, detail) = Classify(ex);
            if (status >= 500)
            {
                logger.LogError(ex, "API request {Method} {Path} failed", context.Request.Method, context.Request.Path);
            }
            // Keep headers a refusal set on purpose (Retry-After on 429 and 503); drop anything else a half-run endpoint wrote.
            var retryAfter = context.Response.Headers.RetryAfter;
            context.Response.Clear();
            if (status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }
            await ApiProblem.WriteAsync(context, status, code, detail);
            return;
        }
        if (context.Response is { HasStarted: false, StatusCode: >= 400 } response && response.ContentType is null && response.ContentLength is null or 0)
        {
            var (code, detail) = response.StatusCode switch
            {
                404 => ("not_found", "No such route."),
                405 => ("method_not_allowed", "This route does not accept that method."),
                415 => ("unsupported_media_type", "Send JSON (Content-Type: application/json)."),
                _ => ("http_" + response.StatusCode, "The request failed."),
            };
            await ApiProblem.WriteAsync(context, response.StatusCode, code, detail);
        }
    }

    /// <summary>HTTP status, stable code and client-safe detail for an exception.</summary>
    public static (int Status, string Code, string Detail) Classify(Exception exception) => exception switch
    {
        LedgerException ledger => (LedgerProblems.StatusFor(ledger.Error), ledger.Code, ledger.Message),
        ApiProblemException api => (api.Status, api.Code, api.Message),
        BadHttpRequestException bad when bad.InnerException is JsonException json => ClassifyJson(json),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status415UnsupportedMediaType =>
            (415, "unsupported_media_type", "Send JSON (Content-Type: application/json)."),
        BadHttpRequestException bad when bad.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            (413, "payload_too_large", "The request body is too large."),
        BadHttpRequestException bad when bad.Message.Contains("body", StringComparison.OrdinalIgnoreCase) =>
            (400, "body_required", "This route needs a JSON body."),
        BadHttpRequestException bad => (400, "parameter_invalid", bad.Message),
        // Defence in depth behind the API's own range checks: arithmetic on a value too large to compute is the
        // request's fault, refused before any state changed (every ledger step validates before it writes).
        OverflowException => (400, "amount_out_of_range", "A number in the request is too large to compute with."),
        _ => (500, "internal_error", "The server failed to handle the request; it has been logged."),
    };

    private static (int, string, string) ClassifyJson(JsonException json)
    {
        var where = json.Path is { Length: > 0 } p ? $" at {p}" : "";
        if (json.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return (400, "unknown_field", $"The body has a field this route does not know{where}.");
        }
        if (json.InnerException is FormatException or OverflowException)
        {
            return (400, "number_out_of_range", $"A number in the body is not a decimal number in range (a JSON number or a string such as \"1.5\"){where}.");
        }
        if (json.Message.Contains("missing required", StringComparison.Ordinal) || json.Message.Contains("allow null", StringComparison.Ordinal)
            || json.Message.Contains("allow setting null", StringComparison.Ordinal))
        {
            return (400, "field_required", $"A required field is missing or null{where}.");
        }
        return (400, "malformed_json", $"The body is not valid JSON for this route{where}.");
    }
}

/// <summary>The HTTP status for each refused ledger operation.</summary>
public static class LedgerProblems
{
    public static int StatusFor(LedgerError error) => error switch
    {
        LedgerError.AssetNotFound or LedgerError.AccountNotFound or LedgerError.DeploymentNotFound or LedgerError.ReservationNotFound
            or LedgerError.QuoteNotFound or LedgerError.OrderNotFound or LedgerError.CorporateActionNotFound => StatusCodes.Status404NotFound,
        LedgerError.IdempotencyConflict or LedgerError.AccountAlreadyExists or LedgerError.AssetAlreadyExists
            or LedgerError.QuoteAlreadyUsed or LedgerError.OrderNotCancellable or LedgerError.WalletHeldByAnotherAccount
            or LedgerError.CorporateActionConflict => StatusCodes.Status409Conflict,
        LedgerError.AddressSanctioned or LedgerError.JurisdictionNotEligible or LedgerError.KycNotApproved or LedgerError.WalletNotAllowListed
            or LedgerError.WalletNotProven => StatusCodes.Status403Forbidden,
        LedgerError.InvalidArgument or LedgerError.AddressInvalid or LedgerError.InvalidAmount or LedgerError.AmountOverflow
            or LedgerError.WalletProofInvalid => StatusCodes.Status400BadRequest,
        LedgerError.RateLimited => StatusCodes.Status429TooManyRequests,
        LedgerError.ChainUnavailable or LedgerError.PriceUnavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status422UnprocessableEntity,
    };
}
