using Microsoft.Extensions.Logging;

namespace Sharemint.Faults;

/// <summary>
/// Applies the armed faults to the money-moving calls that orders and bridges make to other grains: the call is lost
/// before delivery, or runs and its reply is lost, or runs and the process stops before the caller hears of it.
/// </summary>
public sealed class FaultInjectionCallFilter(FaultPlan plan, ILogger<FaultInjectionCallFilter> logger) : IOutgoingGrainCallFilter
{
    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        var source = context.SourceId;
        if (source is not { } grain || context.TargetId.IsDefault)
        {
            await context.Invoke();
            return;
        }
        var method = $"{context.InterfaceMethod?.DeclaringType?.Name ?? context.InterfaceName}.{context.MethodName}";
        if (FaultPlan.IsRead(method) || plan.OnCall(grain.Key.ToString()!, method) is not { } mode)
        {
            await context.Invoke();
            return;
        }
        logger.LogWarning("Fault injection: {Mode} on {Method} from {Source}", mode, method, grain);
        switch (mode)
        {
            case FaultMode.FailBeforeDelivery:
                throw new SiloUnavailableException($"fault injection: {method} from {grain} was never delivered");
            case FaultMode.LoseReply:
                await InvokeIgnoringOutcomeAsync(context);
                throw new TimeoutException($"fault injection: the reply of {method} to {grain} was lost");
            default:
                await InvokeIgnoringOutcomeAsync(context);
                Environment.FailFast($"fault injection: stopping hard after {method} from {grain}, before its caller heard");
                return;
        }
    }

    /// <summary>The callee's answer, a result or a refusal, is what gets lost: the caller never hears either.</summary>
    private static async Task InvokeIgnoringOutcomeAsync(IOutgoingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            // Swallowed on purpose: the reply, whatever it was, is the thing this fault loses.
            _ = error;
        }
    }
}
