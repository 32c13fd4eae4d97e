using Microsoft.Extensions.Logging;
using Sharemint.Assets;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Bridges;

/// <inheritdoc cref="IChainBridgeGrain"/>
[GrainType("sharemint.chain-bridge")]
public sealed class ChainBridgeGrain(
    [PersistentState("bridge", LedgerStorage.Name)] IPersistentState<ChainBridgeState> state,
    ILogger<ChainBridgeGrain> logger)
    : LedgerGrain<ChainBridgeState>(state, logger), IChainBridgeGrain
{
    private (string Symbol, string Chain) Key => DeploymentKey.Parse(this.GetPrimaryKeyString());

    private IAssetGrain Asset => GrainFactory.GetGrain<IAssetGrain>(Key.Symbol);

    public Task<DeploymentSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public async Task<DeploymentSnapshot> ConfigureAsync(DeploymentConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        _ = ChainAddress.FamilyOf(Key.Chain);
        if (config.Decimals is < 0 or > 36)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Token decimals must be 0-36 (got {config.Decimals}).");
        }
        if (string.IsNullOrWhiteSpace(config.TokenAddress))
        {
            throw new LedgerException(LedgerError.AddressInvalid, "Token address is required.");
        }
        var canonical = config with { TokenAddress = ChainAddress.Canonicalize(Key.Chain, config.TokenAddress) };
        if (State.Config == canonical)
        {
            return Snapshot();
        }
        if (State.Config is not null && !State.Minted.IsZero && State.Config != canonical)
        {
            throw new LedgerException(LedgerError.InvalidArgument,
                $"{this.GetPrimaryKeyString()} has minted tokens; its token address and decimals cannot change.");
        }
        State.Config = canonical;
        await CommitAsync();
        return Snapshot();
    }

    public async Task<DeploymentSnapshot> SetPausedAsync(OperationId operationId, bool paused)
    {
        RequireConfigured();
        var fingerprint = $"paused|{paused}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        State.Paused = paused;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<DeploymentSnapshot> RecordMintAsync(OperationId operationId, OperationId reservationId, CanonicalAmount amount)
    {
        var config = RequireConfigured();
        var fingerprint = $"mint|{reservationId}|{amount.Units}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return Snapshot();
        }
        LedgerValidation.RequirePositive(amount, "Mint amount");
        _ = amount.ToChainUnits(config.Decimals);
        RequireNotPaused();

        // Backing first: the asset turns the reservation into issued tokens (or refuses), and only then does supply grow.
        // A crash between the two leaves issued ahead of supply (backed, never unbacked); the retry settles idempotently.
        await Asset.SettleReservationAsync(reservationId, operationId, Key.Chain, amount);

        State.Supply += amount;
        State.Minted += amount;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();
        return Snapshot();
    }

    public async Task<DeploymentSnapshot> RecordBurnAsync(OperationId operationId, CanonicalAmount amount)
    {
        var config = RequireConfigured();
        var fingerprint = $"burn|{amount.Units}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            // The supply already fell; make sure the asset has released the backing too (a crash may have cut it short).
            await Asset.CompleteBurnAsync(operationId);
            return Snapshot();
        }
        LedgerValidation.RequirePositive(amount, "Burn amount");
        _ = amount.ToChainUnits(config.Decimals);
        RequireNotPaused();
        if (amount > State.Supply)
        {
            throw new LedgerException(LedgerError.InsufficientSupply, $"Cannot burn {amount}: supply on {Key.Chain} is {State.Supply}.");
        }

        await Asset.AuthorizeBurnAsync(operationId, Key.Chain, amount);

        State.Supply -= amount;
        State.Burned += amount;
        State.Applied.Record(operationId, fingerprint);
        await CommitAsync();

        await Asset.CompleteBurnAsync(operationId);
        return Snapshot();
    }

    private DeploymentConfig RequireConfigured() =>
        State.Config ?? throw new LedgerException(LedgerError.DeploymentNotFound, $"{this.GetPrimaryKeyString()} is not deployed.");

    private void RequireNotPaused()
    {
        if (State.Paused)
        {
            throw new LedgerException(LedgerError.ChainPaused, $"{this.GetPrimaryKeyString()} is paused: no mints or burns.");
        }
    }

    private DeploymentSnapshot Snapshot()
    {
        var config = RequireConfigured();
        return new DeploymentSnapshot(Key.Symbol, Key.Chain, config, State.Paused, State.Supply, State.Minted, State.Burned, StateVersion);
    }
}
