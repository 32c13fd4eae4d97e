using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Concurrency;
using Sharemint.Compliance;
using Sharemint.Errors;

namespace Sharemint.Signers;

/// <inheritdoc cref="IChainReaderGrain"/>
/// <remarks>
/// A stateless worker per chain and silo: it builds the same chain-family client as the signer but only reads, so many run
/// at once and none waits for the signer's one-call-at-a-time turn. Where a deposit scan starts is asked of the signer once
/// per activation (a read-only call) and kept.
/// </remarks>
[GrainType("sharemint.chain-reader"), StatelessWorker]
public sealed class ChainReaderGrain(ILogger<ChainReaderGrain> logger) : Grain, IChainReaderGrain
{
    private readonly Dictionary<string, ulong> _deployedHeights = new(StringComparer.Ordinal);
    private IFamilySigner? _family;

    private string Chain => this.GetPrimaryKeyString();

    public Task<OnChainSupply> GetSupplyAsync(string tokenAddress, int decimals) => ChainCalls.GuardAsync(Chain, "supply", logger, async () =>
    {
        var token = Family().CanonicalAddress(tokenAddress);
        RequireDecimals(decimals);
        var (raw, height) = await Family().SupplyAsync(token);
        var (amount, dust) = ChainUnits.Truncate(raw, decimals);
        return new OnChainSupply(Chain, token, raw.ToString(CultureInfo.InvariantCulture), amount, dust, height);
    });

    public Task<OnChainSupply> GetBalanceAsync(string tokenAddress, int decimals, string address) => ChainCalls.GuardAsync(Chain, "balance", logger, async () =>
    {
        var token = Family().CanonicalAddress(tokenAddress);
        var holder = Family().CanonicalAddress(address);
        RequireDecimals(decimals);
        var (raw, height) = await Family().BalanceAsync(token, holder);
        var (amount, dust) = ChainUnits.Truncate(raw, decimals);
        return new OnChainSupply(Chain, token, raw.ToString(CultureInfo.InvariantCulture), amount, dust, height);
    });

    public Task<DepositScan> ScanDepositsAsync(string tokenAddress, int decimals, string? cursor, int limit) => ChainCalls.GuardAsync(Chain, "scan_deposits", logger, async () =>
    {
        var token = Family().CanonicalAddress(tokenAddress);
        RequireDecimals(decimals);
        if (limit is < 1 or > 1000)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"A deposit page holds 1-1000 deposits (asked {limit}).");
        }
        if (!_deployedHeights.TryGetValue(token, out var first))
        {
            first = await GrainFactory.GetGrain<IChainSignerGrain>(Chain).GetDeployedHeightAsync(token);
            _deployedHeights[token] = first;
        }
        return await Family().ScanDepositsAsync(token, decimals, cursor, limit, first);
    });

    public Task<OnChainMultiplier> GetMultiplierAsync(string tokenAddress) => ChainCalls.GuardAsync(Chain, "multiplier", logger, async () =>
        await Family().MultiplierAsync(Family().CanonicalAddress(tokenAddress)));

    private IFamilySigner Family()
    {
        if (_family is not null)
        {
            return _family;
        }
        var chains = ServiceProvider.GetService<ConfiguredChains>()
            ?? throw new LedgerException(LedgerError.DeploymentNotFound, $"No chains are configured on this silo (call AddSharemintChains); '{Chain}' is unavailable.");
        var options = chains.Get(Chain);
        // The write log is never written by a reader; the family clients take one because they also sign.
        var log = new ChainWriteLog(ServiceProvider.GetRequiredService<NpgsqlDataSource>(), Chain);
        _family = ChainAddress.FamilyOf(Chain) switch
        {
            ChainAddress.Family.Evm => new EvmFamilySigner(Chain, options, chains, log),
            ChainAddress.Family.Tron => new TronFamilySigner(Chain, options, chains, log),
            _ => (IFamilySigner)new SolanaFamilySigner(Chain, options, chains, log),
        };
        return _family;
    }

    private static void RequireDecimals(int decimals)
    {
        if (decimals is < 0 or > 36)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Token decimals must be 0-36 (got {decimals}).");
        }
    }
}
