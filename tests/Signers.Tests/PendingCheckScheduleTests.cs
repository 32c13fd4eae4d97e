using Sharemint.Bridges;
using Sharemint.Operations;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// A chain write that stays pending is checked on a backoff schedule, not on every 100 ms tick: the RPC requests one
/// pending Solana write costs while the network loses its copies, measured through the gate in front of the devnet, beside
/// the same write checked every 100 ms in the same run.
/// </summary>
[Collection(SignerCollection.Name)]
public sealed class PendingCheckScheduleTests(SignerFixture fixture)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task A_pending_write_costs_a_fraction_of_the_requests_a_100_ms_poll_made()
    {
        var deployment = await Deployment.CreateAsync(fixture, "solana");
        var gate = fixture.GateSolana.Inner;
        // Every copy is lost (the blockhash lives 15 s here, longer than each window): the writes stay pending.
        await fixture.Solana.DropTransactionsAsync(1_000_000);
        try
        {
            // Baseline: one write submitted and checked every 100 ms, as the bridge did before.
            var signer = fixture.Signer("solana");
            var write = Write($"poll-baseline-{Guid.NewGuid():N}", ChainWriteKind.Mint, deployment.Token, (Sharemint.Chains.Solana.Keypair.Generate().PublicKey.ToString(), Tokens(1m)));
            var before = gate.RequestsForwarded;
            var until = DateTime.UtcNow + Window;
            Assert.Equal(ChainWriteState.Pending, (await signer.SubmitAsync(write)).State);
            while (DateTime.UtcNow < until)
            {
                Assert.Equal(ChainWriteState.Pending, (await signer.CheckAsync(write.WriteId)).State);
                await Task.Delay(100);
            }
            var polled = gate.RequestsForwarded - before;

            // The bridge: the same kind of write, requested and left to its own schedule for the same time.
            before = gate.RequestsForwarded;
            var mint = await deployment.RequestMintAsync(OperationId.New("order"), Sharemint.Chains.Solana.Keypair.Generate().PublicKey.ToString(), Tokens(1m));
            await Task.Delay(Window);
            var scheduled = gate.RequestsForwarded - before;
            Console.WriteLine($"RPC requests for one pending Solana write over {Window.TotalSeconds:0} s: checked every 100 ms {polled}, on the bridge's backoff {scheduled}");
            Assert.True(scheduled * 2 < polled, $"backoff {scheduled} requests vs 100 ms poll {polled}");
            Assert.True(scheduled > 0, "the bridge checked its write at all");

            // Once the network delivers again, both land once.
            await fixture.Solana.DropTransactionsAsync(0);
            Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", write.WriteId)).State);
            Assert.Equal(ChainOperationState.Recorded, (await deployment.MintDoneAsync(mint)).State);
            // The bridge's ledger holds its own mint; the chain holds both (the baseline write went past the bridge).
            Assert.Equal(Tokens(1m), (await deployment.Bridge.GetAsync()).Supply);
            Assert.Equal(Tokens(2m), (await signer.GetSupplyAsync(deployment.Token.TokenAddress, deployment.Token.Decimals)).Canonical);
        }
        finally
        {
            await fixture.Solana.DropTransactionsAsync(0);
        }
    }
}
