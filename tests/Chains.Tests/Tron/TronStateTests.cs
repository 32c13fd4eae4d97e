using Sharemint.Chains.Evm;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Chains.Tron;
using Xunit;

namespace Sharemint.Chains.Tests.Tron;

/// <summary>The node's --state file: stop and start again with it, and balances, supply and old transactions read the same.</summary>
public sealed class TronStateTests
{
    [Fact]
    public async Task A_restart_with_the_state_file_keeps_balances_supply_and_transactions()
    {
        var artifactPath = Path.Combine(SolanaDevnet.RepoRoot, "contracts", "out", SharemintTokenArtifact.FileName);
        var artifact = SharemintTokenArtifact.Load(artifactPath);
        var state = Path.Combine(Path.GetTempPath(), $"tron-state-{Guid.NewGuid():N}.json");
        try
        {
            TronAddress tokenAddress;
            TronAddress holder = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey);
            TronSignedTransaction mint;
            EvmPrivateKey issuerKey;
            long issuerTrx;
            await using (var node = await TronDevnet.StartAsync(state))
            {
                issuerKey = await node.FundedKeyAsync();
                var issuer = TronAddress.FromPublicKey(issuerKey.PublicKey);
                var token = await TronToken.DeployAsync(node.Client, artifact, await File.ReadAllTextAsync(artifactPath), issuerKey, "Apple xStock", "AAPLx", issuer,
                    SharemintToken.MultiplierOne);
                tokenAddress = token.Address;
                mint = (await node.Client.BuildAsync(token.MintCall(issuer, holder, 4_200, Hash32.FromKey("state-mint")), TronToken.DefaultFeeLimit)).Sign(issuerKey);
                Assert.Equal(TronTxState.Succeeded, (await node.Client.SendAndWaitAsync(mint)).State);
                issuerTrx = (await node.Client.GetAccountAsync(issuer))!.Balance;
                await node.StopAsync();
            }
            Assert.True(File.Exists(state));

            await using (var node = await TronDevnet.StartAsync(state))
            {
                var token = new TronToken(node.Client, artifact, tokenAddress);
                Assert.Equal(new UInt256(4_200), await token.TotalSupplyAsync());
                Assert.Equal(new UInt256(4_200), await token.BalanceOfAsync(holder));
                Assert.Equal(issuerTrx, (await node.Client.GetAccountAsync(TronAddress.FromPublicKey(issuerKey.PublicKey)))!.Balance);
                Assert.Equal(TronTxState.Succeeded, (await node.Client.GetStatusAsync(mint.TxId, mint.Expiration)).State);
                // The chain goes on from where it stopped: a replay of the old operation id is still refused, a new one works.
                await Assert.ThrowsAsync<OperationAlreadyAppliedException>(() =>
                    token.SendAsync(token.MintCall(TronAddress.FromPublicKey(issuerKey.PublicKey), holder, 1, Hash32.FromKey("state-mint")), issuerKey));
                await token.SendAsync(token.MintCall(TronAddress.FromPublicKey(issuerKey.PublicKey), holder, 1, Hash32.FromKey("state-mint-2")), issuerKey);
                Assert.Equal(new UInt256(4_201), await token.TotalSupplyAsync());
            }
        }
        finally
        {
            File.Delete(state);
        }
    }
}
