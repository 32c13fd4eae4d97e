using Sharemint.Bridges;
using Sharemint.Operations;
using Xunit.Abstractions;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// Issue 11's fault injection at the bridge's boundaries, systematically: every bridge→signer call point (submit and check
/// of a mint batch and of a burn) × every mode (fail before delivery, reply lost, process dies after the effect), on an
/// EVM chain and on Solana, plus the chain boundary itself (the node takes the broadcast and the reply is dropped). After
/// each: the operation is recorded once, the balances read from the chain are exact, and ledger = chain.
/// </summary>
[Collection(SignerCollection.Name)]
public sealed class BridgeFaultMatrixTests(SignerFixture fixture, ITestOutputHelper output)
{
    public static TheoryData<string> Chains => new() { "evm-a", "solana" };

    [Theory]
    [MemberData(nameof(Chains))]
    public async Task Every_bridge_to_signer_fault_leaves_ledger_equal_to_chain(string chain)
    {
        var deployment = await Deployment.CreateAsync(fixture, chain);
        var redemption = (await fixture.Signer(chain).GetInfoAsync()).RedemptionAddress;
        var pairs = 0;
        var minted = Tokens(0m);
        var burned = Tokens(0m);
        foreach (var mode in Enum.GetValues<SignerFaultMode>())
        {
            foreach (var point in new[] { SignerCallPoint.SubmitMint, SignerCallPoint.CheckMint })
            {
                var fired = fixture.Faults.Arm(DeploymentKey.For(deployment.Symbol, chain), point, mode);
                var mint = await deployment.RequestMintAsync(OperationId.New("ord"), redemption, Tokens(2m));
                await SurviveAsync(fired, mode);
                Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(mint)).State);
                minted += Tokens(2m);
                pairs++;
            }
            foreach (var point in new[] { SignerCallPoint.SubmitBurn, SignerCallPoint.CheckBurn })
            {
                var fired = fixture.Faults.Arm(DeploymentKey.For(deployment.Symbol, chain), point, mode);
                var burn = OperationId.New("ord").Step("burn");
                await deployment.Bridge.RequestBurnAsync(burn, new ChainBurnRequest(BurnPurpose.Redemption, null, Tokens(1m)));
                await SurviveAsync(fired, mode);
                Assert.Equal(ChainOperationState.Recorded, (await deployment.BurnDoneAsync(burn)).State);
                burned += Tokens(1m);
                pairs++;
            }
            Assert.Equal(minted - burned, await deployment.BalanceAsync(redemption));
            await deployment.AssertLedgerEqualsChainAsync();
        }

        // The chain boundary: the node takes the mint's broadcast and its reply is dropped.
        var gate = chain == "solana" ? fixture.GateSolana.Inner : fixture.GateA.Inner;
        var dropped = gate.RepliesDropped;
        gate.DropNextSendReplies(1);
        var lost = await deployment.RequestMintAsync(OperationId.New("ord"), redemption, Tokens(3m));
        Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(lost)).State);
        Assert.Equal(dropped + 1, gate.RepliesDropped);
        minted += Tokens(3m);
        pairs++;

        var ledger = await deployment.Bridge.GetAsync();
        Assert.Equal(minted, ledger.Minted);
        Assert.Equal(burned, ledger.Burned);
        Assert.Equal(minted - burned, await deployment.BalanceAsync(redemption));
        Assert.Equal(minted - burned, (await deployment.Asset.GetAsync()).Issued);
        await deployment.AssertLedgerEqualsChainAsync();
        output.WriteLine($"{chain}: {pairs} point × mode pairs injected, each recorded once with ledger = chain");
        Assert.Equal(13, pairs);
    }

    private async Task SurviveAsync(Task fired, SignerFaultMode mode)
    {
        await fired.WaitAsync(TimeSpan.FromSeconds(60));
        if (mode == SignerFaultMode.DieAfter)
        {
            // The process dies between the signer's effect and the bridge's record of it: every grain starts again from storage.
            await fixture.RestartClusterAsync();
        }
    }
}
