using Sharemint.Chains.Evm;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>The token contract and its typed wrapper against anvil: supply operations, roles, pause, blocklist, multiplier.</summary>
[Collection(AnvilCollection.Name)]
public sealed class TokenContractTests(AnvilFixture fixture)
{
    [Fact]
    public async Task Deploy_sets_metadata_roles_and_initial_multiplier()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        Assert.Equal("Tesla xStock", await h.Token.NameAsync());
        Assert.Equal("TSLAx", await h.Token.SymbolAsync());
        Assert.Equal(18, await h.Token.DecimalsAsync());
        Assert.Equal(UInt256.Zero, await h.Token.TotalSupplyAsync());
        Assert.Equal(SharemintToken.MultiplierOne, await h.Token.MultiplierAsync());
        Assert.Null(await h.Token.PendingMultiplierAsync());
        foreach (var role in new[] { SharemintToken.DefaultAdminRole, SharemintToken.MinterRole, SharemintToken.BurnerRole, SharemintToken.PauserRole,
                     SharemintToken.MultiplierUpdaterRole, SharemintToken.BlocklistAdminRole })
        {
            Assert.True(await h.Token.HasRoleAsync(role, h.Key.Address));
        }
        var (other, _) = await h.OtherAccountAsync();
        Assert.False(await h.Token.HasRoleAsync(SharemintToken.MinterRole, other.Address));
    }

    [Fact]
    public async Task Mint_mintBatch_and_burn_change_supply_and_emit_events_with_operation_ids()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var alice = EvmPrivateKey.Generate().Address;
        var bob = EvmPrivateKey.Generate().Address;
        var mintOp = Hash32.FromKey("mint-1");
        await h.Token.MintAsync(h.Sender, alice, TokenHarness.Tokens(5), mintOp);
        Assert.Equal(TokenHarness.Tokens(5), await h.Token.BalanceOfAsync(alice));
        Assert.True(await h.Token.IsOperationAppliedAsync(mintOp));

        var batchOp = Hash32.FromKey("batch-1");
        await h.Token.MintBatchAsync(h.Sender, [alice, bob, h.Key.Address], [TokenHarness.Tokens(1), TokenHarness.Tokens(2), TokenHarness.Tokens(10)], batchOp);
        Assert.Equal(TokenHarness.Tokens(6), await h.Token.BalanceOfAsync(alice));
        Assert.Equal(TokenHarness.Tokens(2), await h.Token.BalanceOfAsync(bob));

        var burnOp = Hash32.FromKey("burn-1");
        await h.Token.BurnAsync(h.Sender, TokenHarness.Tokens(4), burnOp);
        Assert.Equal(TokenHarness.Tokens(6), await h.Token.BalanceOfAsync(h.Key.Address));
        Assert.Equal(TokenHarness.Tokens(14), await h.Token.TotalSupplyAsync());

        var scan = await h.Token.ScanSupplyChangesAsync(null);
        Assert.False(scan.ReorgDetected);
        Assert.Equal(
            new[] { (TokenSupplyChangeKind.Mint, mintOp, alice), (TokenSupplyChangeKind.Mint, batchOp, alice), (TokenSupplyChangeKind.Mint, batchOp, bob),
                (TokenSupplyChangeKind.Mint, batchOp, h.Key.Address), (TokenSupplyChangeKind.Burn, burnOp, h.Key.Address) },
            scan.Events.Select(e => (e.Kind, e.OperationId, e.Account)).ToArray());
        Assert.Equal(TokenHarness.Tokens(4), scan.Events[^1].Amount);
    }

    [Fact]
    public async Task Reused_operation_ids_revert_with_a_typed_error_and_nothing_is_signed()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var alice = EvmPrivateKey.Generate().Address;
        var op = Hash32.FromKey("once");
        await h.Token.MintAsync(h.Sender, alice, TokenHarness.Tokens(1), op);
        var nonceBefore = await h.Client.GetTransactionCountAsync(h.Key.Address, "pending");
        var savedBefore = h.Store.All.Count;

        // Same op id under a different operation key: the contract refuses it at simulation; nothing is persisted or broadcast.
        var mintAgain = await Assert.ThrowsAsync<OperationAlreadyAppliedException>(() => h.Sender.SendAsync(h.Token.MintRequest(alice, TokenHarness.Tokens(1), op), "other-key"));
        Assert.Equal(op, mintAgain.OperationId);
        Assert.Null(mintAgain.TransactionHash);
        await Assert.ThrowsAsync<OperationAlreadyAppliedException>(() => h.Sender.SendAsync(h.Token.MintBatchRequest([alice], [TokenHarness.Tokens(1)], op), "batch-key"));
        await h.Token.MintAsync(h.Sender, h.Key.Address, TokenHarness.Tokens(3), Hash32.FromKey("fund-burn"));
        await Assert.ThrowsAsync<OperationAlreadyAppliedException>(() => h.Sender.SendAsync(h.Token.BurnRequest(TokenHarness.Tokens(1), op), "burn-key"));
        Assert.Equal(savedBefore + 1, h.Store.All.Count);
        Assert.Equal(nonceBefore + 1, await h.Client.GetTransactionCountAsync(h.Key.Address, "pending"));
        Assert.Equal(TokenHarness.Tokens(4), await h.Token.TotalSupplyAsync());
    }

    [Fact]
    public async Task A_reverted_mined_transaction_is_decoded_with_its_hash()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var op = Hash32.FromKey("mined-revert");
        await h.Token.MintAsync(h.Sender, h.Key.Address, TokenHarness.Tokens(1), op);
        // A fixed gas limit skips simulation, so the transaction is mined and reverts on chain.
        var request = h.Token.MintRequest(h.Key.Address, TokenHarness.Tokens(1), op) with { GasLimit = 200_000 };
        var error = await Assert.ThrowsAsync<OperationAlreadyAppliedException>(() => h.Sender.SendAsync(request, "forced"));
        Assert.NotNull(error.TransactionHash);
        var receipt = await h.Client.GetReceiptAsync(Hash32.Parse(error.TransactionHash!));
        Assert.False(receipt!.Succeeded);
        Assert.Equal(TokenHarness.Tokens(1), await h.Token.TotalSupplyAsync());
    }

    [Fact]
    public async Task Wrapper_mint_is_idempotent_per_operation_id()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var alice = EvmPrivateKey.Generate().Address;
        var op = Hash32.FromKey("idempotent");
        var first = await h.Token.MintAsync(h.Sender, alice, TokenHarness.Tokens(7), op);
        var second = await h.Token.MintAsync(h.Sender, alice, TokenHarness.Tokens(7), op);
        Assert.Equal(first.TransactionHash, second.TransactionHash);
        Assert.Equal(TokenHarness.Tokens(7), await h.Token.TotalSupplyAsync());
        Assert.Single(h.Store.All, t => t.OperationKey == h.Token.OperationKey("mint", op));
    }

    [Fact]
    public async Task Amounts_beyond_uint256_are_refused_before_and_on_chain()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        Assert.Equal(EvmErrorCode.Overflow, Assert.Throws<EvmException>(() => UInt256.MaxValue + UInt256.One).Code);
        var alice = EvmPrivateKey.Generate().Address;
        await h.Token.MintAsync(h.Sender, alice, UInt256.MaxValue, Hash32.FromKey("max"));
        var overflow = await Assert.ThrowsAsync<ContractRevertedException>(() => h.Token.MintAsync(h.Sender, alice, UInt256.One, Hash32.FromKey("max+1")));
        Assert.Equal("Panic", overflow.ErrorName);
        Assert.Equal(new UInt256(0x11), overflow.Arguments[0]);
        Assert.Equal(UInt256.MaxValue, await h.Token.TotalSupplyAsync());
    }

    [Fact]
    public async Task Callers_without_the_role_are_refused()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var (stranger, strangerSender) = await h.OtherAccountAsync();
        var error = await Assert.ThrowsAsync<MissingRoleException>(() => h.Token.MintAsync(strangerSender, stranger.Address, UInt256.One, Hash32.FromKey("x")));
        Assert.Equal(stranger.Address, error.Account);
        Assert.Equal(SharemintToken.MinterRole, error.Role);
        await Assert.ThrowsAsync<MissingRoleException>(() => h.Token.PauseAsync(strangerSender, "pause-by-stranger"));
        await Assert.ThrowsAsync<MissingRoleException>(() => h.Token.SetBlockedAsync(strangerSender, h.Key.Address, true, "block-by-stranger"));
        await Assert.ThrowsAsync<MissingRoleException>(() => h.Token.SetMultiplierAsync(strangerSender, SharemintToken.MultiplierOne, 0, UInt256.Zero, "m"));

        await h.Token.GrantRoleAsync(h.Sender, SharemintToken.MinterRole, stranger.Address, "grant");
        await h.Token.MintAsync(strangerSender, stranger.Address, UInt256.One, Hash32.FromKey("x"));
        Assert.Equal(UInt256.One, await h.Token.BalanceOfAsync(stranger.Address));
    }

    [Fact]
    public async Task Transfer_and_pause()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var (holder, holderSender) = await h.OtherAccountAsync();
        var bob = EvmPrivateKey.Generate().Address;
        await h.Token.MintAsync(h.Sender, holder.Address, TokenHarness.Tokens(10), Hash32.FromKey("m"));
        await h.Token.TransferAsync(holderSender, bob, TokenHarness.Tokens(3), "t1");
        Assert.Equal(TokenHarness.Tokens(7), await h.Token.BalanceOfAsync(holder.Address));
        Assert.Equal(TokenHarness.Tokens(3), await h.Token.BalanceOfAsync(bob));

        var tooMuch = await Assert.ThrowsAsync<InsufficientTokenBalanceException>(() => h.Token.TransferAsync(holderSender, bob, TokenHarness.Tokens(8), "t-too-much"));
        Assert.Equal(TokenHarness.Tokens(7), tooMuch.Balance);

        await h.Token.PauseAsync(h.Sender, "pause");
        Assert.True(await h.Token.PausedAsync());
        await Assert.ThrowsAsync<TokenPausedException>(() => h.Token.TransferAsync(holderSender, bob, UInt256.One, "t2"));
        await Assert.ThrowsAsync<TokenPausedException>(() => h.Token.MintAsync(h.Sender, bob, UInt256.One, Hash32.FromKey("paused-mint")));
        Assert.False(await h.Token.IsOperationAppliedAsync(Hash32.FromKey("paused-mint")));

        await h.Token.UnpauseAsync(h.Sender, "unpause");
        await h.Token.TransferAsync(holderSender, bob, UInt256.One, "t2");
        Assert.Equal(TokenHarness.Tokens(3) + UInt256.One, await h.Token.BalanceOfAsync(bob));
    }

    [Fact]
    public async Task Blocklist_stops_sender_receiver_and_spender_but_not_mint_or_burn()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var (holder, holderSender) = await h.OtherAccountAsync();
        var (spender, spenderSender) = await h.OtherAccountAsync();
        var blockedReceiver = EvmPrivateKey.Generate().Address;
        await h.Token.MintAsync(h.Sender, holder.Address, TokenHarness.Tokens(10), Hash32.FromKey("m"));
        await h.Token.ApproveAsync(holderSender, spender.Address, TokenHarness.Tokens(5), "approve-spender");
        await h.Token.ApproveAsync(holderSender, h.Key.Address, TokenHarness.Tokens(5), "approve-issuer");

        await h.Token.SetBlockedAsync(h.Sender, blockedReceiver, true, "block-receiver");
        Assert.True(await h.Token.IsBlockedAsync(blockedReceiver));
        var receiverError = await Assert.ThrowsAsync<AddressBlockedException>(() => h.Token.TransferAsync(holderSender, blockedReceiver, UInt256.One, "to-blocked"));
        Assert.Equal(blockedReceiver, receiverError.Account);
        // Mint is exempt: the issuer can still mint to a blocked address.
        await h.Token.MintAsync(h.Sender, blockedReceiver, UInt256.One, Hash32.FromKey("mint-to-blocked"));
        Assert.Equal(UInt256.One, await h.Token.BalanceOfAsync(blockedReceiver));

        await h.Token.SetBlockedAsync(h.Sender, spender.Address, true, "block-spender");
        var spenderError = await Assert.ThrowsAsync<AddressBlockedException>(() =>
            h.Token.TransferFromAsync(spenderSender, holder.Address, spender.Address, UInt256.One, "spend"));
        Assert.Equal(spender.Address, spenderError.Account);
        await h.Token.SetBlockedAsync(h.Sender, spender.Address, false, "unblock-spender");
        var third = EvmPrivateKey.Generate().Address;
        await h.Token.TransferFromAsync(spenderSender, holder.Address, third, UInt256.One, "spend");
        Assert.Equal(UInt256.One, await h.Token.BalanceOfAsync(third));

        await h.Token.SetBlockedAsync(h.Sender, holder.Address, true, "block-holder");
        var senderError = await Assert.ThrowsAsync<AddressBlockedException>(() => h.Token.TransferAsync(holderSender, third, UInt256.One, "from-blocked"));
        Assert.Equal(holder.Address, senderError.Account);
        // Burn is exempt: the issuer burns from the blocked holder through the allowance given before.
        await h.Token.BurnFromAsync(h.Sender, holder.Address, TokenHarness.Tokens(2), Hash32.FromKey("burn-blocked"));
        Assert.Equal(TokenHarness.Tokens(8) - UInt256.One, await h.Token.BalanceOfAsync(holder.Address));
    }

    [Fact]
    public async Task Multiplier_compare_and_set_with_activation_time()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var oneAndAHalf = SharemintToken.MultiplierOne + SharemintToken.MultiplierOne / new UInt256(2);
        await h.Token.SetMultiplierAsync(h.Sender, oneAndAHalf, 0, UInt256.Zero, "m1");
        Assert.Equal(oneAndAHalf, await h.Token.MultiplierAsync());
        Assert.Equal(UInt256.One, await h.Token.MultiplierNonceAsync());

        var stale = await Assert.ThrowsAsync<MultiplierNonceMismatchException>(() =>
            h.Token.SetMultiplierAsync(h.Sender, SharemintToken.MultiplierOne, 0, UInt256.Zero, "m-stale"));
        Assert.Equal(UInt256.Zero, stale.Expected);
        Assert.Equal(UInt256.One, stale.Actual);

        var now = (await h.Client.GetLatestBlockAsync()).Timestamp;
        var split = oneAndAHalf * new UInt256(2);
        await h.Token.SetMultiplierAsync(h.Sender, split, now + 3600, UInt256.One, "m2");
        Assert.Equal(oneAndAHalf, await h.Token.MultiplierAsync());
        Assert.Equal(new PendingMultiplier(split, now + 3600), await h.Token.PendingMultiplierAsync());
        // Rescheduling before activation replaces the pending value (the matching nonce proves the caller saw it).
        var corrected = split + SharemintToken.MultiplierOne;
        await h.Token.SetMultiplierAsync(h.Sender, corrected, now + 7200, new UInt256(2), "m3");
        Assert.Equal(new PendingMultiplier(corrected, now + 7200), await h.Token.PendingMultiplierAsync());

        await h.Client.Rpc.CallAsync("evm_increaseTime", [3601]);
        await h.Client.Rpc.CallAsync("evm_mine", []);
        Assert.Equal(oneAndAHalf, await h.Token.MultiplierAsync());

        await h.Client.Rpc.CallAsync("evm_increaseTime", [3601]);
        await h.Client.Rpc.CallAsync("evm_mine", []);
        Assert.Equal(corrected, await h.Token.MultiplierAsync());
        Assert.Null(await h.Token.PendingMultiplierAsync());
        Assert.Equal(new UInt256(3), await h.Token.MultiplierNonceAsync());

        // After activation the next update folds the activated value in and applies at once.
        await h.Token.SetMultiplierAsync(h.Sender, SharemintToken.MultiplierOne, 0, new UInt256(3), "m4");
        Assert.Equal(SharemintToken.MultiplierOne, await h.Token.MultiplierAsync());
        var invalid = await Assert.ThrowsAsync<ContractRevertedException>(() => h.Token.SetMultiplierAsync(h.Sender, UInt256.Zero, 0, new UInt256(4), "m5"));
        Assert.Equal("InvalidMultiplier", invalid.ErrorName);
        Assert.Equal(new UInt256(4), await h.Token.MultiplierNonceAsync());
    }

    [Fact]
    public async Task Bad_batches_are_refused_locally_and_by_the_contract()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var alice = EvmPrivateKey.Generate().Address;
        Assert.Equal(EvmErrorCode.InvalidArgument,
            Assert.Throws<EvmException>(() => h.Token.MintBatchRequest([alice, alice], [UInt256.One], Hash32.FromKey("b"))).Code);
        var zero = await Assert.ThrowsAsync<ContractRevertedException>(() => h.Token.MintBatchAsync(h.Sender, [alice], [UInt256.Zero], Hash32.FromKey("b")));
        Assert.Equal("ZeroAmount", zero.ErrorName);
        var zeroOp = await Assert.ThrowsAsync<ContractRevertedException>(() => h.Token.MintAsync(h.Sender, alice, UInt256.One, Hash32.Zero));
        Assert.Equal("InvalidOperationId", zeroOp.ErrorName);
        Assert.DoesNotContain(h.Store.All, t => t.OperationKey.StartsWith("mint", StringComparison.Ordinal));
    }
}
