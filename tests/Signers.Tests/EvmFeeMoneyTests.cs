using Sharemint.Chains.Evm;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>Issue 11 behaviour 11 on an EVM chain: an issuer without gas money makes writes wait (with the alert), never fail.</summary>
[Collection(SignerCollection.Name)]
public sealed class EvmFeeMoneyTests(SignerFixture fixture)
{
    [Fact]
    public async Task An_issuer_without_gas_money_makes_a_mint_wait_and_it_lands_once_topped_up()
    {
        var signer = fixture.Signer("evm-b");
        var token = await signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Units.Multiplier.One));
        var issuer = (await signer.GetInfoAsync()).IssuerAddress;
        using var anvil = new JsonRpcClient(fixture.AnvilB.RpcUrl);
        var wallet = "0x" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(20));
        var write = Write($"gasless-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(1m)));
        await anvil.CallAsync("anvil_setBalance", [issuer, "0x0"]);
        try
        {
            var waiting = await Assert.ThrowsAsync<Errors.LedgerException>(() => signer.SubmitAsync(write));
            Assert.Equal(Errors.LedgerError.ChainUnavailable, waiting.Error);
            Assert.True(FeeMoneyAlerts.IsStarved("evm-b"));
        }
        finally
        {
            await anvil.CallAsync("anvil_setBalance", [issuer, "0x21E19E0C9BAB2400000"]);
        }
        var final = await fixture.UntilDoneAsync("evm-b", write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        Assert.Equal(Tokens(1m), (await signer.GetBalanceAsync(token.TokenAddress, token.Decimals, wallet)).Canonical);
        Assert.Equal(Tokens(1m), (await signer.GetSupplyAsync(token.TokenAddress, token.Decimals)).Canonical);
        Assert.False(FeeMoneyAlerts.IsStarved("evm-b"));
    }
}
