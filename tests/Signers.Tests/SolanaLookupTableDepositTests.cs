using System.Text.Json;
using Sharemint.Accounts;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Errors;
using Sharemint.Fixtures;
using Sharemint.Operations;
using Sharemint.Orders;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// Issue 11 behaviour 4 end to end on Solana: a deposit sent by @solana/web3.js in a v0 transaction whose recipient token
/// account and mint come from an address lookup table is found by the watcher and becomes one redemption order. The devnet
/// reports the loaded addresses as a cluster does, so web3.js and our client resolve the same account keys.
/// </summary>
[Collection(SignerCollection.Name)]
public sealed class SolanaLookupTableDepositTests(SignerFixture fixture)
{
    [Fact]
    public async Task A_v0_transfer_through_a_lookup_table_becomes_one_redemption_order()
    {
        var deployment = await Deployment.CreateAsync(fixture, "solana");
        var holder = await fixture.Solana.FundedKeypairAsync();
        var wallet = holder.PublicKey.ToString();
        var id = $"partner-{Guid.NewGuid():N}"[..20];
        await fixture.Grains.GetGrain<Catalog.ICatalogGrain>(0).RegisterAccountAsync(id, new PartnerProfile("Lookup Partner", "CH", PartnerTier.Standard, 0.001m, AccountLimits.Default));
        var account = fixture.Grains.GetGrain<IHolderAccountGrain>(id);
        await account.SetKycStatusAsync(OperationId.New("kyc"), KycStatus.Approved);
        await account.AllowWalletAsync(OperationId.New("wallet"), "solana", wallet);
        await deployment.MintDoneAsync(await deployment.RequestMintAsync(OperationId.New("ord"), wallet, Tokens(5m)));
        await deployment.Bridge.StartWatchingAsync();

        var issuer = (await fixture.Signer("solana").GetInfoAsync()).RedemptionAddress;
        var run = await ProcessRunner.RunAsync("node",
            [Path.Combine("devnet", "solana-check", "lookup-deposit.js"), fixture.Solana.Endpoint.ToString(), Base58.Encode(holder.SecretKey()),
                deployment.Token.TokenAddress, issuer, "150000000"],
            TimeSpan.FromSeconds(90), workingDirectory: SolanaDevnet.RepoRoot);
        using var sent = JsonDocument.Parse(run.StandardOutput);
        var r = sent.RootElement;
        var signature = r.GetProperty("signature").GetString()!;
        var destination = r.GetProperty("destination").GetString()!;
        Assert.Equal(0, r.GetProperty("version").GetInt32());
        Assert.DoesNotContain(destination, Strings(r, "staticKeys"));
        Assert.Equal([destination], Strings(r, "loadedWritable"));
        Assert.Equal([deployment.Token.TokenAddress], Strings(r, "loadedReadonly"));

        // Our client resolves the same full key list (static + loaded writable + loaded readonly) as web3.js.
        var details = await fixture.Solana.Rpc.GetTransactionAsync(signature, Commitment.Confirmed);
        Assert.NotNull(details);
        Assert.Equal(Strings(r, "accountKeys"), details.AllAccountKeys.Select(k => k.ToString()).ToArray());

        var order = await UntilAsync(async () => await OrderOrNullAsync(OrderIds.ForDeposit("solana", $"{signature}:0")), "the deposit's order");
        Assert.Equal(OrderKind.Redeem, order.Kind);
        Assert.NotEqual(OrderStatus.Held, order.Status);
        Assert.Equal(Tokens(1.5m), order.Amount);
        Assert.Equal(wallet, order.FromWallet);
        Assert.Contains(signature, order.TransactionIds);
        var scan = await fixture.Signer("solana").ScanDepositsAsync(deployment.Token.TokenAddress, deployment.Token.Decimals, null, 100);
        Assert.Equal($"{signature}:0", Assert.Single(scan.Deposits, d => d.TransactionId == signature).DepositId);
        Assert.Empty(await deployment.Bridge.GetHeldDepositsAsync());
    }

    private static string[] Strings(JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray().Select(e => e.GetString()!).ToArray();

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

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }
}
