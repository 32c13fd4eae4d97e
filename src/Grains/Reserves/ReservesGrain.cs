using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Ledger;
using Sharemint.Market;
using Sharemint.Signers;
using Sharemint.Signing;
using Sharemint.Units;

namespace Sharemint.Reserves;

/// <summary>The stored reconciliations of one asset.</summary>
[GenerateSerializer, Alias("sharemint.ReservesState")]
public sealed class ReservesState
{
    [Id(0)] public long Sequence { get; set; }
    [Id(1)] public SignedAttestation? Latest { get; set; }
    /// <summary>Newest first, capped at <see cref="ReservesOptions.HistoryKept"/>.</summary>
    [Id(2)] public List<ReserveReport> History { get; set; } = [];
}

/// <summary>How often reserves are reconciled (section <c>Sharemint:Reserves</c>).</summary>
public sealed class ReservesOptions
{
    public const string Section = "Sharemint:Reserves";

    /// <summary>Period of the automatic reconciliation (a durable reminder; at least one minute).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Reports kept in the grain's history.</summary>
    public int HistoryKept { get; set; } = 100;
}

/// <inheritdoc cref="IReservesGrain"/>
[GrainType("sharemint.reserves")]
public sealed class ReservesGrain(
    [PersistentState("reserves", LedgerStorage.Name)] IPersistentState<ReservesState> state,
    IBroker broker,
    IssuerSigningKeys keys,
    IOptions<ReservesOptions> options,
    TimeProvider clock,
    ILogger<ReservesGrain> logger)
    : Grain, IReservesGrain, IRemindable
{
    private const string ReconcileReminder = "reconcile";

    /// <summary>The attestation payload's JSON shape: camelCase, enums as strings, amounts as canonical unit integers.</summary>
    public static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private const decimal MultiplierOne = 1_000_000_000_000_000_000m;

    private string Symbol => this.GetPrimaryKeyString();

    public async Task<SignedAttestation> ReconcileAsync()
    {
        var asset = await GrainFactory.GetGrain<IAssetGrain>(Symbol).GetAsync();
        var position = await broker.GetPositionAsync(asset.Definition.UnderlyingTicker);
        var deployments = new List<DeploymentReserve>();
        var onChainTotal = CanonicalAmount.Zero;
        foreach (var deployment in (await GrainFactory.GetGrain<ICatalogGrain>(0).ListDeploymentsAsync()).Where(d => d.Symbol == Symbol))
        {
            var ledger = await GrainFactory.GetGrain<IChainBridgeGrain>(DeploymentKey.For(Symbol, deployment.Chain)).GetAsync();
            var chain = await GrainFactory.GetGrain<IChainSignerGrain>(deployment.Chain).GetSupplyAsync(ledger.Config.TokenAddress, ledger.Config.Decimals);
            onChainTotal += chain.Canonical;
            // Dust on-chain cannot come from the platform (it mints whole canonical units): count it as drift of one unit.
            var drift = chain.Canonical.Units - ledger.Supply.Units + (chain.HasDust ? 1 : 0);
            var multiplier = await GrainFactory.GetGrain<IChainReaderGrain>(deployment.Chain).GetMultiplierAsync(ledger.Config.TokenAddress);
            var onChainMultiplier = Multiplier.From(decimal.Parse(multiplier.InForceAt(clock.GetUtcNow().ToUnixTimeSeconds()), System.Globalization.CultureInfo.InvariantCulture) / MultiplierOne);
            // The chain's multiplier in force must be the ledger's. While a corporate action's window is open the chains
            // switch at their effective time and the ledger a moment later: the action checks every chain itself then.
            var multiplierDrift = onChainMultiplier != asset.Multiplier && asset.CorporateActionWindow is null;
            deployments.Add(new DeploymentReserve(deployment.Chain, ledger.Config.TokenAddress, ledger.Supply, chain.Canonical,
                chain.RawUnits, drift, chain.AtHeight, onChainMultiplier.ToString(), multiplierDrift));
        }
        var required = asset.Multiplier.SharesToBack(onChainTotal + asset.InTransit);
        var ratio = required == 0m ? 1m : Math.Round(position.Shares / required, 6, MidpointRounding.ToZero);
        var balanced = deployments.All(d => d.DriftUnits == 0 && !d.MultiplierDrift) && position.Shares == asset.CustodyShares && ratio >= 1m;

        var report = new ReserveReport(Symbol, asset.Definition.UnderlyingTicker, state.State.Sequence + 1, clock.GetUtcNow(),
            asset.Multiplier, position.Shares, asset.CustodyShares, asset.ReservedShares, asset.Issued, asset.InTransit, onChainTotal,
            required, ratio, deployments, balanced);
        var payload = JsonSerializer.Serialize(report, PayloadJson);
        var attestation = new SignedAttestation(payload, keys.SignAttestation(Encoding.UTF8.GetBytes(payload)), keys.AttestationPublicKey,
            "ed25519", report);

        state.State.Sequence = report.Sequence;
        state.State.Latest = attestation;
        state.State.History.Insert(0, report);
        if (state.State.History.Count > options.Value.HistoryKept)
        {
            state.State.History.RemoveRange(options.Value.HistoryKept, state.State.History.Count - options.Value.HistoryKept);
        }
        await state.WriteStateAsync();
        if (!balanced)
        {
            logger.LogWarning("Reserves of {Symbol} are not balanced: ratio {Ratio}, drift {Drift}", Symbol, ratio,
                string.Join(", ", deployments.Select(d => $"{d.Chain}={d.DriftUnits}{(d.MultiplierDrift ? $" multiplier {d.OnChainMultiplier} vs ledger {asset.Multiplier}" : "")}")));
        }
        await this.RegisterOrUpdateReminder(ReconcileReminder, options.Value.Interval, options.Value.Interval);
        return attestation;
    }

    public Task<SignedAttestation?> GetLatestAsync() => Task.FromResult(state.State.Latest);

    public Task<IReadOnlyList<ReserveReport>> GetHistoryAsync(int limit) =>
        Task.FromResult<IReadOnlyList<ReserveReport>>(state.State.History.Take(Math.Clamp(limit, 1, options.Value.HistoryKept)).ToList());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        try
        {
            await ReconcileAsync();
        }
        catch (Exception error) when (error is Errors.LedgerException or TimeoutException)
        {
            logger.LogWarning(error, "Scheduled reconciliation of {Symbol} failed", Symbol);
        }
    }
}
