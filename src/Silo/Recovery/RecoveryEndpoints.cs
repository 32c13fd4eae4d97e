using Microsoft.AspNetCore.Http.HttpResults;
using Sharemint.Silo.Api;

namespace Sharemint.Silo.Recovery;

/// <summary>
/// Operator routes of the recovery check (under <c>/admin/v1</c>, so signed with an operator key of the admin role):
/// <c>POST /admin/v1/recovery/check</c> pauses every asset and reports every difference between the ledger and the
/// chains; <c>POST /admin/v1/recovery/resume</c> restores the statuses the check paused. Nothing resumes on its own.
/// </summary>
public static class RecoveryEndpoints
{
    /// <summary>Maps the routes. Call once, with the other endpoint groups.</summary>
    public static IEndpointRouteBuilder MapSharemintRecovery(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/v1/recovery").WithTags("Recovery").ProducesCommonProblems();
        group.MapPost("/check", CheckAsync).WithName("RecoveryCheck");
        group.MapPost("/resume", ResumeAsync).WithName("RecoveryResume");
        return app;
    }

    private static async Task<Ok<RecoveryReport>> CheckAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ActivatorUtilities.CreateInstance<RecoveryCheck>(services).RunAsync(cancellationToken));

    private static async Task<Ok<RecoveryResumed>> ResumeAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        TypedResults.Ok(new RecoveryResumed(await ActivatorUtilities.CreateInstance<RecoveryCheck>(services).ResumeAsync(cancellationToken)));
}

/// <summary>The assets whose previous status was restored.</summary>
public sealed record RecoveryResumed(IReadOnlyList<string> ResumedAssets);
