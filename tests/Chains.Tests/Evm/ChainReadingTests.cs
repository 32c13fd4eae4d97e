using System.Diagnostics;
using Sharemint.Chains.Evm;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>Reading: balances, log scanning with cursors and paging, confirmations, reorg detection, and agreement with cast.</summary>
[Collection(AnvilCollection.Name)]
public sealed class ChainReadingTests(AnvilFixture fixture)
{
    [Fact]
    public async Task Transfers_to_an_address_are_scanned_in_pages_and_resumed_from_the_cursor()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        using var pagedClient = new EvmClient(fixture.ConfigA() with { MaxLogBlockRange = 2 });
        var token = new SharemintToken(pagedClient, fixture.Artifact, h.Token.Address);
        var (holder, holderSender) = await h.OtherAccountAsync();
        var redemption = EvmPrivateKey.Generate().Address;
        var elsewhere = EvmPrivateKey.Generate().Address;
        var first = await pagedClient.GetBlockNumberAsync();

        await h.Token.MintAsync(h.Sender, holder.Address, TokenHarness.Tokens(100), Hash32.FromKey("m"));
        await h.Token.TransferAsync(holderSender, redemption, TokenHarness.Tokens(1), "d1");
        await h.Token.TransferAsync(holderSender, elsewhere, TokenHarness.Tokens(2), "x1");
        await h.Token.MintAsync(h.Sender, redemption, TokenHarness.Tokens(3), Hash32.FromKey("m2"));
        var lastDeposit = await h.Token.TransferAsync(holderSender, redemption, TokenHarness.Tokens(4), "d2");

        var scan = await token.ScanTransfersToAsync(redemption, null, first);
        Assert.False(scan.ReorgDetected);
        Assert.Equal(new[] { (holder.Address, TokenHarness.Tokens(1)), (EvmAddress.Zero, TokenHarness.Tokens(3)), (holder.Address, TokenHarness.Tokens(4)) },
            scan.Events.Select(e => (e.From, e.Amount)).ToArray());
        Assert.All(scan.Events, e => Assert.Equal(redemption, e.To));
        Assert.Equal(lastDeposit.TransactionHash, scan.Events[^1].TransactionHash);
        Assert.Equal(lastDeposit.BlockNumber, scan.Cursor!.BlockNumber);
        Assert.Equal(lastDeposit.BlockHash, scan.Cursor.BlockHash);

        // The same scan in slices of at most 3 blocks per call: resuming from each cursor yields the same transfers.
        using var slicedClient = new EvmClient(fixture.ConfigA() with { MaxLogBlockRange = 2, MaxScanBlocks = 3 });
        var sliced = new SharemintToken(slicedClient, fixture.Artifact, h.Token.Address);
        var collected = new List<TokenTransfer>();
        EvmLogCursor? sliceCursor = null;
        var calls = 0;
        do
        {
            var slice = await sliced.ScanTransfersToAsync(redemption, sliceCursor, first);
            Assert.False(slice.ReorgDetected);
            Assert.True(slice.Cursor!.BlockNumber - (sliceCursor?.BlockNumber ?? first - 1) <= 3);
            collected.AddRange(slice.Events);
            sliceCursor = slice.Cursor;
            calls++;
        }
        while (sliceCursor.BlockNumber < scan.Cursor.BlockNumber);
        Assert.True(calls >= 2);
        Assert.Equal(scan.Events, collected);

        // Nothing new: the cursor does not move and nothing is reported twice.
        var idle = await token.ScanTransfersToAsync(redemption, scan.Cursor);
        Assert.Empty(idle.Events);
        Assert.Equal(scan.Cursor, idle.Cursor);

        await h.Token.TransferAsync(holderSender, redemption, TokenHarness.Tokens(5), "d3");
        var next = await token.ScanTransfersToAsync(redemption, idle.Cursor);
        Assert.Equal(TokenHarness.Tokens(5), Assert.Single(next.Events).Amount);
    }

    [Fact]
    public async Task Confirmations_depth_holds_back_recent_blocks()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        using var deep = new EvmClient(fixture.ConfigA(confirmations: 3));
        var token = new SharemintToken(deep, fixture.Artifact, h.Token.Address);
        var redemption = EvmPrivateKey.Generate().Address;
        var start = await deep.GetBlockNumberAsync();
        var receipt = await h.Token.MintAsync(h.Sender, redemption, TokenHarness.Tokens(1), Hash32.FromKey("c"));

        Assert.Equal(1UL, await deep.GetConfirmationsAsync(receipt));
        Assert.False(await deep.IsFinalAsync(receipt));
        var early = await token.ScanTransfersToAsync(redemption, null, start + 1);
        Assert.Empty(early.Events);

        await deep.Rpc.CallAsync("anvil_mine", ["0x2"]);
        Assert.Equal(3UL, await deep.GetConfirmationsAsync(receipt));
        Assert.True(await deep.IsFinalAsync(receipt));
        var final = await token.ScanTransfersToAsync(redemption, early.Cursor, start + 1);
        Assert.Equal(receipt.TransactionHash, Assert.Single(final.Events).TransactionHash);
    }

    [Fact]
    public async Task A_reorg_under_the_cursor_is_detected_and_rescanning_after_rewind_sees_the_new_chain()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var redemption = EvmPrivateKey.Generate().Address;
        var start = await h.Client.GetBlockNumberAsync();
        var snapshot = (await h.Client.Rpc.CallAsync("evm_snapshot", [])).GetString()!;

        var orphaned = await h.Token.MintAsync(h.Sender, redemption, TokenHarness.Tokens(1), Hash32.FromKey("orphan"));
        var before = await h.Token.ScanTransfersToAsync(redemption, null, start + 1);
        Assert.Equal(orphaned.TransactionHash, Assert.Single(before.Events).TransactionHash);

        Assert.True((await h.Client.Rpc.CallAsync("evm_revert", [snapshot])).GetBoolean());
        // A fresh sender: the reverted chain forgot the nonce the old one counted.
        var sender = new EvmTransactionSender(h.Client, h.Key, new InMemorySignedTransactionStore(), h.Sender.Options);
        var replacement = await h.Token.MintAsync(sender, redemption, TokenHarness.Tokens(2), Hash32.FromKey("canonical"));
        Assert.Equal(orphaned.BlockNumber, replacement.BlockNumber);
        Assert.NotEqual(orphaned.BlockHash, replacement.BlockHash);
        Assert.Equal(0UL, await h.Client.GetConfirmationsAsync(orphaned));

        var detected = await h.Token.ScanTransfersToAsync(redemption, before.Cursor);
        Assert.True(detected.ReorgDetected);
        Assert.Empty(detected.Events);
        Assert.Equal(before.Cursor, detected.Cursor);

        var rewound = await h.Client.RewindCursorAsync(before.Cursor!, 2);
        var rescanned = await h.Token.ScanTransfersToAsync(redemption, rewound);
        Assert.False(rescanned.ReorgDetected);
        var transfer = Assert.Single(rescanned.Events);
        Assert.Equal(replacement.TransactionHash, transfer.TransactionHash);
        Assert.Equal(TokenHarness.Tokens(2), transfer.Amount);
    }

    [Fact]
    public async Task Balances_are_exact_wei()
    {
        using var client = new EvmClient(fixture.ConfigA());
        var key = await AnvilFixture.FundedKeyAsync(client);
        Assert.Equal(UInt256.Parse("10000000000000000000000"), await client.GetBalanceAsync(key.Address));
        var sender = new EvmTransactionSender(client, key, new InMemorySignedTransactionStore(), new EvmSenderOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        var to = EvmPrivateKey.Generate().Address;
        var amount = UInt256.Parse("1000000000000000001");
        var receipt = await sender.SendAsync(new EvmTransactionRequest(to, [], amount), "pay");
        Assert.Equal(amount, await client.GetBalanceAsync(to));
        var fee = new UInt256(receipt.GasUsed) * receipt.EffectiveGasPrice;
        Assert.Equal(UInt256.Parse("10000000000000000000000") - amount - fee, await client.GetBalanceAsync(key.Address));
    }

    [Fact]
    public async Task Cast_reads_the_same_balances_and_supply_as_our_client()
    {
        Assert.True(File.Exists(fixture.CastBinary), $"cast is missing at {fixture.CastBinary}: run 'npm ci' in devnet/");
        using var h = await TokenHarness.CreateAsync(fixture);
        var alice = EvmPrivateKey.Generate().Address;
        var bob = EvmPrivateKey.Generate().Address;
        var big = UInt256.Parse("123456789000000000000000001"); // beyond 64 bits and beyond double precision
        await h.Token.MintBatchAsync(h.Sender, [alice, bob], [big, TokenHarness.Tokens(7)], Hash32.FromKey("cast"));
        var url = fixture.NodeA.RpcUrl.ToString();

        Assert.Equal(big, await h.Token.BalanceOfAsync(alice));
        Assert.Equal((await h.Token.BalanceOfAsync(alice)).ToString(), await CastAsync("call", h.Token.Address.ToString(), "balanceOf(address)(uint256)", alice.ToString(), "--rpc-url", url));
        Assert.Equal((await h.Token.BalanceOfAsync(bob)).ToString(), await CastAsync("call", h.Token.Address.ToString(), "balanceOf(address)(uint256)", bob.ToString(), "--rpc-url", url));
        Assert.Equal((await h.Token.TotalSupplyAsync()).ToString(), await CastAsync("call", h.Token.Address.ToString(), "totalSupply()(uint256)", "--rpc-url", url));
        Assert.Equal("TSLAx", (await CastAsync("call", h.Token.Address.ToString(), "symbol()(string)", "--rpc-url", url)).Trim('"'));
        Assert.Equal((await h.Client.GetBalanceAsync(h.Key.Address)).ToString(), await CastAsync("balance", h.Key.Address.ToString(), "--rpc-url", url));
        Assert.Equal(AnvilFixture.ChainIdB.ToString(System.Globalization.CultureInfo.InvariantCulture),
            await CastAsync("chain-id", "--rpc-url", fixture.NodeB.RpcUrl.ToString()));
    }

    /// <summary>Runs cast and returns the first token of its output (cast appends a scientific rendering, e.g. "1000 [1e3]").</summary>
    private async Task<string> CastAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo(fixture.CastBinary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"cast {string.Join(' ', arguments)} failed: {await error}");
        var text = (await output).Trim();
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? text : text[..space];
    }
}
