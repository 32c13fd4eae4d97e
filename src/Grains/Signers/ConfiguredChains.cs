using System.Collections.Concurrent;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Compliance;
using Sharemint.Errors;

namespace Sharemint.Signers;

/// <summary>
/// The chains this silo is configured to sign on, with one RPC client per chain created on first use and shared by every
/// activation (clients are thread-safe; the signing state lives in the grain). Every RPC call is metered.
/// </summary>
public sealed class ConfiguredChains : IDisposable
{
    private readonly IReadOnlyDictionary<string, ChainOptions> _chains;
    private readonly ConcurrentDictionary<string, EvmClient> _evm = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SolanaRpcClient> _solana = new(StringComparer.Ordinal);
    private readonly Lazy<SharemintTokenArtifact> _artifact = new(() => SharemintTokenArtifact.Locate());

    /// <summary>Wraps already validated options (see <see cref="ChainOptions.Read"/>).</summary>
    public ConfiguredChains(IReadOnlyDictionary<string, ChainOptions> chains) => _chains = chains ?? throw new ArgumentNullException(nameof(chains));

    /// <summary>The configured chain ids.</summary>
    public IReadOnlyCollection<string> Chains => _chains.Keys.ToList();

    /// <summary>The options of <paramref name="chain"/>; <c>DeploymentNotFound</c> when it is not configured.</summary>
    public ChainOptions Get(string chain)
    {
        _ = ChainAddress.FamilyOf(chain);
        return _chains.TryGetValue(chain, out var options)
            ? options
            : throw new LedgerException(LedgerError.DeploymentNotFound, $"Chain '{chain}' is not configured on this silo ({ChainOptions.SectionName}:{chain}).");
    }

    internal SharemintTokenArtifact TokenArtifact => _artifact.Value;

    internal EvmClient Evm(string chain) => _evm.GetOrAdd(chain, name =>
    {
        var options = Get(name);
        var config = new EvmChainConfig(name, options.ChainId, new Uri(options.RpcUrl), options.Confirmations,
            options.Legacy ? EvmFeeModel.Legacy : EvmFeeModel.Eip1559)
        {
            UseFinalizedTag = options.Finality == ChainOptions.FinalizedTag,
        };
        return new EvmClient(config, new JsonRpcClient(config.RpcUrl, config.Rpc, MeteredHttp(name)));
    });

    internal SolanaRpcClient Solana(string chain) => _solana.GetOrAdd(chain, name =>
        new SolanaRpcClient(new Uri(Get(name).RpcUrl), TimeSpan.FromSeconds(20), MeteredHttp(name)));

    private static HttpClient MeteredHttp(string chain) =>
        new(new ChainCallMeter(chain) { InnerHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) } })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _evm.Values)
        {
            client.Rpc.Dispose();
            client.Dispose();
        }
        foreach (var client in _solana.Values)
        {
            client.Dispose();
        }
    }
}
