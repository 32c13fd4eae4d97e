using Microsoft.AspNetCore.Http.HttpResults;

namespace Sharemint.Silo.Api.Problems;

/// <summary>
/// A request the API refuses for a reason of its own (authentication, limits, malformed input). Carries the HTTP status
/// and the stable <see cref="Code"/> written into the problem+json body.
/// </summary>
public sealed class ApiProblemException : Exception
{
    public ApiProblemException() { }

    public ApiProblemException(string message) : base(message) { }

    public ApiProblemException(string message, Exception innerException) : base(message, innerException) { }

    public ApiProblemException(int status, string code, string message) : base(message)
    {
        Status = status;
        Code = code;
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; } = StatusCodes.Status400BadRequest;

    /// <summary>The stable error code, e.g. <c>signature_invalid</c>.</summary>
    public string Code { get; } = "bad_request";
}

/// <summary>Builds the API's problem+json answers: RFC 9457 fields plus the stable <c>code</c>.</summary>
public static class ApiProblem
{
    /// <summary>A problem result with the stable code in the body.</summary>
    public static ProblemHttpResult Of(int status, string code, string detail) =>
        TypedResults.Problem(
            title: code.Replace('_', ' '),
            detail: detail,
            statusCode: status,
            type: $"https://sharemint.dev/errors/{code}",
            extensions: new Dictionary<string, object?> { ["code"] = code });

    /// <summary>Writes a problem to the response (for middleware, where no endpoint result runs).</summary>
    public static Task WriteAsync(HttpContext context, int status, string code, string detail) =>
        Of(status, code, detail).ExecuteAsync(context);
}
