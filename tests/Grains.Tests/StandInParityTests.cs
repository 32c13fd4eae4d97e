using Microsoft.Extensions.Logging.Abstractions;
using Sharemint.Bridges;
using Sharemint.Errors;
using Sharemint.Orders;
using Sharemint.Saga.Tests;
using Sharemint.Saga.Tests.StandIns;
using Sharemint.Units;

namespace Sharemint.Grains.Tests;

/// <summary>
/// The saga stand-ins (tests/Saga.Tests) claim the real grains' apply-once semantics. Here one scenario runs on the real
/// saga engine twice: against the real asset, account and bridge grains (PostgreSQL storage, in-process silo) and
/// against the stand-ins, and the outcomes are compared: each order's placement answer, status, failure code and step
/// names, the partner's cash, the asset's custody, reservations and issued, and each deployment's supply. The scenario
/// stays off the chains (no signer here): refusals, waits, a cancel, a pause.
/// </summary>
[Collection(LedgerClusterCollection.Name)]
public sealed class StandInParityTests(LedgerClusterFixture fixture)
{
    private sealed record Outcome(string Order, string Placement, string Status, string? FailureCode, string Steps);

    private sealed record Ledger(decimal Cash, decimal Held, decimal Custody, decimal Reserved, long Issued, long EthereumSupply, long SolanaSupply);

    /// <summary>What one side offers the scenario: place, drive, cancel, pause, limit, and a final read.</summary>
    private interface ISide
    {
        Task<string> RedeemAsync(string orderId, string chain, decimal tokens);
        Task<string> MoveAsync(string orderId, string fromChain, string toChain, decimal tokens);
        Task AdvanceAsync(string orderId);
        Task<string> CancelAsync(string orderId);
        Task PauseAsync(string chain);
        Task LimitOutboundAsync(string chain, decimal tokens);
        Task<Outcome> OutcomeAsync(string orderId, string placement);
        Task<Ledger> LedgerAsync();
    }

    [Fact]
    public async Task One_scenario_gives_the_same_outcomes_on_the_stand_ins_and_on_the_real_grains()
    {
        var real = await RealSide.CreateAsync(fixture.Grains);
        var standIns = StandInSide.Create();
        var expected = await RunAsync(standIns);
        var actual = await RunAsync(real);
        Assert.Equal(expected.Outcomes, actual.Outcomes);
        Assert.Equal(expected.Ledger, actual.Ledger);
        // The scenario reaches each kind of end: a refusal at placement, failures and a cancel.
        Assert.Contains(expected.Outcomes, o => o.Placement == "chain_paused");
        Assert.Contains(expected.Outcomes, o => o.Status == nameof(OrderStatus.Failed) && o.FailureCode == "insufficient_supply");
        Assert.Contains(expected.Outcomes, o => o.Status == nameof(OrderStatus.Failed) && o.FailureCode == "rate_limited");
        Assert.Contains(expected.Outcomes, o => o.Status == nameof(OrderStatus.Cancelled));
    }

    [Fact]
    public async Task A_hold_released_before_it_was_made_is_refused_alike_by_the_account_stand_in_and_the_real_account()
    {
        var accountId = $"parity-hold-{Guid.NewGuid():N}"[..24];
        var real = await LedgerSetup.ApprovedPartnerAsync(fixture.Grains, accountId, 1_000m);
        var standIn = new SagaWorld(NoFaults.Instance).AddPartner(accountId, 1_000m);
        var expected = await HoldRulesAsync(standIn, SagaWorld.WalletOf("solana", accountId), accountId);
        var actual = await HoldRulesAsync(real, LedgerSetup.SolanaWalletOf(accountId), accountId);
        Assert.Equal(expected, actual);
        Assert.Contains("late hold: idempotency_conflict, cash 1000, held 0", expected);
    }

    /// <summary>Each hold rule as one line: the call, its answer, and the cash and held after it.</summary>
    private static async Task<List<string>> HoldRulesAsync(Accounts.IHolderAccountGrain account, string wallet, string orderPrefix)
    {
        var payment = new Accounts.MintPayment("TSLAx", "solana", wallet, 50m);
        var lines = new List<string>();
        async Task CallAsync(string name, Func<Task> call)
        {
            string answer;
            try
            {
                await call();
                answer = "ok";
            }
            catch (LedgerException error)
            {
                answer = error.Code;
            }
            var now = await account.GetAsync();
            lines.Add($"{name}: {answer}, cash {now.CashBalance}, held {now.CashHeld}");
        }
        // Released before it was made (the release overtook the hold): closed, so the late hold is refused.
        var unheld = Operations.OperationId.From($"{orderPrefix}-a/hold");
        await CallAsync("early release", () => account.ReleaseHoldAsync(unheld));
        await CallAsync("early release again", () => account.ReleaseHoldAsync(unheld));
        await CallAsync("late hold", () => account.HoldCashForMintAsync(unheld, payment));
        await CallAsync("capture after early release", () => account.CaptureHoldAsync(unheld));
        // Held, then released: a repeat of the hold answers without holding again; a capture is refused.
        var released = Operations.OperationId.From($"{orderPrefix}-b/hold");
        await CallAsync("hold", () => account.HoldCashForMintAsync(released, payment));
        await CallAsync("release", () => account.ReleaseHoldAsync(released));
        await CallAsync("hold repeated", () => account.HoldCashForMintAsync(released, payment));
        await CallAsync("capture after release", () => account.CaptureHoldAsync(released));
        // Held, then captured: a release is refused; a capture of a hold never made is an invalid argument.
        var captured = Operations.OperationId.From($"{orderPrefix}-c/hold");
        await CallAsync("hold to capture", () => account.HoldCashForMintAsync(captured, payment));
        await CallAsync("capture", () => account.CaptureHoldAsync(captured));
        await CallAsync("release after capture", () => account.ReleaseHoldAsync(captured));
        await CallAsync("capture never held", () => account.CaptureHoldAsync(Operations.OperationId.From($"{orderPrefix}-d/hold")));
        return lines;
    }

    private static async Task<(List<Outcome> Outcomes, Ledger Ledger)> RunAsync(ISide side)
    {
        var outcomes = new List<Outcome>();
        // A redemption above the deployment's supply: the bridge refuses the burn, the order fails, nothing moves.
        var placed = await side.RedeemAsync("r1", "ethereum", 8m);
        await side.AdvanceAsync("r1");
        outcomes.Add(await side.OutcomeAsync("r1", placed));
        // A move larger than the outbound bucket can never pass: refused by the bridge, the order fails, nothing is held.
        await side.LimitOutboundAsync("ethereum", 1m);
        placed = await side.MoveAsync("t1", "ethereum", "solana", 2m);
        await side.AdvanceAsync("t1");
        outcomes.Add(await side.OutcomeAsync("t1", placed));
        // A redemption cancelled before its burn is requested ends cancelled; a second cancel answers the same.
        placed = await side.RedeemAsync("r3", "ethereum", 1m);
        outcomes.Add(await side.OutcomeAsync("r3", await side.CancelAsync("r3")));
        outcomes.Add(await side.OutcomeAsync("r3", await side.CancelAsync("r3")));
        // A redemption on a paused deployment is refused at placement; the order never exists.
        await side.PauseAsync("solana");
        outcomes.Add(await side.OutcomeAsync("r2", await side.RedeemAsync("r2", "solana", 1m)));
        return (outcomes, await side.LedgerAsync());
    }

    private static string Steps(OrderState state) => string.Join(",", state.Steps.Select(s => s.Name));

    private sealed class StandInSide(SagaHarness harness) : ISide
    {
        public static StandInSide Create()
        {
            var harness = new SagaHarness(NoFaults.Instance);
            harness.World.AddPartner("p1", 1_000m);
            // Seeding adds the backing of the seeded tokens: 10 shares in all, as on the real side.
            harness.World.Asset.Custody = 5m;
            harness.Seed("p1", "ethereum", 5m);
            return new StandInSide(harness);
        }

        public Task<string> RedeemAsync(string orderId, string chain, decimal tokens) => harness.PlaceRedeemAsync(orderId, "p1", chain, tokens);
        public Task<string> MoveAsync(string orderId, string fromChain, string toChain, decimal tokens) => harness.PlaceTransferAsync(orderId, "p1", fromChain, toChain, tokens);
        public Task AdvanceAsync(string orderId) => harness.CallAsync(orderId, e => e.AdvanceAsync());
        public Task<string> CancelAsync(string orderId) => harness.CancelAsync(orderId);

        public Task PauseAsync(string chain)
        {
            harness.World.Bridges[chain].Paused = true;
            return Task.CompletedTask;
        }

        public Task LimitOutboundAsync(string chain, decimal tokens)
        {
            harness.World.Bridges[chain].OutboundAvailable = CanonicalAmount.FromTokens(tokens);
            harness.World.Bridges[chain].OutboundCapacity = CanonicalAmount.FromTokens(tokens);
            return Task.CompletedTask;
        }

        public Task<Outcome> OutcomeAsync(string orderId, string placement) => Task.FromResult(harness.Stored(orderId) is { } s
            ? new Outcome(orderId, placement, s.Status.ToString(), s.FailureCode, Steps(s))
            : new Outcome(orderId, placement, "none", null, ""));

        public Task<Ledger> LedgerAsync()
        {
            var w = harness.World;
            var account = w.Accounts["p1"];
            return Task.FromResult(new Ledger(account.Cash, account.Held, w.Asset.Custody, w.Asset.Reserved, w.Asset.Issued.Units,
                w.Bridges["ethereum"].Supply.Units, w.Bridges["solana"].Supply.Units));
        }
    }

    private sealed class RealSide(IGrainFactory grains, string symbol, string accountId) : ISide
    {
        private readonly SagaWorld _scratch = new(NoFaults.Instance);
        private readonly Dictionary<string, OrderHost> _hosts = [];

        public static async Task<RealSide> CreateAsync(IGrainFactory grains)
        {
            var suffix = Guid.NewGuid().ToString("N")[..8];
            var symbol = $"PAR{suffix}x";
            var accountId = $"parity-{suffix}";
            await LedgerSetup.AssetWithCustodyAsync(grains, symbol, 10m);
            await LedgerSetup.ApprovedPartnerAsync(grains, accountId, 1_000m);
            await LedgerSetup.MintAsync(grains, symbol, "ethereum", CanonicalAmount.FromTokens(5m));
            return new RealSide(grains, symbol, accountId);
        }

        private OrderHost Host(string orderId) => _hosts.TryGetValue(orderId, out var h) ? h
            : _hosts[orderId] = new OrderHost(_scratch, $"{accountId}-{orderId}", new Incarnation(1), new OrderOptions(), new GrainOrderPeers(grains));

        private static string Wallet(string chain, string accountId) => chain == "solana" ? LedgerSetup.SolanaWalletOf(accountId) : LedgerSetup.EvmWalletOf(accountId);

        private static async Task<string> AnswerAsync(Func<Task> call)
        {
            try
            {
                await call();
                return "ok";
            }
            catch (LedgerException error)
            {
                return error.Code;
            }
        }

        private Task<string> RunAsync(string orderId, Func<OrderSagaEngine, Task> call) =>
            AnswerAsync(() => Host(orderId).RunAsync(async e =>
            {
                await call(e);
                return true;
            }));

        public Task<string> RedeemAsync(string orderId, string chain, decimal tokens) => RunAsync(orderId, e => e.PlaceRedeemAsync(
            new RedeemOrderRequest(accountId, symbol, chain, Wallet(chain, accountId), CanonicalAmount.FromTokens(tokens), null)));

        public Task<string> MoveAsync(string orderId, string fromChain, string toChain, decimal tokens) => RunAsync(orderId, e => e.PlaceTransferAsync(
            new TransferOrderRequest(accountId, symbol, fromChain, Wallet(fromChain, accountId), toChain, Wallet(toChain, accountId), CanonicalAmount.FromTokens(tokens))));

        public Task AdvanceAsync(string orderId) => RunAsync(orderId, e => e.AdvanceAsync());

        public Task<string> CancelAsync(string orderId) => RunAsync(orderId, e => e.CancelAsync());

        public Task PauseAsync(string chain) => grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain)).SetPausedAsync(LedgerSetup.Op("pause"), true);

        public Task LimitOutboundAsync(string chain, decimal tokens) => grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain))
            .SetRateLimitsAsync(LedgerSetup.Op("limits"), new RateLimit(CanonicalAmount.FromTokens(tokens), CanonicalAmount.Zero, CanonicalAmount.FromTokens(tokens)), null);

        public Task<Outcome> OutcomeAsync(string orderId, string placement)
        {
            var state = Host(orderId).Store;
            return Task.FromResult(state.RecordExists
                ? new Outcome(orderId, placement, state.State.Status.ToString(), state.State.FailureCode, Steps(state.State))
                : new Outcome(orderId, placement, "none", null, ""));
        }

        public async Task<Ledger> LedgerAsync()
        {
            var account = await grains.GetGrain<Accounts.IHolderAccountGrain>(accountId).GetAsync();
            var asset = await grains.GetGrain<Assets.IAssetGrain>(symbol).GetAsync();
            var ethereum = await grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, "ethereum")).GetAsync();
            var solana = await grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, "solana")).GetAsync();
            return new Ledger(account.CashBalance, account.CashHeld, asset.CustodyShares, asset.ReservedShares, asset.Issued.Units, ethereum.Supply.Units, solana.Supply.Units);
        }
    }
}
