using Sharemint.Chains.Evm;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// Issue 11 behaviour 10 on anvil: a deposit keeps its identity when a reorg includes it again elsewhere (so it redeems
/// once), and the <c>finalized</c> block tag decides finality where configured.
/// </summary>
[Collection(SignerCollection.Name)]
public sealed class EvmReorgTests(SignerFixture fixture)
{
    private const ulong Wei = 1_000_000_000_000_000_000UL;

    [Fact]
    public async Task A_deposit_reorged_out_and_included_again_at_another_position_keeps_its_deposit_id()
    {
        var signer = fixture.Signer("evm-a");
        var token = await signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Units.Multiplier.One));
        var first = await fixture.EvmHolderAsync(fixture.AnvilA, SignerFixture.ChainIdA, token.TokenAddress);
        var second = await fixture.EvmHolderAsync(fixture.AnvilA, SignerFixture.ChainIdA, token.TokenAddress);
        var mint = Write($"reorg-mint-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (first.Address, Tokens(5m)), (second.Address, Tokens(5m)));
        await signer.SubmitAsync(mint);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-a", mint.WriteId)).State);
        var redemption = EvmAddress.Parse((await signer.GetInfoAsync()).RedemptionAddress);
        using var anvil = new JsonRpcClient(fixture.AnvilA.RpcUrl);
        var snapshot = (await anvil.CallAsync("evm_snapshot", [])).GetString()!;

        // The deposit lands alone in its block and is seen.
        var sender = new EvmTransactionSender(first.Client, first.Key, new InMemorySignedTransactionStore());
        var deposit = await sender.SubmitAsync(first.Token.TransferRequest(redemption, new UInt256(2 * Wei)), "deposit");
        await sender.WaitAsync("deposit");
        var seen = Assert.Single((await signer.ScanDepositsAsync(token.TokenAddress, token.Decimals, null, 100)).Deposits);

        // Reorg: the block goes away; the same signed transaction comes back behind another deposit in one block.
        await anvil.CallAsync("evm_revert", [snapshot]);
        await anvil.CallAsync("evm_setAutomine", [false]);
        try
        {
            var other = new EvmTransactionSender(second.Client, second.Key, new InMemorySignedTransactionStore());
            await other.SubmitAsync(second.Token.TransferRequest(redemption, new UInt256(Wei)), "other");
            await anvil.CallAsync("eth_sendRawTransaction", [EvmHex.Encode(deposit.Raw)]);
            await anvil.CallAsync("evm_mine", []);
        }
        finally
        {
            await anvil.CallAsync("evm_setAutomine", [true]);
        }
        var again = await first.Client.GetReceiptAsync(deposit.Hash);
        Assert.NotNull(again);
        Assert.True(again.Logs[0].LogIndex > 0, "the re-included deposit must sit behind another log in its block for this test to mean anything");

        var rescanned = (await signer.ScanDepositsAsync(token.TokenAddress, token.Decimals, null, 100)).Deposits;
        Assert.Equal(2, rescanned.Count);
        var same = Assert.Single(rescanned, d => d.TransactionId == deposit.Hash.ToString());
        Assert.Equal(seen.DepositId, same.DepositId);
        Assert.Equal(Tokens(2m), same.Amount);
    }

    [Fact]
    public async Task With_the_finalized_tag_a_receipt_is_final_only_once_the_node_finalized_its_block()
    {
        using var anvil = new JsonRpcClient(fixture.AnvilB.RpcUrl);
        var tagged = new EvmClient(new EvmChainConfig("tagged", SignerFixture.ChainIdB, fixture.AnvilB.RpcUrl, 2, EvmFeeModel.Eip1559) { UseFinalizedTag = true });
        var counted = new EvmClient(new EvmChainConfig("counted", SignerFixture.ChainIdB, fixture.AnvilB.RpcUrl, 2, EvmFeeModel.Eip1559));
        var key = EvmPrivateKey.Generate();
        await anvil.CallAsync("anvil_setBalance", [key.Address.ToString(), "0x56BC75E2D63100000"]);
        var sender = new EvmTransactionSender(tagged, key, new InMemorySignedTransactionStore());
        await sender.SubmitAsync(new EvmTransactionRequest(EvmPrivateKey.Generate().Address, [], new UInt256(1)), "pay");
        await anvil.CallAsync("evm_mine", []);
        var receipt = (await sender.CheckAsync("pay")).Receipt!;

        // Two blocks deep: final by depth, not by the tag (anvil finalizes 64 blocks behind its head).
        await anvil.CallAsync("evm_mine", []);
        Assert.True(await counted.IsFinalAsync(receipt));
        Assert.False(await tagged.IsFinalAsync(receipt));
        // Mine until the node's finalized tag reaches the block: final exactly from then on.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await tagged.GetFinalBlockNumberAsync() ?? 0) < receipt.BlockNumber)
        {
            Assert.False(await tagged.IsFinalAsync(receipt));
            Assert.True(DateTime.UtcNow < deadline, "anvil never finalized the block");
            await anvil.CallAsync("anvil_mine", [EvmHex.EncodeQuantity(8)]);
        }
        Assert.True(await tagged.IsFinalAsync(receipt));
    }
}
