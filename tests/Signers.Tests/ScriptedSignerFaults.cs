using Sharemint.Bridges;

namespace Sharemint.Signers.Tests;

/// <summary>How a scripted fault breaks one bridge→signer call.</summary>
public enum SignerFaultMode
{
    /// <summary>(a) The call fails before delivery: the signer never sees it.</summary>
    FailBefore,
    /// <summary>(b) The signer acts and answers; the reply is lost (the bridge sees a timeout).</summary>
    LoseReply,
    /// <summary>(c) The signer acts; the bridge's process dies before it records anything (the test restarts the cluster).</summary>
    DieAfter,
}

/// <summary>
/// The test side of <see cref="ISignerCallFaults"/>: arm one fault for one deployment and call point, and it fires once
/// (the returned task completes when it did). Disarmed, every call passes.
/// </summary>
public sealed class ScriptedSignerFaults : ISignerCallFaults
{
    private readonly Lock _lock = new();
    private (string Deployment, SignerCallPoint Point, SignerFaultMode Mode, TaskCompletionSource Fired)? _armed;

    /// <summary>Arms one fault; the task completes once it fired.</summary>
    public Task Arm(string deployment, SignerCallPoint point, SignerFaultMode mode)
    {
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _armed = (deployment, point, mode, fired);
        }
        return fired.Task;
    }

    /// <summary>Drops an armed fault that has not fired.</summary>
    public void Disarm()
    {
        lock (_lock)
        {
            _armed = null;
        }
    }

    public ValueTask BeforeAsync(string deployment, SignerCallPoint point)
    {
        if (Take(deployment, point, before: true) is { } fired)
        {
            fired.TrySetResult();
            throw new TimeoutException($"injected: {point} on {deployment} failed before delivery");
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask AfterAsync(string deployment, SignerCallPoint point, ChainWriteStatus status)
    {
        // A lost reply or a death after a status check matters most when the check saw the write final: wait for that one.
        var decisive = point is SignerCallPoint.SubmitMint or SignerCallPoint.SubmitBurn || status.State != ChainWriteState.Pending;
        if (decisive && Take(deployment, point, before: false) is { } fired)
        {
            fired.TrySetResult();
            throw new TimeoutException($"injected: the reply of {point} on {deployment} ({status.State}) was lost");
        }
        return ValueTask.CompletedTask;
    }

    private TaskCompletionSource? Take(string deployment, SignerCallPoint point, bool before)
    {
        lock (_lock)
        {
            if (_armed is not { } armed || armed.Deployment != deployment || armed.Point != point
                || (armed.Mode == SignerFaultMode.FailBefore) != before)
            {
                return null;
            }
            _armed = null;
            return armed.Fired;
        }
    }
}
