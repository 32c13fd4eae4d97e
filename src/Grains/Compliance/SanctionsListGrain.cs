using Microsoft.Extensions.Logging;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Operations;

namespace Sharemint.Compliance;

/// <summary>The stored sanctions list.</summary>
[GenerateSerializer, Alias("sharemint.SanctionsListState")]
public sealed class SanctionsListState : IRecordsOperations
{
    /// <summary>"evm:{address}" or "{chain}:{address}" (canonical form) → entry.</summary>
    [Id(0)] public Dictionary<string, SanctionedAddress> Entries { get; set; } = new(StringComparer.Ordinal);
    [Id(1)] public AppliedOperations Applied { get; set; } = new();
}

/// <inheritdoc cref="ISanctionsListGrain"/>
[GrainType("sharemint.sanctions-list")]
public sealed class SanctionsListGrain(
    [PersistentState("sanctions", LedgerStorage.Name)] IPersistentState<SanctionsListState> state,
    ILogger<SanctionsListGrain> logger,
    TimeProvider clock)
    : LedgerGrain<SanctionsListState>(state, logger), ISanctionsListGrain
{
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
        await CommitAsync();
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
        await CommitAsync();
    }

    public Task<bool> IsSanctionedAsync(string chain, string address) =>
        Task.FromResult(State.Entries.ContainsKey(Key(chain, ChainAddress.Canonicalize(chain, address))));

    // One EVM address is the same account on every EVM chain, so listing it on one lists it on all.
    private static string Key(string chain, string canonical) =>
        ChainAddress.FamilyOf(chain) == ChainAddress.Family.Evm ? $"evm:{canonical}" : $"{chain}:{canonical}";

    public Task<IReadOnlyList<SanctionedAddress>> ListAsync() =>
        Task.FromResult<IReadOnlyList<SanctionedAddress>>(State.Entries.Values.OrderBy(e => e.Chain).ThenBy(e => e.Address).ToArray());
}
