using Orleans.Storage;
using Sharemint.Errors;
using Sharemint.Orders;
using Sharemint.Saga.Tests.StandIns;
using Sharemint.Signers;
using Sharemint.Units;

namespace Sharemint.Saga.Tests;

/// <summary>
/// Runs orders on the real saga engine against the stand-ins: placements, timer ticks, wake-ups after a crash (the
/// reminder and the resumer), duplicate activations, the chains' work, pauses and sanctions. <see cref="Violations"/>
/// checks the platform's invariants over everything the world holds.
/// </summary>
public sealed class SagaHarness
{
    private readonly Dictionary<string, List<OrderHost>> _hosts = new(StringComparer.Ordinal);
    private readonly OrderOptions _options = new() { MintRetryDelay = TimeSpan.FromSeconds(5) };
    private int _incarnations;
    // Shares in custody before the first order, all held at the broker; orders move both sides by the fills.
    private decimal? _custodyBeforeOrders;

    public SagaHarness(IFaultChooser faults) => World = new SagaWorld(faults);

    public SagaWorld World { get; }

    /// <summary>Order ids in the order they were first placed.</summary>
    public List<string> OrderIds { get; } = [];

    /// <summary>A holder's tokens that exist before the test, on the ledger and on the chain.</summary>
    public void Seed(string accountId, string chain, decimal tokens)
    {
        var amount = CanonicalAmount.FromTokens(tokens);
        World.Asset.SeedIssued(amount);
        World.Bridges[chain].Seed(SagaWorld.WalletOf(chain, accountId), amount);
    }

    // ---------------------------------------------------------------- activations

    private List<OrderHost> Hosts(string orderId) => _hosts.TryGetValue(orderId, out var list) ? list : _hosts[orderId] = [];

    private async Task<OrderHost> ActivateAsync(string orderId)
    {
        var host = new OrderHost(World, orderId, new Incarnation(++_incarnations), _options);
        Hosts(orderId).Add(host);
        try
        {
            await host.ActivateAsync();
        }
        catch (ProcessCrashedException)
        {
            // The process died while loading the order: this activation is gone, the next call makes another.
        }
        return host;
    }

    /// <summary>The live activation of the order (activated on first use).</summary>
    public async Task<OrderHost> HostAsync(string orderId) =>
        Hosts(orderId).FirstOrDefault(h => !h.Incarnation.Dead) ?? await ActivateAsync(orderId);

    /// <summary>A second activation of the order beside the live one (a duplicate activation).</summary>
    public Task<OrderHost> DuplicateAsync(string orderId) => ActivateAsync(orderId);

    /// <summary>The process hosting the order dies: its activations' memory is gone, the store is not.</summary>
    public void Crash(string orderId)
    {
        foreach (var host in Hosts(orderId))
        {
            host.Incarnation.Kill();
        }
    }

    /// <summary>Runs a call on the order's live activation; the outcome as a short word (ok, a ledger code, timeout, crashed, conflict).</summary>
    public Task<string> CallAsync(string orderId, Func<OrderSagaEngine, Task> call, OrderHost? host = null) => GuardAsync(async () =>
    {
        host ??= await HostAsync(orderId);
        await host.RunAsync(async engine =>
        {
            await call(engine);
            return true;
        });
    });

    /// <summary>What a caller outside the order sees of a call: ok, a ledger code, timeout, crashed or conflict.</summary>
    private static async Task<string> GuardAsync(Func<Task> call)
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
        catch (TimeoutException)
        {
            return "timeout";
        }
        catch (ProcessCrashedException)
        {
            return "crashed";
        }
        catch (InconsistentStateException)
        {
            return "conflict";
        }
    }

    // ---------------------------------------------------------------- orders

    public Task<string> PlaceMintAsync(string orderId, string accountId, string chain, decimal tokens)
    {
        Track(orderId);
        var quoteId = $"q-{orderId}";
        if (!World.Quotes.ContainsKey(quoteId))
        {
            World.AddMintQuote(quoteId, accountId, tokens);
        }
        return CallAsync(orderId, e => e.PlaceMintAsync(new MintOrderRequest(accountId, quoteId, chain, SagaWorld.WalletOf(chain, accountId))));
    }

    public Task<string> PlaceRedeemAsync(string orderId, string accountId, string chain, decimal tokens)
    {
        Track(orderId);
        return CallAsync(orderId, e => e.PlaceRedeemAsync(new RedeemOrderRequest(accountId, SagaWorld.Symbol, chain,
            SagaWorld.WalletOf(chain, accountId), CanonicalAmount.FromTokens(tokens), null)));
    }

    public Task<string> PlaceTransferAsync(string orderId, string accountId, string fromChain, string toChain, decimal tokens)
    {
        Track(orderId);
        return CallAsync(orderId, e => e.PlaceTransferAsync(new TransferOrderRequest(accountId, SagaWorld.Symbol, fromChain,
            SagaWorld.WalletOf(fromChain, accountId), toChain, SagaWorld.WalletOf(toChain, accountId), CanonicalAmount.FromTokens(tokens))));
    }

    /// <summary>The holder sends tokens to the redemption address; the watcher places the deposit's order.</summary>
    public Task<string> DepositAsync(string orderId, string accountId, string chain, decimal tokens)
    {
        Track(orderId);
        var amount = CanonicalAmount.FromTokens(tokens);
        var bridge = World.Bridges[chain];
        var wallet = SagaWorld.WalletOf(chain, accountId);
        if (!World.Orders.ContainsKey(orderId) && bridge.BalanceOf(wallet) >= amount)
        {
            bridge.Deposit(wallet, amount);
        }
        var deposit = new TokenDeposit($"dep-{orderId}", wallet, amount.Units.ToString(System.Globalization.CultureInfo.InvariantCulture), amount,
            $"tx-{orderId}", 1, null);
        return CallAsync(orderId, e => e.PlaceDepositRedemptionAsync(SagaWorld.Symbol, chain, deposit));
    }

    public Task<string> CancelAsync(string orderId) => CallAsync(orderId, e => e.CancelAsync());

    private void Track(string orderId)
    {
        _custodyBeforeOrders ??= World.Asset.Custody - (World.Broker.Bought - World.Broker.Sold);
        if (!OrderIds.Contains(orderId))
        {
            OrderIds.Add(orderId);
        }
    }

    /// <summary>
    /// One tick for the order: every live activation's timer fires; with none alive, an open order is activated again
    /// (its reminder, or the resumer reading the index at restart) and driven.
    /// </summary>
    public async Task TickAsync(string orderId)
    {
        var live = Hosts(orderId).Where(h => !h.Incarnation.Dead).ToList();
        if (live.Count == 0 && IsOpen(orderId) && (World.WakeUps.Contains(orderId) || World.Index.Rows.ContainsKey(orderId)))
        {
            var host = await ActivateAsync(orderId);
            await CallAsync(orderId, e => e.OnWakeUpAsync(), host);
            return;
        }
        foreach (var host in live)
        {
            await GuardAsync(host.TickAsync);
        }
    }

    public OrderState? Stored(string orderId) => World.Orders.TryGetValue(orderId, out var row) ? row.Read() : null;

    private bool IsOpen(string orderId) => Stored(orderId) is { } s && s.Status is not (OrderStatus.Settled or OrderStatus.Failed or OrderStatus.Cancelled or OrderStatus.Held);

    /// <summary>One pass of every chain's work.</summary>
    public async Task ChainWorkAsync()
    {
        foreach (var bridge in World.Bridges.Values)
        {
            while (await bridge.WorkAsync())
            {
            }
        }
    }

    /// <summary>
    /// Faults stop, pauses lift, the market opens, and the cluster restarts (duplicate activations end, memory is lost):
    /// every order is then driven, through its reminder or the resumer only, until it is terminal or held.
    /// </summary>
    public async Task SettleAllAsync(int rounds = 40)
    {
        World.Faults = NoFaults.Instance;
        foreach (var id in OrderIds)
        {
            Crash(id);
        }
        World.Asset.Status = Assets.AssetStatus.Active;
        World.Market.Open = true;
        foreach (var bridge in World.Bridges.Values)
        {
            bridge.Paused = false;
            bridge.OutboundAvailable = null;
            bridge.InboundAvailable = null;
            bridge.OutboundCapacity = null;
            bridge.InboundCapacity = null;
        }
        for (var round = 0; round < rounds && OrderIds.Any(IsOpen); round++)
        {
            foreach (var id in OrderIds)
            {
                await TickAsync(id);
            }
            await ChainWorkAsync();
            World.Clock.Advance(TimeSpan.FromSeconds(10));
        }
    }

    // ---------------------------------------------------------------- invariants

    /// <summary>Every broken invariant, in words; empty when all hold. <paramref name="quiescent"/>: no order may still be open.</summary>
    public List<string> Violations(bool quiescent)
    {
        var v = new List<string>();
        var asset = World.Asset;
        var supply = World.Bridges.Values.Aggregate(CanonicalAmount.Zero, (s, b) => s + b.Supply);
        if (asset.Issued != supply + asset.InTransit)
        {
            v.Add($"conservation: issued {asset.Issued} != supply {supply} + in transit {asset.InTransit}");
        }
        if (asset.Custody < asset.Reserved + Multiplier.One.SharesToBack(asset.Issued))
        {
            v.Add($"backing: custody {asset.Custody} < reserved {asset.Reserved} + backing of {asset.Issued}");
        }
        // Invariant 1 where the shares really are: the broker's position, not only the ledger's custody figure.
        var atBroker = (_custodyBeforeOrders ?? asset.Custody) + World.Broker.Bought - World.Broker.Sold;
        if (atBroker < asset.Reserved + Multiplier.One.SharesToBack(asset.Issued))
        {
            v.Add($"backing at the broker: {atBroker} shares < reserved {asset.Reserved} + backing of {asset.Issued}");
        }
        if (quiescent && atBroker != asset.Custody)
        {
            v.Add($"broker = ledger: the broker holds {atBroker} shares, the ledger's custody is {asset.Custody}");
        }
        foreach (var bridge in World.Bridges.Values)
        {
            v.AddRange(bridge.Anomalies.Select(a => $"ledger = chain: {a}"));
            if (bridge.Supply != bridge.OnChainSupply)
            {
                v.Add($"ledger = chain: {bridge.Chain} ledger supply {bridge.Supply} != on-chain {bridge.OnChainSupply}");
            }
            var held = bridge.Balances.Values.Aggregate(bridge.RedemptionBalance, (s, b) => s + b);
            if (held != bridge.OnChainSupply)
            {
                v.Add($"chain: balances {held} != supply {bridge.OnChainSupply} on {bridge.Chain}");
            }
        }
        foreach (var account in World.Accounts.Values)
        {
            if (account.Cash + account.Held + account.Captured != account.InitialCash + account.Credited)
            {
                v.Add($"cash conservation: {account.Cash} + held {account.Held} + captured {account.Captured} != {account.InitialCash} + credited {account.Credited}");
            }
        }
        var captured = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var credited = new Dictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var id in OrderIds)
        {
            if (!World.Orders.TryGetValue(id, out var row))
            {
                continue;
            }
            var history = row.History;
            var firstTerminal = history.FindIndex(s => s is OrderStatus.Settled or OrderStatus.Failed or OrderStatus.Cancelled);
            if (firstTerminal >= 0 && history.Skip(firstTerminal).Any(s => s != history[firstTerminal]))
            {
                v.Add($"terminal states are final: {id} went {string.Join(" → ", history)}");
            }
            if (row.Read() is not { } order)
            {
                continue;
            }
            if (quiescent && IsOpen(id))
            {
                v.Add($"every accepted order is driven: {id} is still {order.Status} at {order.Stage} (steps {string.Join(", ", order.Steps.Select(x => x.Name))}; " +
                    $"indexed {World.Index.Rows.ContainsKey(id)}, wake-up {World.WakeUps.Contains(id)}; asset custody {asset.Custody}, reserved {asset.Reserved}, " +
                    $"issued {asset.Issued}, pending burn {asset.PendingBurn}, in transit {asset.InTransit})");
            }
            CheckOrder(id, order, v);
            if (order.Status == OrderStatus.Settled && order.Kind == OrderKind.Mint)
            {
                captured[order.AccountId] = captured.GetValueOrDefault(order.AccountId) + (order.Cash ?? 0m);
            }
            if (order.Status == OrderStatus.Settled && order.Kind == OrderKind.Redeem)
            {
                credited[order.AccountId] = credited.GetValueOrDefault(order.AccountId) + (order.Cash ?? 0m);
            }
        }
        foreach (var account in World.Accounts)
        {
            if (quiescent && account.Value.Captured != captured.GetValueOrDefault(account.Key))
            {
                v.Add($"no double charge: {account.Key} captured {account.Value.Captured}, settled mints cost {captured.GetValueOrDefault(account.Key)}");
            }
            if (quiescent && account.Value.Credited != credited.GetValueOrDefault(account.Key))
            {
                v.Add($"no double payout: {account.Key} was credited {account.Value.Credited}, settled redemptions pay {credited.GetValueOrDefault(account.Key)}");
            }
        }
        if (quiescent && asset.OpenReservations > 0)
        {
            v.Add($"{asset.OpenReservations} reservations left open");
        }
        if (quiescent && !asset.InTransit.IsZero)
        {
            v.Add($"in transit {asset.InTransit} left after every move ended");
        }
        return v;
    }

    private void CheckOrder(string id, OrderState order, List<string> v)
    {
        var ended = order.Status is OrderStatus.Failed or OrderStatus.Cancelled;
        var burnOp = $"{id}/burn";
        switch (order.Kind)
        {
            case OrderKind.Mint:
            {
                var bridge = World.Bridges[order.Chain];
                var mints = MintOps(id, order).Where(bridge.Applied.ContainsKey).ToList();
                var hold = World.Accounts.TryGetValue(order.AccountId, out var account) ? account.HoldOutcome($"{id}/hold") : null;
                if (mints.Count > 1)
                {
                    v.Add($"no double mint: {id} minted under {string.Join(", ", mints)}");
                }
                if (order.Status == OrderStatus.Settled && (mints.Count != 1 || hold != "captured"))
                {
                    v.Add($"settled mint {id}: {mints.Count} mints recorded, hold {hold}");
                }
                if (ended && (mints.Count > 0 || hold is "captured" or "held" || World.Asset.IsOpen($"{id}/reserve")))
                {
                    v.Add($"{order.Status} mint {id} kept effects: {mints.Count} mints, hold {hold}, reservation open {World.Asset.IsOpen($"{id}/reserve")}");
                }
                break;
            }
            case OrderKind.Redeem:
            {
                var bridge = World.Bridges[order.Chain];
                var burned = bridge.Applied.ContainsKey(burnOp);
                if (ended && (burned || bridge.IsPending(burnOp)))
                {
                    v.Add($"a burn that may exist is never abandoned: {id} is {order.Status} while its burn is {(burned ? "applied" : "pending")}");
                }
                if (order.Status == OrderStatus.Settled && !burned)
                {
                    v.Add($"settled redemption {id} has no burn");
                }
                break;
            }
            default:
            {
                var source = World.Bridges[order.FromChain!];
                var destination = World.Bridges[order.Chain];
                var burned = source.Applied.ContainsKey(burnOp);
                var mints = MintOps(id, order).Where(destination.Applied.ContainsKey).ToList();
                if (mints.Count > 1)
                {
                    v.Add($"the same burn can never mint twice: {id} minted under {string.Join(", ", mints)}");
                }
                if (ended && (burned || source.IsPending(burnOp) || mints.Count > 0))
                {
                    v.Add($"{order.Status} move {id} kept effects: burned {burned}, mints {mints.Count}");
                }
                if (order.Status == OrderStatus.Settled && (!burned || mints.Count != 1))
                {
                    v.Add($"settled move {id}: burned {burned}, {mints.Count} mints");
                }
                break;
            }
        }
    }

    private static IEnumerable<string> MintOps(string id, OrderState order) =>
        Enumerable.Range(0, order.MintAttempt + 2).Select(n => n == 0 ? $"{id}/mint" : $"{id}/mint-{n}");
}
