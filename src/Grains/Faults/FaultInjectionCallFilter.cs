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
                await context.Invoke();
                throw new TimeoutException($"fault injection: the reply of {method} to {grain} was lost");
            default:
                await context.Invoke();
                Environment.FailFast($"fault injection: stopping hard after {method} from {grain}, before its caller heard");
                return;
        }
    }
}
