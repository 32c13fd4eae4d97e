namespace Sharemint.LocalPlatform.Tests;

/// <summary>A stop and a start of run-local.sh keep partners, orders, balances and every chain's state, and the ledger still equals the chains.</summary>
[Collection(LocalPlatformCollection.Name)]
public sealed class RestartTests(LocalPlatform platform)
{
    [Fact]
    public async Task Stop_and_start_keeps_the_ledger_and_the_chains_and_reconciliation_finds_no_drift()
    {
        await platform.EnsureMintedAsync();
        var partner = platform.Partner();
        var accountBefore = (await partner.Account.GetAsync()).Value;
        var ordersBefore = await partner.Orders.GetOrdersAsync().ToListAsync();
        var assetsBefore = (await partner.Assets.ListAsync()).Value;
        var chainBefore = await ChainSuppliesAsync();
        Assert.Contains(chainBefore, s => s.Value > 0m);

        await platform.StopAsync();
        Assert.False(platform.IsRunning);
        foreach (var file in new[] { "ethereum.state.json", "bnb.state.json", "solana.state.json", "solana.keys", "tron.state.json" })
        {
            Assert.True(File.Exists(Path.Combine(platform.DevDir, file)), $"{file} was not kept");
        }
        // A chain's state lost beside a kept database: the script refuses rather than start a ledger the chain disagrees with.
        var solanaState = Path.Combine(platform.DevDir, "solana.state.json");
        File.Move(solanaState, solanaState + ".aside");
        var refused = await platform.RunScriptAsync("--no-build");
        File.Move(solanaState + ".aside", solanaState);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Start again with --reset", refused.StandardError, StringComparison.Ordinal);

        await platform.StartAsync(reset: false);
        Assert.Contains("keeping the state in", platform.Output, StringComparison.Ordinal);

        // The same partner, cash, wallets, orders and assets...
        partner = platform.Partner();
        var accountAfter = (await partner.Account.GetAsync()).Value;
        Assert.Equal(accountBefore.CashBalance, accountAfter.CashBalance);
        Assert.Equal(accountBefore.Kyc, accountAfter.Kyc);
        Assert.Equal(accountBefore.Wallets.Select(w => (w.Chain, w.Address)).Order(), accountAfter.Wallets.Select(w => (w.Chain, w.Address)).Order());
        var ordersAfter = await partner.Orders.GetOrdersAsync().ToListAsync();
        Assert.Equal(ordersBefore.Select(o => (o.OrderId, o.Status, o.AmountUnits)), ordersAfter.Select(o => (o.OrderId, o.Status, o.AmountUnits)));
        Assert.Equal(assetsBefore.Select(a => (a.Symbol, a.IssuedUnits, a.CustodyShares)), (await partner.Assets.ListAsync()).Value.Select(a => (a.Symbol, a.IssuedUnits, a.CustodyShares)));
        // ...the same tokens on every chain, read by clients we did not write...
        Assert.Equal(chainBefore, await ChainSuppliesAsync());

        // ...and the ledger equals the chains: reconciliation after the restart finds no drift.
        var admin = platform.Admin();
        foreach (var symbol in LocalPlatform.Symbols)
        {
            var attestation = (await admin.ReconcileAsync(symbol)).Value;
            Assert.True(attestation.Report.Balanced, $"{symbol} not balanced after the restart: {attestation.Payload}");
            Assert.All(attestation.Report.Deployments, d => Assert.Equal(0, d.DriftUnits));
            Assert.Equal(LocalPlatform.Chains, attestation.Report.Deployments.Select(d => d.Chain).Order(StringComparer.Ordinal));
        }

        // The restored chains still take the issuer's transactions (EVM nonces, Solana blockhashes after the snapshot, Tron reference blocks).
        var tsla = assetsBefore.Single(a => a.Symbol == "TSLAx").IssuedUnits;
        await platform.MintAsync("TSLAx", "bnb", 0.5m);
        await platform.MintAsync("TSLAx", "tron", 0.5m);
        await platform.MintAsync("TSLAx", "solana", 0.5m);
        Assert.Equal(tsla + 150_000_000, (await partner.Assets.GetAsync("TSLAx")).Value.IssuedUnits);
        var after = (await admin.ReconcileAsync("TSLAx")).Value;
        Assert.True(after.Report.Balanced, after.Payload);
    }

    private async Task<SortedDictionary<string, decimal>> ChainSuppliesAsync()
    {
        var supplies = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var symbol in LocalPlatform.Symbols)
        {
            foreach (var (chain, token, decimals) in await platform.DeploymentsAsync(symbol))
            {
                supplies[$"{symbol}/{chain}"] = await platform.SupplyFromChainAsync(chain, token, decimals);
            }
        }
        return supplies;
    }
}
