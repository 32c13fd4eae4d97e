using System.Numerics;
using Sharemint.Bridges;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tron;
using Sharemint.Signers;
using Sharemint.Units;
using EvmStore = Sharemint.Chains.Evm.InMemorySignedTransactionStore;
using SolanaStore = Sharemint.Chains.Solana.InMemorySignedTransactionStore;

namespace Sharemint.EndToEnd.Tests;

/// <summary>
/// The partner's side of the chains, with our chain clients and the partner's own keys (never the platform's): reads
/// balances and supplies independently of the silo, approves the issuer, and sends deposits.
/// </summary>
public sealed class Holders(PlatformFixture platform)
{
    private readonly EvmStore _evmStore = new();
    private readonly SolanaStore _solanaStore = new();

    public string Wallet(string chain) => chain switch
    {
        "solana" => platform.SolanaPartner.PublicKey.ToString(),
        "tron" => platform.TronPartner.ToBase58(),
        _ => platform.EvmPartner.Address.ToString(),
    };

    public async Task<DeploymentConfig> TokenAsync(string symbol, string chain) =>
        (await platform.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain)).GetAsync()).Config;

    public async Task<string> RedemptionAddressAsync(string chain) =>
        (await platform.Grains.GetGrain<IChainSignerGrain>(chain).GetInfoAsync()).RedemptionAddress;

    /// <summary>The partner's balance in canonical units, read from the chain.</summary>
    public async Task<CanonicalAmount> BalanceAsync(string symbol, string chain, string? wallet = null)
    {
        var token = await TokenAsync(symbol, chain);
        wallet ??= Wallet(chain);
        if (chain == "solana")
        {
            var raw = await SolanaTokens().GetBalanceAsync(PublicKey.Parse(token.TokenAddress), PublicKey.Parse(wallet));
            return CanonicalAmount.FromChainUnits(raw, token.Decimals);
        }
        var balance = chain == "tron"
            ? await TronToken(token).BalanceOfAsync(TronAddress.Parse(wallet))
            : await EvmToken(chain, token).BalanceOfAsync(EvmAddress.Parse(wallet));
        // A wallet may hold dust (a test sends single raw units on purpose): compare whole canonical units.
        var scale = BigInteger.Pow(10, token.Decimals - CanonicalAmount.Decimals);
        return CanonicalAmount.FromChainUnits(balance.Value / scale * scale, token.Decimals);
    }

    /// <summary>The token's total supply in canonical units, read from the chain.</summary>
    public async Task<CanonicalAmount> SupplyAsync(string symbol, string chain)
    {
        var token = await TokenAsync(symbol, chain);
        if (chain == "solana")
        {
            return CanonicalAmount.FromChainUnits(await SolanaTokens().GetSupplyAsync(PublicKey.Parse(token.TokenAddress)), token.Decimals);
        }
        if (chain == "tron")
        {
            return CanonicalAmount.FromChainUnits((await TronToken(token).TotalSupplyAsync()).Value, token.Decimals);
        }
        return CanonicalAmount.FromChainUnits((await EvmToken(chain, token).TotalSupplyAsync()).Value, token.Decimals);
    }

    /// <summary>EVM: whether the token's blocklist holds <paramref name="address"/>, read from the chain.</summary>
    public async Task<bool> IsBlockedAsync(string symbol, string chain, string address) =>
        await EvmToken(chain, await TokenAsync(symbol, chain)).IsBlockedAsync(EvmAddress.Parse(address));

    /// <summary>EVM: lets the issuer burn <paramref name="amount"/> from the partner's wallet (redemption and moves).</summary>
    public async Task ApproveIssuerAsync(string symbol, string chain, CanonicalAmount amount)
    {
        var token = await TokenAsync(symbol, chain);
        if (chain == "tron")
        {
            var tron = TronToken(token);
            var status = await tron.SendAsync(tron.ApproveCall(platform.TronPartner, TronAddress.Parse(await RedemptionAddressAsync(chain)),
                new UInt256(amount.ToChainUnits(token.Decimals))), platform.EvmPartner);
            Assert.Equal(TronTxState.Succeeded, status.State);
            return;
        }
        var issuer = EvmAddress.Parse(await RedemptionAddressAsync(chain));
        var receipt = await EvmToken(chain, token).ApproveAsync(EvmSender(chain), issuer, new UInt256(amount.ToChainUnits(token.Decimals)),
            $"approve-{Guid.NewGuid():N}");
        Assert.True(receipt.Succeeded);
    }

    /// <summary>Sends tokens from the partner's wallet (or another key's) to an address; returns the transaction id.</summary>
    public async Task<string> SendAsync(string symbol, string chain, string to, CanonicalAmount amount, EvmPrivateKey? from = null, BigInteger? rawAmount = null)
    {
        var token = await TokenAsync(symbol, chain);
        var raw = rawAmount ?? amount.ToChainUnits(token.Decimals);
        if (chain == "solana")
        {
            var outcome = await SolanaTokens().TransferAsync($"send-{Guid.NewGuid():N}", PublicKey.Parse(token.TokenAddress), platform.SolanaPartner,
                PublicKey.Parse(to), (ulong)raw);
            return outcome.Signature;
        }
        if (chain == "tron")
        {
            var key = from ?? platform.EvmPartner;
            var tron = TronToken(token);
            var status = await tron.SendAsync(tron.TransferCall(TronAddress.FromPublicKey(key.PublicKey), TronAddress.Parse(to), new UInt256(raw)), key);
            Assert.Equal(TronTxState.Succeeded, status.State);
            return status.TxId;
        }
        var receipt = await EvmToken(chain, token).TransferAsync(EvmSender(chain, from), EvmAddress.Parse(to), new UInt256(raw), $"send-{Guid.NewGuid():N}");
        Assert.True(receipt.Succeeded);
        return receipt.TransactionHash.ToString();
    }

    /// <summary>Gives an address fee money: 10 ETH for gas on EVM (anvil's own cheat method), 10,000 TRX on Tron.</summary>
    public async Task FundGasAsync(string chain, string address)
    {
        if (chain == "tron")
        {
            // 10,000 TRX from the local node's faucet, for energy.
            await platform.Tron.Http.PostAsync("admin/fund", new { address, amount = 10_000_000_000L });
            return;
        }
        using var http = new HttpClient();
        var body = $$"""{"jsonrpc":"2.0","id":1,"method":"anvil_setBalance","params":["{{address}}","0x8ac7230489e80000"]}""";
        using var response = await http.PostAsync(Node(chain).RpcUrl, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
    }

    private TronToken TronToken(DeploymentConfig token) => new(platform.Tron.Client, platform.Artifact, TronAddress.Parse(token.TokenAddress));

    private AnvilNode Node(string chain) => chain == "ethereum" ? platform.Ethereum : platform.Bnb;

    private EvmClient EvmClient(string chain) =>
        new(new EvmChainConfig(chain, Node(chain).ChainId, Node(chain).RpcUrl, 1, EvmFeeModel.Eip1559));

    private SharemintToken EvmToken(string chain, DeploymentConfig token) =>
        new(EvmClient(chain), platform.Artifact, EvmAddress.Parse(token.TokenAddress));

    private EvmTransactionSender EvmSender(string chain, EvmPrivateKey? key = null) => new(EvmClient(chain), key ?? platform.EvmPartner, _evmStore);

    private XStockTokenClient SolanaTokens()
    {
        var rpc = new SolanaRpcClient(platform.Solana.Endpoint);
        return new XStockTokenClient(rpc, new TransactionSender(rpc, _solanaStore), platform.SolanaPartner);
    }
}
