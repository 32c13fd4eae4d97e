using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Units;

namespace Sharemint.Signers.Tests;

/// <summary>What the tests do on the chains besides the signer: holders' own transactions, mining, polling.</summary>
public static class ChainHelpers
{
    public static CanonicalAmount Tokens(decimal tokens) => CanonicalAmount.FromTokens(tokens);

    public static string NewSymbol() => "T" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();

    public static ChainWrite Write(string writeId, ChainWriteKind kind, TokenDeployment token, params (string Address, CanonicalAmount Amount)[] lines) =>
        new(writeId, kind, token.TokenAddress, token.Decimals, lines.Select(l => new ChainWriteLine(l.Address, l.Amount)).ToList());

    /// <summary>Checks until the write is no longer pending; on the two-confirmation chain it mines a block per turn.</summary>
    public static async Task<ChainWriteStatus> UntilDoneAsync(this SignerFixture fixture, string chain, string writeId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var status = await fixture.Signer(chain).CheckAsync(writeId);
            if (status.State != ChainWriteState.Pending)
            {
                return status;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{chain}/{writeId} still pending after 60 s");
            if (chain == "evm-b")
            {
                await fixture.MineAsync(fixture.AnvilB);
            }
            await Task.Delay(50);
        }
    }

    public static async Task MineAsync(this SignerFixture fixture, AnvilNode node)
    {
        using var rpc = new JsonRpcClient(node.RpcUrl);
        await rpc.CallAsync("evm_mine", []);
    }

    /// <summary>A fresh EVM holder with gas money, sending its own transactions through our client.</summary>
    public static async Task<EvmHolder> EvmHolderAsync(this SignerFixture fixture, AnvilNode node, ulong chainId, string tokenAddress)
    {
        var key = EvmPrivateKey.Generate();
        using (var rpc = new JsonRpcClient(node.RpcUrl))
        {
            await rpc.CallAsync("anvil_setBalance", [key.Address.ToString(), "0x56BC75E2D63100000"]);
        }
        var client = new EvmClient(new EvmChainConfig("holder", chainId, node.RpcUrl, 1, EvmFeeModel.Eip1559));
        var sender = new EvmTransactionSender(client, key, new Chains.Evm.InMemorySignedTransactionStore());
        return new EvmHolder(key, client, sender, new SharemintToken(client, fixture.Artifact, EvmAddress.Parse(tokenAddress)));
    }

    /// <summary>A fresh Solana holder with fee money, sending its own transactions through our client.</summary>
    public static async Task<SolanaHolder> SolanaHolderAsync(this SignerFixture fixture)
    {
        var key = await fixture.Solana.FundedKeypairAsync();
        var sender = new TransactionSender(fixture.Solana.Rpc, new Chains.Solana.InMemorySignedTransactionStore(), Issuer.FastSender);
        return new SolanaHolder(key, new XStockTokenClient(fixture.Solana.Rpc, sender, key));
    }
}

public sealed record EvmHolder(EvmPrivateKey Key, EvmClient Client, EvmTransactionSender Sender, SharemintToken Token)
{
    public string Address => Key.Address.ToString().ToLowerInvariant();
}

public sealed record SolanaHolder(Keypair Key, XStockTokenClient Client)
{
    public string Address => Key.PublicKey.ToString();
}
