using Microsoft.Extensions.Options;
using Sharemint.Errors;

namespace Sharemint.Faults;

/// <inheritdoc cref="IFaultInjectionGrain"/>
[GrainType("sharemint.faults")]
public sealed class FaultInjectionGrain(FaultPlan plan, IOptions<FaultInjectionOptions> options) : Grain, IFaultInjectionGrain
{
    public Task ArmAsync(FaultSpec fault)
    {
        RequireEnabled();
        plan.Arm(fault);
        return Task.CompletedTask;
    }

    public Task RecordAsync(string sourceKey)
    {
        RequireEnabled();
        plan.Record(sourceKey);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<FaultPoint>> GetCallsAsync(string sourceKey)
    {
        RequireEnabled();
        return Task.FromResult(plan.Calls(sourceKey));
    }

    public Task<string?> GetBoundSourceAsync(string pattern)
    {
        RequireEnabled();
        return Task.FromResult(plan.BoundSource(pattern));
    }

    public Task<IReadOnlyList<FaultSpec>> GetFiredAsync(string sourceKey)
    {
        RequireEnabled();
        return Task.FromResult(plan.Fired(sourceKey));
    }

    private void RequireEnabled()
    {
        if (!options.Value.Enabled)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "Fault injection is off in this silo (Sharemint:Faults:Enabled).");
        }
    }
}
