using Microsoft.Extensions.Logging;
using Sharemint.Errors;
using Sharemint.Orders;
using Sharemint.Signers;

namespace Sharemint.Bridges;

/// <summary>The deposit watcher of a deployment: final transfers into the redemption address become redemption orders.</summary>
public sealed partial class ChainBridgeGrain
{
    public async Task<DeploymentSnapshot> StartWatchingAsync()
    {
        RequireConfigured();
        if (!State.Watching)
        {
            State.Watching = true;
            await CommitAsync();
        }
        await this.RegisterOrUpdateReminder(WatchReminder, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        ArmWatch();
        return Snapshot();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // The reminder only keeps a watcher (and unfinished chain work) alive across restarts; timers do the work.
        if (State.Watching)
        {
            ArmWatch();
        }
        ArmWork();
        return Task.CompletedTask;
    }

    private void ArmWatch()
    {
        _watchTimer ??= this.RegisterGrainTimer(ScanDepositsAsync, new GrainTimerCreationOptions
        {
            DueTime = TimeSpan.Zero,
            Period = _options.DepositScanInterval,
            KeepAlive = false,
        });
    }

    /// <summary>
    /// One page of final deposits: each becomes its redemption order (the order id derives from the deposit id, so a
    /// re-scan lands on the same order). A placement the platform refuses parks the deposit for operators; one that keeps
    /// failing for <see cref="IChainBridgeGrain.MaxDepositAttempts"/> passes too. Either way the cursor then moves past it:
    /// no deposit can stop the watcher, and none is skipped without a record.
    /// </summary>
    private async Task ScanDepositsAsync(CancellationToken cancellationToken)
    {
        var config = State.Config;
        if (config is null || !State.Watching)
        {
            return;
        }
        DepositScan page;
        try
        {
            // Read through the chain's stateless readers: a scan never waits behind the signer's writes.
            page = await GrainFactory.GetGrain<IChainReaderGrain>(Key.Chain).ScanDepositsAsync(config.TokenAddress, config.Decimals, State.DepositCursor, 50);
        }
        catch (Exception error) when (error is LedgerException or TimeoutException or OrleansException)
        {
            logger.LogWarning(error, "Deposit scan of {Deployment} failed; retrying later", this.GetPrimaryKeyString());
            return;
        }
        var changed = false;
        foreach (var deposit in page.Deposits)
        {
            if (State.HeldDeposits.ContainsKey(deposit.DepositId))
            {
                continue;
            }
            var order = GrainFactory.GetGrain<IOrderGrain>(OrderIds.ForDeposit(Key.Chain, deposit.DepositId));
            try
            {
                await order.PlaceDepositRedemptionAsync(Key.Symbol, Key.Chain, deposit);
                changed |= State.DepositFailures != 0;
                State.DepositFailures = 0;
            }
            catch (LedgerException refused) when (refused.Error != LedgerError.ChainUnavailable)
            {
                Hold(deposit, $"{refused.Code}: {refused.Message}");
                changed = true;
            }
            catch (Exception error)
            {
                State.DepositFailures++;
                if (State.DepositFailures < IChainBridgeGrain.MaxDepositAttempts)
                {
                    // Stop the page here: the cursor stays before this deposit and the next pass asks again.
                    logger.LogWarning(error, "{Deployment}: deposit {Deposit} could not be placed (pass {Pass}); retrying",
                        this.GetPrimaryKeyString(), deposit.DepositId, State.DepositFailures);
                    await CommitAsync();
                    return;
                }
                Hold(deposit, $"placement failed on {State.DepositFailures} passes: {error.GetType().Name}: {error.Message}");
                changed = true;
            }
        }
        if (page.NextCursor != State.DepositCursor)
        {
            State.DepositCursor = page.NextCursor;
            State.DepositsSeen += page.Deposits.Count;
            changed = true;
        }
        if (changed)
        {
            await CommitAsync();
        }
    }

    private void Hold(TokenDeposit deposit, string reason)
    {
        State.HeldDeposits[deposit.DepositId] = new HeldDeposit(deposit, reason, clock.GetUtcNow());
        State.DepositFailures = 0;
        LedgerAlerts.DepositHeld(Key.Symbol, Key.Chain);
        logger.LogError("{Deployment}: deposit {Deposit} ({Amount} raw from {From}) is held for operators: {Reason}",
            this.GetPrimaryKeyString(), deposit.DepositId, deposit.RawAmount, deposit.FromAddress, reason);
    }
}
