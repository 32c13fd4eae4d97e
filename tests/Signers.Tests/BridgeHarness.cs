using Sharemint.Assets;
using Sharemint.Bridges;
using Sharemint.Operations;
using Sharemint.Units;

namespace Sharemint.Signers.Tests;

/// <summary>One asset deployed for real on one test chain, with its asset ledger and bridge grain.</summary>
public sealed record Deployment(SignerFixture Fixture, string Chain, string Symbol, TokenDeployment Token)
{
    /// <summary>The asset's ledger (through the current cluster: still valid after a restart).</summary>
    public IAssetGrain Asset => Fixture.Grains.GetGrain<IAssetGrain>(Symbol);

    /// <summary>The deployment's bridge (through the current cluster).</summary>
    public IChainBridgeGrain Bridge => Fixture.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(Symbol, Chain));

    /// <summary>Deploys a fresh token, defines the asset with custody, and configures the bridge.</summary>
    public static async Task<Deployment> CreateAsync(SignerFixture fixture, string chain)
    {
        var symbol = ChainHelpers.NewSymbol()[..6] + "x";
        var token = await fixture.Signer(chain).DeployTokenAsync(new TokenDeploymentRequest(symbol, "Test xStock", Multiplier.One));
        var asset = fixture.Grains.GetGrain<IAssetGrain>(symbol);
        await asset.DefineAsync(new AssetDefinition(symbol, "TSLA", "Tesla xStock", "US88160R1014", AssetKind.Stock));
        await asset.AddCustodyAsync(OperationId.New("custody"), 1000m);
        var bridge = fixture.Grains.GetGrain<IChainBridgeGrain>(DeploymentKey.For(symbol, chain));
        await bridge.ConfigureAsync(new DeploymentConfig(token.TokenAddress, token.Decimals));
        return new Deployment(fixture, chain, symbol, token);
    }

    /// <summary>Reserves custody for <paramref name="amount"/> and asks the bridge to mint it to <paramref name="wallet"/> under <c>{order}/mint</c>.</summary>
    public async Task<OperationId> RequestMintAsync(OperationId order, string wallet, CanonicalAmount amount, string step = "mint")
    {
        var reservation = order.Step("reserve");
        await Asset.ReserveCustodyAsync(reservation, Chain, amount);
        var mint = order.Step(step);
        await Bridge.RequestMintAsync(mint, new ChainMintRequest(MintBacking.Reservation, reservation.Value, wallet, amount));
        return mint;
    }

    /// <summary>Waits until the mint is Recorded or Failed (mining a block per turn on the two-confirmation chain).</summary>
    public async Task<ChainOperationProgress> MintDoneAsync(OperationId mint)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var progress = await Bridge.GetMintProgressAsync(mint);
            if (progress.State is ChainOperationState.Recorded or ChainOperationState.Failed)
            {
                return progress;
            }
            Assert.True(DateTime.UtcNow < deadline, $"mint {mint} still {progress.State} after 60 s");
            if (Chain == "evm-b")
            {
                await Fixture.MineAsync(Fixture.AnvilB);
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until the burn is Recorded or Failed.</summary>
    public async Task<ChainOperationProgress> BurnDoneAsync(OperationId burn)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var progress = await Bridge.GetBurnProgressAsync(burn);
            if (progress.State is ChainOperationState.Recorded or ChainOperationState.Failed)
            {
                return progress;
            }
            Assert.True(DateTime.UtcNow < deadline, $"burn {burn} still {progress.State} after 60 s");
            await Task.Delay(100);
        }
    }

    /// <summary>The wallet's balance read from the chain now.</summary>
    public async Task<CanonicalAmount> BalanceAsync(string wallet) =>
        (await Fixture.Signer(Chain).GetBalanceAsync(Token.TokenAddress, Token.Decimals, wallet)).Canonical;

    /// <summary>Asserts the ledger's supply equals the token's real supply.</summary>
    public async Task AssertLedgerEqualsChainAsync()
    {
        var chain = await Fixture.Signer(Chain).GetSupplyAsync(Token.TokenAddress, Token.Decimals);
        Assert.Equal(chain.Canonical, (await Bridge.GetAsync()).Supply);
    }

    /// <summary>Pauses or resumes the token on-chain through the signer and waits until final.</summary>
    public async Task SetTokenPausedAsync(bool paused)
    {
        var write = ChainHelpers.Write($"{Symbol}-pause-{paused}-{Guid.NewGuid():N}", ChainWriteKind.SetPaused, Token, ("", ChainHelpers.Tokens(paused ? 1m : 0m)));
        await Fixture.Signer(Chain).SubmitAsync(write);
        Assert.Equal(ChainWriteState.Final, (await Fixture.UntilDoneAsync(Chain, write.WriteId)).State);
    }

    /// <summary>A fresh EVM address nobody holds a key for.</summary>
    public static string EvmWallet() => "0x" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
}
