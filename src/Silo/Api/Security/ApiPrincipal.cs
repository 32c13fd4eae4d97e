using System.Reflection;
using Sharemint.Silo.Api.Problems;

namespace Sharemint.Silo.Api.Security;

/// <summary>Whose key signed a request: a partner's (bound to one account) or an operator's (with a role).</summary>
public enum ApiKeyKind
{
    Partner = 1,
    Operator,
}

/// <summary>Operator roles, each including the ones before it: viewers read, operators act, admins manage operator keys.</summary>
public enum OperatorRole
{
    Viewer = 1,
    Operator,
    Admin,
}

/// <summary>The authenticated caller of a request, set by <see cref="SignatureMiddleware"/> after the signature checked out.</summary>
public sealed record ApiPrincipal(string KeyId, ApiKeyKind Kind, string? AccountId, OperatorRole? Role, ApiScope Scopes = ApiScope.All)
{
    internal const string ItemKey = "sharemint.api.principal";

    /// <summary>The partner's account id; only partner keys reach partner routes, so this never fails there.</summary>
    public string PartnerAccountId => AccountId ?? throw new ApiProblemException(StatusCodes.Status403Forbidden, "partner_key_required", "This route needs a partner key.");

    /// <summary>Minimal API binding: the principal the middleware authenticated (401 if the route was reached without one).</summary>
    public static ValueTask<ApiPrincipal?> BindAsync(HttpContext context, ParameterInfo parameter) =>
        ValueTask.FromResult<ApiPrincipal?>(context.Items.TryGetValue(ItemKey, out var value) && value is ApiPrincipal principal
            ? principal
            : throw new ApiProblemException(StatusCodes.Status401Unauthorized, "signature_missing", "This route needs a signed request."));
}

/// <summary>Who may call an endpoint. Endpoints under the API prefixes without it are treated as the strictest kind.</summary>
public sealed record ApiAccess(ApiKeyKind? Kind, OperatorRole MinimumRole)
{
    /// <summary>No key needed (a signature, when sent, is still verified).</summary>
    public static ApiAccess Public { get; } = new(null, OperatorRole.Viewer);

    /// <summary>Partner keys only.</summary>
    public static ApiAccess Partner { get; } = new(ApiKeyKind.Partner, OperatorRole.Viewer);

    /// <summary>Operator keys with at least <paramref name="role"/>.</summary>
    public static ApiAccess Operator(OperatorRole role) => new(ApiKeyKind.Operator, role);
}

/// <summary>The scopes a partner key needs for an endpoint (all of them).</summary>
public sealed record ApiScopeRequirement(ApiScope Scopes);

/// <summary>Marks endpoints with who may call them.</summary>
public static class ApiAccessConventions
{
    public static TBuilder AllowPublic<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ApiAccess.Public);

    public static TBuilder RequirePartnerKey<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ApiAccess.Partner);

    /// <summary>Partner keys need <paramref name="scopes"/> for this endpoint.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, ApiScope scopes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiScopeRequirement(scopes));

    public static TBuilder RequireOperatorRole<TBuilder>(this TBuilder builder, OperatorRole role) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ApiAccess.Operator(role));
}
