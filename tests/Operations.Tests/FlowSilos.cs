using System.Globalization;
using System.Security.Cryptography;
using Sharemint.Bridges;
using Sharemint.Catalog;
using Sharemint.Chains.Evm;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Reserves;
using Sharemint.Units;

namespace Sharemint.Operations.Tests;

/// <summary>
/// Silos that run the real money flows against one anvil chain (<c>ethereum</c>): the token deployer, the market at a fixed
/// TSLA price with the market always open, the paper broker, the issuer's signing keys, and the demo partner with anvil's
/// account 1 allow-listed. Plus the few calls the tests make again and again: quote + mint, wait, read the chain.
/// </summary>
public static class FlowSilos
{
    public const string Symbol = "TSLAx";
    public const string Chain = "ethereum";
    public const string Partner = "partner-demo";
    public const decimal TslaPrice = 250.00m;

    /// <summary>anvil's account 0: the issuer (deployer, minter).</summary>
    public const string IssuerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    /// <summary>anvil's account 1: the demo partner's wallet.</summary>
    public const string PartnerWallet = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

    /// <summary>A fresh base64 32-byte seed for the attestation and quote keys.</summary>
    public static string NewKeySeed() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The environment of a silo that signs on <paramref name="anvil"/>; <paramref name="deployTokens"/> on the first silo only.</summary>
    public static Dictionary<string, string> Environment(AnvilNode anvil, string keySeed, bool deployTokens) => new()
    {
        ["Sharemint__DeployTokens"] = deployTokens ? "true" : "false",
        ["Sharemint__DeploySymbols"] = Symbol,
        ["Sharemint__Market__Hours"] = "always",
        ["Sharemint__Market__Prices__TSLA"] = TslaPrice.ToString(CultureInfo.InvariantCulture),
        ["Sharemint__Signing__AttestationKey"] = keySeed,
        ["Sharemint__Signing__QuoteKey"] = keySeed,
        ["Sharemint__Orders__PollPeriod"] = "00:00:00.100",
        ["Sharemint__Orders__MintRetryDelay"] = "00:00:01",
        ["Sharemint__Bridges__DepositScanInterval"] = "00:00:01",
        [$"Sharemint__Chains__{Chain}__Family"] = "evm",
        [$"Sharemint__Chains__{Chain}__RpcUrl"] = anvil.RpcUrl.ToString(),
        [$"Sharemint__Chains__{Chain}__ChainId"] = anvil.ChainId.ToString(CultureInfo.InvariantCulture),
        [$"Sharemint__Chains__{Chain}__PrivateKey"] = IssuerKey,
        [$"Sharemint__Demo__Wallets__{Chain}"] = PartnerWallet,
    };

    /// <summary>Waits until the first silo's token deployer has deployed the token and run its first reconciliation.</summary>
    public static async Task WaitForDeploymentAsync(IGrainFactory grains, TimeSpan timeout, Func<string> diagnostics)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var deployments = await grains.GetGrain<ICatalogGrain>(0).ListDeploymentsAsync();
                if (deployments.Any(d => d.Symbol == Symbol && d.Chain == Chain)
                    && await grains.GetGrain<IReservesGrain>(Symbol).GetLatestAsync() is not null)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is not Errors.LedgerException && DateTime.UtcNow < deadline)
            {
                // The catalogue may not be reachable for a moment right after start-up; poll again.
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{Symbol} was not deployed on {Chain} within {timeout}.\n{diagnostics()}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>Quotes and places one mint to the partner's wallet under <paramref name="idempotencyKey"/>; returns the accepted order.</summary>
    public static async Task<(Quote Quote, OrderSnapshot Order)> PlaceMintAsync(IGrainFactory grains, CanonicalAmount amount, string idempotencyKey)
    {
        var quote = await grains.GetGrain<IQuoteGrain>($"q_{idempotencyKey}").CreateAsync(new QuoteRequest(Partner, Symbol, QuoteSide.Mint, amount));
        var order = await grains.GetGrain<IOrderGrain>(OrderIds.FromIdempotencyKey(Partner, idempotencyKey))
            .PlaceMintAsync(new MintOrderRequest(Partner, quote.QuoteId, Chain, PartnerWallet));
        return (quote, order);
    }

    /// <summary>Polls the order until it is terminal; fails with its steps when the deadline passes.</summary>
    public static async Task<OrderSnapshot> WaitForTerminalAsync(IGrainFactory grains, string orderId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        OrderSnapshot? last = null;
        while (true)
        {
            try
            {
                last = await grains.GetGrain<IOrderGrain>(orderId).GetAsync();
                if (last.IsTerminal)
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is not Errors.LedgerException && DateTime.UtcNow < deadline)
            {
                // The order's silo may just have died; the next poll reaches its new activation.
            }
            if (DateTime.UtcNow > deadline)
            {
                var steps = last is null ? "" : string.Join("\n", last.Steps.Select(s => $"  {s.Name} {s.Outcome} {s.Detail}"));
                throw new TimeoutException($"Order {orderId} is {last?.Status} after {timeout}.\n{steps}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>The deployed token, found through the bridge grain and read from the chain itself.</summary>
    public static async Task<DeployedToken> TokenAsync(IGrainFactory grains, AnvilNode anvil)
    {
        var bridge = await grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(Symbol, Chain)).GetAsync();
        var client = new EvmClient(new EvmChainConfig(Chain, anvil.ChainId, anvil.RpcUrl, 1, EvmFeeModel.Eip1559));
        return new DeployedToken(new SharemintToken(client, SharemintTokenArtifact.Locate(), EvmAddress.Parse(bridge.Config.TokenAddress)),
            bridge.Config.Decimals);
    }
}

/// <summary>The token contract on anvil, its amounts converted exactly to canonical units.</summary>
public sealed record DeployedToken(SharemintToken Contract, int Decimals)
{
    /// <summary>The real on-chain total supply.</summary>
    public async Task<CanonicalAmount> TotalSupplyAsync() => CanonicalAmount.FromChainUnits((await Contract.TotalSupplyAsync()).Value, Decimals);

    /// <summary>The real on-chain balance of <paramref name="wallet"/>.</summary>
    public async Task<CanonicalAmount> BalanceAsync(string wallet) =>
        CanonicalAmount.FromChainUnits((await Contract.BalanceOfAsync(EvmAddress.Parse(wallet))).Value, Decimals);
}
