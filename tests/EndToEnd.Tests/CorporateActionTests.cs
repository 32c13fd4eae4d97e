using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Sharemint.Assets;
using Sharemint.Chains.Tests.Solana;
using Sharemint.CorporateActions;
using Sharemint.Errors;
using Sharemint.Quotes;
using Sharemint.Units;
using static Sharemint.EndToEnd.Tests.FlowTestSupport;

namespace Sharemint.EndToEnd.Tests;

/// <summary>
/// Corporate actions end to end on NVDAx (the flow tests price TSLAx at multiplier 1): a 2-for-1 split and then a reinvested
/// dividend, each a few seconds ahead, written to ethereum, bnb, solana and tron, read back with cast, TronWeb and web3.js + spl-token.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CorporateActionTests(PlatformFixture platform)
{
    private const string Symbol = "NVDAx";
    private readonly Holders _holders = new(platform);

    [Fact]
    public async Task Split_and_dividend_reach_every_chain_pause_around_the_switch_and_keep_backing()
    {
        await platform.EnsureRunningAsync();
        var actions = platform.Grains.GetGrain<ICorporateActionGrain>(Symbol);
        var asset = platform.Grains.GetGrain<IAssetGrain>(Symbol);
        await platform.MintAsync(_holders, Symbol, "ethereum", Tokens(2m));
        await platform.MintAsync(_holders, Symbol, "solana", Tokens(1m));
        var rawBefore = await RawBalancesAsync();
        var declaredBefore = (await actions.ListAsync()).Count;
        var before = await asset.GetAsync();
        var quoteBefore = await platform.QuoteAsync(Symbol, QuoteSide.Mint, Tokens(1m));
        Assert.Equal(before.Multiplier, quoteBefore.Multiplier);

        // Bad input changes nothing.
        var soon = DateTimeOffset.UtcNow.AddSeconds(20);
        await RefusedAsync(LedgerError.InvalidArgument, actions.DeclareAsync(Split("past", DateTimeOffset.UtcNow.AddSeconds(-5), 2, 1)));
        await RefusedAsync(LedgerError.InvalidArgument, actions.DeclareAsync(Split("zero", soon, 0, 1)));
        await RefusedAsync(LedgerError.InvalidArgument, actions.DeclareAsync(Split("notsplit", soon, 1, 2)));
        await RefusedAsync(LedgerError.AmountOverflow, actions.DeclareAsync(Split("huge", soon, 1_000_000_000_000, 1)));
        await RefusedAsync(LedgerError.AmountOverflow, actions.DeclareAsync(
            new CorporateActionRequest("hugediv", CorporateActionKind.DividendReinvested, soon, 1_000_000_000_000m, 0.0001m, 0, 0)));
        Assert.Equal(declaredBefore, (await actions.ListAsync()).Count);

        // 2-for-1 split.
        var splitId = $"split-{Guid.NewGuid():N}"[..20];
        var split = await actions.DeclareAsync(Split(splitId, soon, 2, 1));
        Assert.Equal(before.Multiplier.Value * 2, split.NewMultiplier.Value);
        await RefusedAsync(LedgerError.CorporateActionConflict, actions.DeclareAsync(Split("overlap", soon.AddSeconds(5), 3, 1)));

        var scheduled = await WaitForStageAsync(actions, splitId, CorporateActionStage.Scheduled, soon);
        Assert.All(scheduled.Chains, c => Assert.True(c.ShowsPending, $"{c.Chain}: {c.SeenLatestRaw} at {c.SeenLatestEffectiveAt}"));
        await AssertChainsShowAsync(split.NewMultiplier, soon);
        Assert.Equal(before.Multiplier, (await asset.GetAsync()).Multiplier);

        await WaitForStageAsync(actions, splitId, CorporateActionStage.Paused, soon.AddSeconds(10));
        var refused = await Assert.ThrowsAsync<LedgerException>(() => platform.QuoteAsync(Symbol, QuoteSide.Mint, Tokens(1m)));
        Assert.Equal(LedgerError.AssetPaused, refused.Error);
        Assert.Contains(splitId, refused.Message, StringComparison.Ordinal);
        AssertBacked(await asset.GetAsync());

        var done = await WaitForStageAsync(actions, splitId, CorporateActionStage.Completed, soon.AddSeconds(60), assetToWatch: asset);
        Assert.All(done.Chains, c => Assert.True(c.ShowsNew, c.Chain));
        await AssertChainsShowAsync(split.NewMultiplier, soon);
        var afterSplit = await asset.GetAsync();
        Assert.Equal(split.NewMultiplier, afterSplit.Multiplier);
        Assert.Null(afterSplit.CorporateActionWindow);
        Assert.Equal(Math.Floor(before.CustodyShares * 2 * 1_000_000_000m) / 1_000_000_000m, afterSplit.CustodyShares);
        AssertBacked(afterSplit);
        Assert.Equal(rawBefore, await RawBalancesAsync());

        // Quotes price at the new multiplier; minting works again.
        var quoteAfter = await platform.QuoteAsync(Symbol, QuoteSide.Mint, Tokens(1m));
        Assert.Equal(split.NewMultiplier, quoteAfter.Multiplier);
        Assert.Equal(split.NewMultiplier.SharesToBack(Tokens(1m)), quoteAfter.Shares);
        await platform.MintAsync(_holders, Symbol, "ethereum", Tokens(1m));
        AssertBacked(await asset.GetAsync());
        // The mint mined a block after the effective time: ERC-8056's current multiplier is the new one there.
        var ethereumToken = (await _holders.TokenAsync(Symbol, "ethereum")).TokenAddress;
        Assert.Equal(split.NewMultiplier.Raw.ToString(CultureInfo.InvariantCulture),
            FirstWord(await CastAsync("call", ethereumToken, "uiMultiplier()(uint256)", "--rpc-url", platform.Ethereum.RpcUrl.ToString())));
        // The same on Tron once a mint has run there after the effective time (its contracts read the time of the last block
        // that ran a transaction).
        await platform.MintAsync(_holders, Symbol, "tron", Tokens(0.5m));
        var tronRead = await TronWebHolder.RunAsync(platform, "multiplier", "--token", (await _holders.TokenAsync(Symbol, "tron")).TokenAddress);
        Assert.Equal(split.NewMultiplier.Raw.ToString(CultureInfo.InvariantCulture), tronRead.GetProperty("uiMultiplier").GetString());

        // A reinvested dividend: $1.25 on a $125 reference price raises the multiplier by 1 % and buys the shares.
        var dividendAt = DateTimeOffset.UtcNow.AddSeconds(20);
        var dividendId = $"div-{Guid.NewGuid():N}"[..20];
        var dividend = await actions.DeclareAsync(new CorporateActionRequest(dividendId, CorporateActionKind.DividendReinvested, dividendAt, 1.25m, 125m, 0, 0));
        Assert.Equal(split.NewMultiplier.Value * 1.01m, dividend.NewMultiplier.Value);
        // Nothing else runs in this collection meanwhile, so this is the ledger the dividend applies to. Custody may already
        // hold inventory from earlier tests on this asset (shares a cancelled mint had bought): the dividend buys only what
        // backing at the new multiplier needs beyond it.
        var beforeDividend = await asset.GetAsync();
        var needed = dividend.NewMultiplier.SharesToBack(beforeDividend.Issued)
            + Math.Max(beforeDividend.ReservedShares, dividend.NewMultiplier.SharesToBack(beforeDividend.PendingMint));
        var shortfall = Math.Max(0m, Math.Ceiling((needed - beforeDividend.CustodyShares) * 1_000_000_000m) / 1_000_000_000m);
        var dividendDone = await WaitForStageAsync(actions, dividendId, CorporateActionStage.Completed, dividendAt.AddSeconds(60), assetToWatch: asset);
        Assert.Equal(shortfall, dividendDone.SharesBought);
        await AssertChainsShowAsync(dividend.NewMultiplier, dividendAt);
        var afterDividend = await asset.GetAsync();
        Assert.Equal(dividend.NewMultiplier, afterDividend.Multiplier);
        Assert.Equal(beforeDividend.CustodyShares + dividendDone.SharesBought, afterDividend.CustodyShares);
        AssertBacked(afterDividend);

        var history = (await actions.HistoryAsync()).TakeLast(2).ToArray();
        Assert.Equal([splitId, dividendId], history.Select(h => h.ActionId).ToArray());
        Assert.Equal(before.Multiplier, history[0].OldMultiplier);
        Assert.Equal(split.NewMultiplier, history[1].OldMultiplier);
        Assert.Equal(dividend.NewMultiplier, history[1].NewMultiplier);
    }

    [Fact]
    public async Task A_crash_between_chains_ends_with_every_chain_at_the_same_multiplier_set_once()
    {
        await platform.EnsureRunningAsync();
        var nonces = await EvmNoncesAsync();
        // Chains are written in catalogue order (bnb, ethereum, solana, tron): stop hard once bnb's write is submitted.
        await platform.RestartSiloAsync(crashAt: "corporate-action.submitted.bnb");
        var actions = platform.Grains.GetGrain<ICorporateActionGrain>(Symbol);
        var before = await platform.Grains.GetGrain<IAssetGrain>(Symbol).GetAsync();
        var at = DateTimeOffset.UtcNow.AddSeconds(30);
        var id = $"rsplit-{Guid.NewGuid():N}"[..20];
        var declared = await actions.DeclareAsync(new CorporateActionRequest(id, CorporateActionKind.ReverseSplit, at, 0m, 0m, 1, 2));
        Assert.Equal(before.Multiplier.Value / 2, declared.NewMultiplier.Value);
        await platform.WaitForCrashAsync(TimeSpan.FromSeconds(30));

        await platform.RestartSiloAsync();
        File.Delete(platform.CrashMarker);
        // Reading the action activates its grain, which resumes from the recorded step (the reminder would within a minute).
        var done = await WaitForStageAsync(platform.Grains.GetGrain<ICorporateActionGrain>(Symbol), id, CorporateActionStage.Completed, at.AddSeconds(60));
        Assert.All(done.Chains, c => Assert.Equal(1, c.Attempts));
        await AssertChainsShowAsync(declared.NewMultiplier, at);
        var after = await EvmNoncesAsync();
        foreach (var (chain, nonce) in nonces)
        {
            Assert.Equal(nonce + 1, after[chain]);
        }
        var asset = await platform.Grains.GetGrain<IAssetGrain>(Symbol).GetAsync();
        Assert.Equal(declared.NewMultiplier, asset.Multiplier);
        AssertBacked(asset);
    }

    [Fact]
    public async Task Reconciliation_reports_a_chain_whose_multiplier_was_changed_outside_the_platform()
    {
        await platform.EnsureRunningAsync();
        var reserves = platform.Grains.GetGrain<Sharemint.Reserves.IReservesGrain>(Symbol);
        var ledger = (await platform.Grains.GetGrain<IAssetGrain>(Symbol).GetAsync()).Multiplier;
        var clean = (await reserves.ReconcileAsync()).Report;
        Assert.All(clean.Deployments, d => Assert.False(d.MultiplierDrift, d.Chain));
        Assert.All(clean.Deployments, d => Assert.Equal(ledger.ToString(), d.OnChainMultiplier));

        // Someone holding the updater role sets bnb's multiplier directly: the next reconciliation shows it.
        var token = (await _holders.TokenAsync(Symbol, "bnb")).TokenAddress;
        var url = platform.Bnb.RpcUrl.ToString();
        var rogue = Multiplier.From(ledger.Value * 3);
        await SetOnChainAsync(token, url, rogue);
        try
        {
            var drifted = (await reserves.ReconcileAsync()).Report;
            var base_ = Assert.Single(drifted.Deployments, d => d.Chain == "bnb");
            Assert.True(base_.MultiplierDrift);
            Assert.Equal(rogue.ToString(), base_.OnChainMultiplier);
            Assert.All(drifted.Deployments.Where(d => d.Chain != "bnb"), d => Assert.False(d.MultiplierDrift, d.Chain));
            Assert.False(drifted.Balanced);
        }
        finally
        {
            await SetOnChainAsync(token, url, ledger);
        }
        var restored = (await reserves.ReconcileAsync()).Report;
        Assert.All(restored.Deployments, d => Assert.False(d.MultiplierDrift, d.Chain));
    }

    private static async Task SetOnChainAsync(string token, string url, Multiplier multiplier)
    {
        var nonce = FirstWord(await CastAsync("call", token, "multiplierNonce()(uint256)", "--rpc-url", url));
        await CastAsync("send", token, "setMultiplier(uint256,uint64,uint256)", multiplier.Raw.ToString(CultureInfo.InvariantCulture), "0", nonce,
            "--private-key", PlatformFixture.IssuerEvmKey, "--rpc-url", url);
    }

    private async Task<Dictionary<string, long>> EvmNoncesAsync()
    {
        var result = new Dictionary<string, long>();
        foreach (var chain in new[] { "ethereum", "bnb" })
        {
            var token = (await _holders.TokenAsync(Symbol, chain)).TokenAddress;
            var url = chain == "ethereum" ? platform.Ethereum.RpcUrl.ToString() : platform.Bnb.RpcUrl.ToString();
            result[chain] = long.Parse(FirstWord(await CastAsync("call", token, "multiplierNonce()(uint256)", "--rpc-url", url)), CultureInfo.InvariantCulture);
        }
        return result;
    }

    private static CorporateActionRequest Split(string id, DateTimeOffset at, long newShares, long oldShares) =>
        new(id, CorporateActionKind.Split, at, 0m, 0m, newShares, oldShares);

    private static async Task RefusedAsync(LedgerError expected, Task call)
    {
        var error = await Assert.ThrowsAsync<LedgerException>(() => call);
        Assert.Equal(expected, error.Error);
    }

    /// <summary>Invariant 1 at this read: custody covers issued × multiplier plus what open orders reserved.</summary>
    private static void AssertBacked(AssetSnapshot asset) =>
        Assert.True(asset.CustodyShares >= asset.BackingShares + asset.ReservedShares,
            $"custody {asset.CustodyShares} < backing {asset.BackingShares} + reserved {asset.ReservedShares}");

    private async Task<CorporateActionSnapshot> WaitForStageAsync(ICorporateActionGrain actions, string id, CorporateActionStage stage, DateTimeOffset until,
        IAssetGrain? assetToWatch = null)
    {
        var deadline = until.AddSeconds(30);
        while (true)
        {
            var action = await actions.GetAsync(id);
            if (action.Stage >= stage)
            {
                return action;
            }
            if (assetToWatch is not null)
            {
                AssertBacked(await assetToWatch.GetAsync());
            }
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"{id} is {action.Stage}, expected {stage}: {string.Join("; ", action.Problems)}");
            }
            await Task.Delay(250);
        }
    }

    private async Task<Dictionary<string, string>> RawBalancesAsync()
    {
        var result = new Dictionary<string, string>();
        foreach (var chain in PlatformFixture.Chains)
        {
            var token = await _holders.TokenAsync(Symbol, chain);
            var supply = await platform.Grains.GetGrain<Sharemint.Signers.IChainReaderGrain>(chain).GetBalanceAsync(token.TokenAddress, token.Decimals, _holders.Wallet(chain));
            result[chain] = supply.RawUnits;
        }
        return result;
    }

    /// <summary>Reads the multiplier with clients we did not write: cast on ethereum and bnb, TronWeb on tron, web3.js + spl-token on solana.</summary>
    private async Task AssertChainsShowAsync(Multiplier expected, DateTimeOffset at)
    {
        var raw = expected.Raw.ToString(CultureInfo.InvariantCulture);
        foreach (var chain in new[] { "ethereum", "bnb" })
        {
            var token = (await _holders.TokenAsync(Symbol, chain)).TokenAddress;
            var url = chain == "ethereum" ? platform.Ethereum.RpcUrl.ToString() : platform.Bnb.RpcUrl.ToString();
            Assert.Equal(raw, FirstWord(await CastAsync("call", token, "newUIMultiplier()(uint256)", "--rpc-url", url)));
            Assert.Equal(at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), FirstWord(await CastAsync("call", token, "effectiveAt()(uint256)", "--rpc-url", url)));
        }
        // Tron's TRC-20 carries the EVM token's multiplier functions: TronWeb reads them through the node's HTTP API.
        var tron = await TronWebHolder.RunAsync(platform, "multiplier", "--token", (await _holders.TokenAsync(Symbol, "tron")).TokenAddress);
        Assert.Equal(raw, tron.GetProperty("newUIMultiplier").GetString());
        Assert.Equal(at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), tron.GetProperty("effectiveAt").GetString());
        var mint = (await _holders.TokenAsync(Symbol, "solana")).TokenAddress;
        var read = await ReadWithWeb3Async(mint);
        Assert.Equal((double)expected.Value, read.GetProperty("newMultiplier").GetDouble());
        Assert.Equal(at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), read.GetProperty("newMultiplierEffectiveTimestamp").GetString());
    }

    private static string FirstWord(string text) => text.Split(' ', 2)[0];

    private static async Task<string> CastAsync(params string[] args)
    {
        var cast = Path.Combine(SolanaDevnet.RepoRoot, "devnet", "node_modules", "@foundry-rs", "cast-linux-amd64", "bin", "cast");
        var psi = new ProcessStartInfo(cast) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"cast {string.Join(' ', args)} failed: {await stderr}");
        return (await stdout).Trim();
    }

    private async Task<JsonElement> ReadWithWeb3Async(string mint)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = SolanaDevnet.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(SolanaDevnet.RepoRoot, "devnet", "solana-check", "read.js"));
        psi.ArgumentList.Add(platform.Solana.Endpoint.ToString());
        psi.ArgumentList.Add(mint);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"read.js failed: {await stderr}");
        using var doc = JsonDocument.Parse(await stdout);
        return doc.RootElement.Clone();
    }
}
