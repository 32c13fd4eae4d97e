using System.Collections.Concurrent;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tron;
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
    private readonly ConcurrentDictionary<string, TronClient> _tron = new(StringComparer.Ordinal);
    private readonly Lazy<SharemintTokenArtifact> _artifact = new(() => SharemintTokenArtifact.Locate());
    private readonly Lazy<string> _artifactJson = new(LocateArtifactJson);

    /// <summary>Wraps already validated options (see <see cref="ChainOptions.Read"/>).</summary>
    public ConfiguredChains(IReadOnlyDictionary<string, ChainOptions> chains) => _chains = chains ?? throw new ArgumentNullException(nameof(chains));

    /// <summary>Where the signers' keys are held (in process unless the silo registers an <see cref="IChainKeySource"/>).</summary>
    public IChainKeySource Keys { get; init; } = new InProcessChainKeys();

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
            Rpc = new JsonRpcClientOptions { FallbackEndpoints = options.FallbackEndpoints },
        };
        return new EvmClient(config, new JsonRpcClient(config.RpcUrl, config.Rpc, MeteredHttp(name)));
    });

    /// <summary>The artifact's JSON text: Tron deployments carry the ABI on chain (TronWeb's <c>contract().at()</c> reads it).</summary>
    internal string TokenArtifactJson => _artifactJson.Value;

    internal TronClient Tron(string chain) => _tron.GetOrAdd(chain, name =>
    {
        var http = MeteredHttp(name);
        http.Timeout = TimeSpan.FromSeconds(20);
        var options = Get(name);
        return new TronClient(new TronHttpClient(new Uri(options.RpcUrl), http: http, fallbacks: options.FallbackEndpoints));
    });

    private static string LocateArtifactJson()
    {
        // Same search as SharemintTokenArtifact.Locate, which has already succeeded (or thrown its instructions) by now.
        var configured = Environment.GetEnvironmentVariable(SharemintTokenArtifact.PathVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return File.ReadAllText(Directory.Exists(configured) ? Path.Combine(configured, SharemintTokenArtifact.FileName) : configured);
        }
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "contracts", "out", SharemintTokenArtifact.FileName);
            if (File.Exists(candidate))
            {
                return File.ReadAllText(candidate);
            }
        }
        throw new EvmException(EvmErrorCode.ArtifactMissing, $"no contracts/out/{SharemintTokenArtifact.FileName} above {AppContext.BaseDirectory}");
    }

    internal SolanaRpcClient Solana(string chain) => _solana.GetOrAdd(chain, name =>
        new SolanaRpcClient(new Uri(Get(name).RpcUrl), TimeSpan.FromSeconds(20), MeteredHttp(name),
            new SolanaRpcClientOptions { FallbackEndpoints = Get(name).FallbackEndpoints }));

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
        foreach (var client in _tron.Values)
        {
            client.Http.Dispose();
        }
    }
}
