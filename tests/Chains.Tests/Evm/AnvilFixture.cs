using System.Numerics;
using Sharemint.Chains.Evm;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>
/// Two anvil chains with different chain ids, started on free loopback ports for the test run and killed afterwards.
/// Chain A is configured EIP-1559, chain B legacy (EIP-155). Fails loudly if devnet/ or contracts/ were not installed/built.
/// </summary>
public sealed class AnvilFixture : IAsyncLifetime
{
    public const ulong ChainIdA = 31337;
    public const ulong ChainIdB = 84532;

    public AnvilNode NodeA { get; private set; } = null!;
    public AnvilNode NodeB { get; private set; } = null!;
    public SharemintTokenArtifact Artifact { get; private set; } = null!;
    public string RepositoryRoot { get; } = FindRepositoryRoot();

    public async Task InitializeAsync()
    {
        // Both failures name the install step (npm ci in devnet/, npm run build in contracts/).
        Artifact = SharemintTokenArtifact.Locate(RepositoryRoot);
        var anvil = AnvilNode.LocateBinary(RepositoryRoot);
        var startA = AnvilNode.StartAsync(anvil, ChainIdA);
        var startB = AnvilNode.StartAsync(anvil, ChainIdB);
        NodeA = await startA;
        NodeB = await startB;
    }

    public async Task DisposeAsync()
    {
        if (NodeA is not null) await NodeA.DisposeAsync();
        if (NodeB is not null) await NodeB.DisposeAsync();
    }

    public EvmChainConfig ConfigA(int confirmations = 1) =>
        new("local-a", ChainIdA, NodeA.RpcUrl, confirmations, EvmFeeModel.Eip1559);

    public EvmChainConfig ConfigB(int confirmations = 1) =>
        new("local-b", ChainIdB, NodeB.RpcUrl, confirmations, EvmFeeModel.Legacy);

    /// <summary>A fresh key holding 10,000 ether on the chain of <paramref name="client"/>.</summary>
    public static async Task<EvmPrivateKey> FundedKeyAsync(EvmClient client)
    {
        var key = EvmPrivateKey.Generate();
        var wei = BigInteger.Pow(10, 22);
        await client.Rpc.CallAsync("anvil_setBalance", [key.Address.ToString(), EvmHex.EncodeQuantity(wei)]);
        return key;
    }

    public string CastBinary => Path.Combine(RepositoryRoot, "devnet", "node_modules", "@foundry-rs", "cast-linux-amd64", "bin", "cast");

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "devnet")) && Directory.Exists(Path.Combine(directory.FullName, "contracts")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no repository root (with devnet/ and contracts/) above {AppContext.BaseDirectory}");
    }
}

[CollectionDefinition(Name)]
public sealed class AnvilCollection : ICollectionFixture<AnvilFixture>
{
    public const string Name = "anvil";
}

/// <summary>A funded account on chain A with a sender, a store and a freshly deployed token.</summary>
public sealed class TokenHarness : IDisposable
{
    private TokenHarness(EvmClient client, EvmPrivateKey key, InMemorySignedTransactionStore store, EvmTransactionSender sender, SharemintToken token)
    {
        Client = client;
        Key = key;
        Store = store;
        Sender = sender;
        Token = token;
    }

    public EvmClient Client { get; }
    public EvmPrivateKey Key { get; }
    public InMemorySignedTransactionStore Store { get; }
    public EvmTransactionSender Sender { get; }
    public SharemintToken Token { get; }

    public static async Task<TokenHarness> CreateAsync(AnvilFixture fixture, EvmChainConfig? config = null, EvmSenderOptions? options = null)
    {
        var client = new EvmClient(config ?? fixture.ConfigA());
        var key = await AnvilFixture.FundedKeyAsync(client);
        var store = new InMemorySignedTransactionStore();
        var sender = new EvmTransactionSender(client, key, store, options ?? new EvmSenderOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        var token = await SharemintToken.DeployAsync(sender, fixture.Artifact, "Tesla xStock", "TSLAx", key.Address, SharemintToken.MultiplierOne,
            $"deploy-{Guid.NewGuid():N}");
        return new TokenHarness(client, key, store, sender, token);
    }

    /// <summary>A second funded account with its own sender against the same token.</summary>
    public async Task<(EvmPrivateKey Key, EvmTransactionSender Sender)> OtherAccountAsync()
    {
        var key = await AnvilFixture.FundedKeyAsync(Client);
        return (key, new EvmTransactionSender(Client, key, new InMemorySignedTransactionStore(), Sender.Options));
    }

    public static UInt256 Tokens(ulong whole) => new UInt256(whole) * SharemintToken.MultiplierOne;

    public void Dispose() => Client.Dispose();
}
