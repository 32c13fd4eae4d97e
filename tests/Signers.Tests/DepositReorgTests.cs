using System.Globalization;
using Sharemint.Accounts;
using Sharemint.Chains.Evm;
using Sharemint.Errors;
using Sharemint.Operations;
using Sharemint.Orders;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// Issue 11 behaviour 10 at the bridge, on anvil's two-confirmation chain (evm-b) with its snapshot/revert methods: the
/// deposit watcher acts on a deposit only once it is final; a deposit reorged away before then is never paid; and a
/// deposit reorged out after it was redeemed and included again at another position in another block redeems once.
/// </summary>
[Collection(SignerCollection.Name)]
public sealed class DepositReorgTests(SignerFixture fixture)
{
    private const string Chain = "evm-b";
    private const ulong Wei = 1_000_000_000_000_000_000UL;

    [Fact]
    public async Task A_deposit_is_not_acted_on_before_it_is_final_and_one_reorged_away_before_then_is_never_paid()
    {
        var (deployment, holder) = await DeployWithHolderAsync();
        await deployment.Bridge.StartWatchingAsync();
        using var anvil = new JsonRpcClient(fixture.AnvilB.RpcUrl);
        var snapshot = (await anvil.CallAsync("evm_snapshot", [])).GetString()!;
        var redemption = await RedemptionAddressAsync();

        var sender = new EvmTransactionSender(holder.Client, holder.Key, new InMemorySignedTransactionStore());
        var deposit = await sender.SubmitAsync(holder.Token.TransferRequest(redemption, new UInt256(Wei)), "deposit");
        await sender.WaitAsync("deposit");
        var included = (await holder.Client.GetReceiptAsync(deposit.Hash))!;
        var orderId = OrderIds.ForDeposit(Chain, $"{deposit.Hash}:0");

        // One confirmation of two: the watcher scans up to the block below the deposit's and leaves the deposit alone.
        await UntilAsync(async () => await CursorHeightAsync(deployment) >= included.BlockNumber - 1, "the watcher to scan up to the final head");
        Assert.Null(await OrderOrNullAsync(orderId));

        // The block goes away before it is final and the transaction with it; the chain grows past its height.
        Assert.True((await anvil.CallAsync("evm_revert", [snapshot])).GetBoolean());
        await anvil.CallAsync("anvil_dropTransaction", [deposit.Hash.ToString()]);
        await anvil.CallAsync("anvil_mine", [EvmHex.EncodeQuantity(3)]);
        Assert.Null(await holder.Client.GetReceiptAsync(deposit.Hash));
        await UntilAsync(async () => await CursorHeightAsync(deployment) >= included.BlockNumber + 1, "the watcher to scan past the deposit's old height");

        Assert.Null(await OrderOrNullAsync(orderId));
        Assert.Empty(await deployment.Bridge.GetHeldDepositsAsync());
        Assert.Equal(Tokens(5m), await deployment.BalanceAsync(holder.Address));
        Assert.Equal(0, (await deployment.Bridge.GetDepositWatchAsync()).DepositsSeen);
        await deployment.AssertLedgerEqualsChainAsync();
    }

    [Fact]
    public async Task A_redeemed_deposit_reorged_out_and_included_again_at_another_position_redeems_once()
    {
        var (deployment, holder) = await DeployWithHolderAsync();
        var other = await fixture.EvmHolderAsync(fixture.AnvilB, SignerFixture.ChainIdB, deployment.Token.TokenAddress);
        await OnboardAsync(other.Address);
        await deployment.MintDoneAsync(await deployment.RequestMintAsync(OperationId.New("ord"), other.Address, Tokens(5m)));
        await deployment.Bridge.StartWatchingAsync();
        using var anvil = new JsonRpcClient(fixture.AnvilB.RpcUrl);
        var snapshot = (await anvil.CallAsync("evm_snapshot", [])).GetString()!;
        var redemption = await RedemptionAddressAsync();

        // The deposit becomes final, is redeemed, and its burn is final.
        var sender = new EvmTransactionSender(holder.Client, holder.Key, new InMemorySignedTransactionStore());
        var deposit = await sender.SubmitAsync(holder.Token.TransferRequest(redemption, new UInt256(2 * Wei)), "deposit");
        await sender.WaitAsync("deposit");
        var firstBlock = (await holder.Client.GetReceiptAsync(deposit.Hash))!.BlockHash;
        var orderId = OrderIds.ForDeposit(Chain, $"{deposit.Hash}:0");
        var redeemed = await MineUntilAsync(async () => await OrderOrNullAsync(orderId) is { TransactionIds.Count: >= 2 } order
            && await deployment.BalanceAsync(redemption.ToString()) == Tokens(0m) ? order : null,
            async () => $"the deposit to be redeemed and burned: {Describe(await OrderOrNullAsync(orderId))}, redemption address holds "
                + $"{await deployment.BalanceAsync(redemption.ToString())}, watcher {await deployment.Bridge.GetDepositWatchAsync()}");
        var burnHash = redeemed.TransactionIds.Single(t => t != deposit.Hash.ToString());
        var burnRaw = (await anvil.CallAsync("eth_getRawTransactionByHash", [burnHash])).GetString()!;

        // Reorg: both blocks go away; the same deposit comes back behind another holder's deposit in one block, and the
        // issuer's same signed burn follows in the next (as another fork would carry them).
        Assert.True((await anvil.CallAsync("evm_revert", [snapshot])).GetBoolean());
        await anvil.CallAsync("anvil_dropAllTransactions", []);
        await anvil.CallAsync("evm_setAutomine", [false]);
        try
        {
            var otherSender = new EvmTransactionSender(other.Client, other.Key, new InMemorySignedTransactionStore());
            await otherSender.SubmitAsync(other.Token.TransferRequest(redemption, new UInt256(Wei)), "other");
            await anvil.CallAsync("eth_sendRawTransaction", [EvmHex.Encode(deposit.Raw)]);
            await anvil.CallAsync("evm_mine", []);
            await anvil.CallAsync("eth_sendRawTransaction", [burnRaw]);
            await anvil.CallAsync("evm_mine", []);
        }
        finally
        {
            await anvil.CallAsync("evm_setAutomine", [true]);
        }
        var again = (await holder.Client.GetReceiptAsync(deposit.Hash))!;
        Assert.NotEqual(firstBlock, again.BlockHash);
        Assert.True(again.Logs[0].LogIndex > 0, "the re-included deposit must sit behind another log in its block for this test to mean anything");

        // The watcher notices the reorg, rescans, and finds the other deposit plus the same one under the same id.
        var otherOrder = await MineUntilAsync(async () =>
        {
            var scan = await fixture.Signer(Chain).ScanDepositsAsync(deployment.Token.TokenAddress, deployment.Token.Decimals, null, 100);
            var found = scan.Deposits.SingleOrDefault(d => d.Amount == Tokens(1m) && d.FromAddress == other.Address);
            return found is not null && await OrderOrNullAsync(OrderIds.ForDeposit(Chain, found.DepositId)) is { TransactionIds.Count: >= 2 } order
                && await deployment.BalanceAsync(redemption.ToString()) == Tokens(0m) ? order : null;
        }, async () => $"the other deposit to be redeemed and burned: redemption address holds {await deployment.BalanceAsync(redemption.ToString())}, "
            + $"watcher {await deployment.Bridge.GetDepositWatchAsync()}");
        Assert.Equal(Tokens(1m), otherOrder.Amount);

        var deposits = (await fixture.Signer(Chain).ScanDepositsAsync(deployment.Token.TokenAddress, deployment.Token.Decimals, null, 100)).Deposits;
        Assert.Equal(2, deposits.Count);
        Assert.Equal($"{deposit.Hash}:0", Assert.Single(deposits, d => d.TransactionId == deposit.Hash.ToString()).DepositId);
        var order = (await OrderOrNullAsync(orderId))!;
        Assert.Equal(Tokens(2m), order.Amount);
        Assert.Equal(redeemed.TransactionIds, order.TransactionIds);

        // On chain: each deposit burned once (two Burned events, 3 tokens), and the ledger agrees with the chain.
        var burns = (await holder.Token.ScanSupplyChangesAsync(null)).Events.Where(c => c.Kind == TokenSupplyChangeKind.Burn).ToList();
        Assert.Equal(2, burns.Count);
        Assert.Equal(new UInt256(3 * Wei), burns.Aggregate(UInt256.Zero, (sum, b) => sum + b.Amount));
        Assert.Equal(Tokens(3m), await deployment.BalanceAsync(holder.Address));
        Assert.Equal(Tokens(4m), await deployment.BalanceAsync(other.Address));
        await deployment.AssertLedgerEqualsChainAsync();
        Assert.Equal(Tokens(7m), (await deployment.Bridge.GetAsync()).Supply);
    }

    private async Task<(Deployment Deployment, EvmHolder Holder)> DeployWithHolderAsync()
    {
        var deployment = await Deployment.CreateAsync(fixture, Chain);
        var holder = await fixture.EvmHolderAsync(fixture.AnvilB, SignerFixture.ChainIdB, deployment.Token.TokenAddress);
        await OnboardAsync(holder.Address);
        await deployment.MintDoneAsync(await deployment.RequestMintAsync(OperationId.New("ord"), holder.Address, Tokens(5m)));
        return (deployment, holder);
    }

    /// <summary>A KYC-approved partner that allow-lists the wallet, so the wallet's deposits redeem rather than being held.</summary>
    private async Task OnboardAsync(string wallet)
    {
        var id = $"partner-{Guid.NewGuid():N}"[..20];
        await fixture.Grains.GetGrain<Catalog.ICatalogGrain>(0).RegisterAccountAsync(id, new PartnerProfile("Reorg Partner", "CH", PartnerTier.Standard, 0.001m, AccountLimits.Default));
        var account = fixture.Grains.GetGrain<IHolderAccountGrain>(id);
        await account.SetKycStatusAsync(OperationId.New("kyc"), KycStatus.Approved);
        await account.AllowWalletAsync(OperationId.New("wallet"), Chain, wallet);
    }

    private async Task<EvmAddress> RedemptionAddressAsync() => EvmAddress.Parse((await fixture.Signer(Chain).GetInfoAsync()).RedemptionAddress);

    private static async Task<ulong> CursorHeightAsync(Deployment deployment) =>
        (await deployment.Bridge.GetDepositWatchAsync()).Cursor is { } cursor
            ? ulong.Parse(cursor[..cursor.IndexOf(':', StringComparison.Ordinal)], CultureInfo.InvariantCulture)
            : 0;

    private async Task<OrderSnapshot?> OrderOrNullAsync(string orderId)
    {
        try
        {
            return await fixture.Grains.GetGrain<IOrderGrain>(orderId).GetAsync();
        }
        catch (LedgerException e) when (e.Error == LedgerError.OrderNotFound)
        {
            return null;
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> probe, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await probe())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }

    private static string Describe(OrderSnapshot? order) => order is null
        ? "no order"
        : $"order {order.Status} ({order.FailureCode}) after {string.Join(", ", order.Steps.Select(s => $"{s.Name}={s.Outcome} {s.Detail}"))}";

    /// <summary>Mines a block per turn (the chain needs two confirmations) until the probe answers.</summary>
    private async Task<T> MineUntilAsync<T>(Func<Task<T?>> probe, Func<Task<string>> what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {await what()}");
            }
            await fixture.MineAsync(fixture.AnvilB);
            await Task.Delay(200);
        }
    }
}
