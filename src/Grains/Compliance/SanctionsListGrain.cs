using Microsoft.Extensions.Logging;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Operations;
using Sharemint.Signers;
using Sharemint.Units;

namespace Sharemint.Compliance;

/// <summary>The stored sanctions list.</summary>
[GenerateSerializer, Alias("sharemint.SanctionsListState")]
public sealed class SanctionsListState : IRecordsOperations
{
    /// <summary>"evm:{address}" or "{chain}:{address}" (canonical form) → entry.</summary>
    [Id(0)] public Dictionary<string, SanctionedAddress> Entries { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public AppliedOperations Applied { get; set; } = new();
    /// <summary>On-chain blocks and unblocks not yet final, by write id (retried by a reminder until they are).</summary>
    [Id(2)] public Dictionary<string, ChainBlock> PendingChainBlocks { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Orders the pending writes: for one address on one token they are sent one at a time, in list order.</summary>
    [Id(3)] public long NextSequence { get; set; }
}

/// <summary>One token's on-chain block (EVM blocklist; Solana freeze) or unblock of one address.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.ChainBlock")]
public sealed record ChainBlock(
    [property: Id(0)] string Chain,
    [property: Id(1)] string TokenAddress,
    [property: Id(2)] int Decimals,
    [property: Id(3)] string Address,
    [property: Id(4)] bool Blocked,
    [property: Id(5)] long Sequence = 0);

/// <inheritdoc cref="ISanctionsListGrain"/>
[GrainType("sharemint.sanctions-list")]
public sealed class SanctionsListGrain(
    [PersistentState("sanctions", LedgerStorage.Name)] IPersistentState<SanctionsListState> state,
    ILogger<SanctionsListGrain> logger,
    TimeProvider clock)
    : LedgerGrain<SanctionsListState>(state, logger), ISanctionsListGrain, IRemindable
{
    private const string EnforceReminder = "enforce-on-chain";
    private IGrainTimer? _retry;

    public async Task AddAsync(OperationId operationId, string chain, string address, string reason)
    {
        var canonical = ChainAddress.Canonicalize(chain, address);
        if (string.IsNullOrWhiteSpace(reason))
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A reason is required to list an address.");
        }
        var fingerprint = $"add|{chain}|{canonical}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return;
        }
        State.Entries.TryAdd(Key(chain, canonical), new SanctionedAddress(chain, canonical, reason, clock.GetUtcNow()));
        State.Applied.Record(operationId, fingerprint);
        await PlanChainBlocksAsync(operationId, chain, canonical, blocked: true);
        await CommitAsync();
        await EnforceOnChainAsync();
    }

    public async Task RemoveAsync(OperationId operationId, string chain, string address)
    {
        var canonical = ChainAddress.Canonicalize(chain, address);
        var fingerprint = $"remove|{chain}|{canonical}";
        if (await WasAppliedAsync(operationId, fingerprint))
        {
            return;
        }
        State.Entries.Remove(Key(chain, canonical));
        State.Applied.Record(operationId, fingerprint);
        await PlanChainBlocksAsync(operationId, chain, canonical, blocked: false);
        await CommitAsync();
        await EnforceOnChainAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status) => await EnforceOnChainAsync();

    /// <summary>
    /// Invariant 7 on-chain: every deployment on the address's chains (every EVM chain for an EVM address) gets a block or
    /// unblock write, recorded in the same state write as the listing so a crash cannot forget it.
    /// </summary>
    private async Task PlanChainBlocksAsync(OperationId operationId, string chain, string address, bool blocked)
    {
        var evm = ChainAddress.FamilyOf(chain) == ChainAddress.Family.Evm;
        foreach (var deployment in await GrainFactory.GetGrain<ICatalogGrain>(0).ListDeploymentsAsync())
        {
            var sameChains = evm ? ChainAddress.FamilyOf(deployment.Chain) == ChainAddress.Family.Evm : deployment.Chain == chain;
            if (!sameChains)
            {
                continue;
            }
            var config = (await GrainFactory.GetGrain<IChainBridgeGrain>(DeploymentKey.For(deployment.Symbol, deployment.Chain)).GetAsync()).Config;
            State.PendingChainBlocks[$"sanctions/{operationId}/{deployment.Symbol}/{deployment.Chain}"] =
                new ChainBlock(deployment.Chain, config.TokenAddress, config.Decimals, address, blocked, ++State.NextSequence);
        }
    }

    /// <summary>
    /// Submits and checks the pending on-chain blocks. Writes for one address on one token go one at a time in the order
    /// the list changed (add, remove, add again ends blocked): the next is sent only once the one before is final, since
    /// two in flight could land in either order. What is not final yet is retried by a timer and a reminder.
    /// </summary>
    private async Task EnforceOnChainAsync()
    {
        var changed = false;
        var queues = State.PendingChainBlocks
            .GroupBy(p => (p.Value.Chain, p.Value.TokenAddress, p.Value.Address))
            .Select(g => g.OrderBy(p => p.Value.Sequence).ToList());
        foreach (var queue in queues)
        {
            foreach (var (writeId, block) in queue)
            {
                if (!await EnforceOneAsync(writeId, block))
                {
                    break;
                }
                changed = true;
            }
        }
        if (changed)
        {
            await CommitAsync();
        }
        if (State.PendingChainBlocks.Count > 0)
        {
            _retry ??= this.RegisterGrainTimer(_ => EnforceOnChainAsync(), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            await this.RegisterOrUpdateReminder(EnforceReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        else
        {
            _retry?.Dispose();
            _retry = null;
            if (await this.GetReminder(EnforceReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
    }

    /// <summary>Sends or checks one write; true once it is final (landed or failed for good) and removed from the queue.</summary>
    private async Task<bool> EnforceOneAsync(string writeId, ChainBlock block)
    {
        try
        {
            var signer = GrainFactory.GetGrain<IChainSignerGrain>(block.Chain);
            var line = new ChainWriteLine(block.Address, CanonicalAmount.FromUnits(block.Blocked ? 1 : 0));
            var status = await signer.SubmitAsync(new ChainWrite(writeId, ChainWriteKind.SetBlocked, block.TokenAddress, block.Decimals, [line]));
            if (status.State == ChainWriteState.Pending)
            {
                status = await signer.CheckAsync(writeId);
            }
            if (status.State == ChainWriteState.Pending)
            {
                return false;
            }
            if (status.State == ChainWriteState.Failed)
            {
                logger.LogError("On-chain {Action} of {Address} on {Chain} failed: {Code} {Message}",
                    block.Blocked ? "block" : "unblock", block.Address, block.Chain, status.FailureCode, status.FailureMessage);
            }
            State.PendingChainBlocks.Remove(writeId);
            return true;
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            // Chain down, or no signer for that chain in this process (the outcome is unknown): the timer asks again
            // under the same write id, and nothing after this write is sent before it.
            logger.LogWarning(error, "On-chain block of {Address} on {Chain} waits for the chain", block.Address, block.Chain);
            return false;
        }
    }

    public Task<bool> IsSanctionedAsync(string chain, string address) =>
        Task.FromResult(State.Entries.ContainsKey(Key(chain, ChainAddress.Canonicalize(chain, address))));

    // One EVM address is the same account on every EVM chain, so listing it on one lists it on all.
    private static string Key(string chain, string canonical) =>
        ChainAddress.FamilyOf(chain) == ChainAddress.Family.Evm ? $"evm:{canonical}" : $"{chain}:{canonical}";

    public Task<IReadOnlyList<SanctionedAddress>> ListAsync() =>
        Task.FromResult<IReadOnlyList<SanctionedAddress>>(State.Entries.Values.OrderBy(e => e.Chain).ThenBy(e => e.Address).ToArray());
}
