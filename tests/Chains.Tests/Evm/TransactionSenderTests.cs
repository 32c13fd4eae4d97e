using System.Text.Json;
using Sharemint.Chains.Evm;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>Nonce allocation, write-ahead persistence, rebroadcast and replacement against anvil.</summary>
[Collection(AnvilCollection.Name)]
public sealed class TransactionSenderTests(AnvilFixture fixture)
{
    [Fact]
    public async Task Fifty_concurrent_mints_from_one_signer_land_with_consecutive_nonces()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var startNonce = await h.Client.GetTransactionCountAsync(h.Key.Address);
        var holders = Enumerable.Range(0, 50).Select(_ => EvmPrivateKey.Generate().Address).ToList();
        var receipts = await Task.WhenAll(holders.Select((holder, i) =>
            h.Token.MintAsync(h.Sender, holder, new UInt256((ulong)i + 1), Hash32.FromKey($"concurrent-{i}"))));

        Assert.All(receipts, r => Assert.True(r.Succeeded));
        Assert.Equal(50, receipts.Select(r => r.TransactionHash).Distinct().Count());
        var nonces = h.Store.All.Where(t => t.OperationKey.StartsWith("mint:", StringComparison.Ordinal)).Select(t => t.Nonce).Order().ToList();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => startNonce + (ulong)i), nonces);
        Assert.Equal(startNonce + 50, await h.Client.GetTransactionCountAsync(h.Key.Address));
        Assert.Equal(new UInt256(50 * 51 / 2), await h.Token.TotalSupplyAsync());
        for (var i = 0; i < holders.Count; i++) Assert.Equal(new UInt256((ulong)i + 1), await h.Token.BalanceOfAsync(holders[i]));
    }

    [Fact]
    public async Task Rebroadcasting_a_signed_transaction_is_harmless()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var alice = EvmPrivateKey.Generate().Address;
        var op = Hash32.FromKey("rebroadcast");
        var receipt = await h.Token.MintAsync(h.Sender, alice, TokenHarness.Tokens(2), op);
        var signed = Assert.Single(h.Store.All, t => t.OperationKey == h.Token.OperationKey("mint", op));
        var nonce = await h.Client.GetTransactionCountAsync(h.Key.Address);

        for (var i = 0; i < 3; i++) await h.Sender.RebroadcastAsync(signed);
        // Submitting the same operation again sends the very same bytes instead of signing anew.
        var again = await h.Sender.SubmitAsync(h.Token.MintRequest(alice, TokenHarness.Tokens(2), op), h.Token.OperationKey("mint", op));
        Assert.Equal(signed.Hash, again.Hash);
        Assert.Equal(signed.Raw, again.Raw);
        // The node itself refuses the duplicate: proof that the same bytes went out and nothing new was created.
        var direct = await Assert.ThrowsAsync<JsonRpcException>(() => h.Client.SendRawTransactionAsync(signed.Raw));
        Assert.Contains("nonce", direct.NodeMessage, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(nonce, await h.Client.GetTransactionCountAsync(h.Key.Address));
        Assert.Equal(TokenHarness.Tokens(2), await h.Token.TotalSupplyAsync());
        Assert.Equal(receipt.TransactionHash, (await h.Sender.CheckAsync(h.Token.OperationKey("mint", op))).Receipt!.TransactionHash);
    }

    [Fact]
    public async Task Each_transaction_is_persisted_before_it_is_broadcast()
    {
        using var client = new EvmClient(fixture.ConfigA());
        var key = await AnvilFixture.FundedKeyAsync(client);
        var store = new ProbingStore(client);
        var sender = new EvmTransactionSender(client, key, store, new EvmSenderOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        var receipt = await sender.SendAsync(new EvmTransactionRequest(EvmPrivateKey.Generate().Address, [], UInt256.One), "pay-1");
        Assert.True(receipt.Succeeded);
        var observation = Assert.Single(store.Observations);
        Assert.Equal(receipt.TransactionHash, observation.Hash);
        Assert.False(observation.KnownToNodeAtSave);

        // A store that cannot persist stops the send: nothing reaches the node.
        var failing = new EvmTransactionSender(client, key, new FailingStore(), sender.Options);
        var nonce = await client.GetTransactionCountAsync(key.Address, "pending");
        await Assert.ThrowsAsync<IOException>(() => failing.SubmitAsync(new EvmTransactionRequest(EvmPrivateKey.Generate().Address, [], UInt256.One), "pay-2"));
        Assert.Equal(nonce, await client.GetTransactionCountAsync(key.Address, "pending"));
    }

    [Fact]
    public async Task A_connection_lost_after_broadcast_is_retried_with_the_same_bytes_and_mints_once()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var drops = new int[1];
        await using var proxy = StartProxyDroppingFirstBroadcast(fixture.NodeA.RpcUrl, drops);
        using var viaProxy = new EvmClient(fixture.ConfigA() with { RpcUrl = proxy.Url });
        var store = new InMemorySignedTransactionStore();
        var sender = new EvmTransactionSender(viaProxy, h.Key, store, h.Sender.Options);
        var alice = EvmPrivateKey.Generate().Address;
        var op = Hash32.FromKey("lost-answer");
        var request = h.Token.MintRequest(alice, TokenHarness.Tokens(9), op);
        var nonce = await h.Client.GetTransactionCountAsync(h.Key.Address);

        var lost = await Assert.ThrowsAsync<EvmRpcTransportException>(() => sender.SubmitAsync(request, "mint-lost-answer"));
        Assert.Equal(EvmErrorCode.RpcConnectionFailed, lost.Code);
        var persisted = Assert.Single(store.All);

        var receipt = await sender.SendAsync(request, "mint-lost-answer");
        Assert.Equal(persisted.Hash, receipt.TransactionHash);
        Assert.Single(store.All);
        // The retry signed nothing new; it may resend the same bytes once if the receipt was not served yet.
        Assert.InRange(drops[0], 1, 2);
        Assert.Equal(nonce + 1, await h.Client.GetTransactionCountAsync(h.Key.Address));
        Assert.Equal(TokenHarness.Tokens(9), await h.Token.TotalSupplyAsync());
    }

    [Fact]
    public async Task A_lost_answer_for_a_pending_transaction_is_followed_by_a_rebroadcast_of_the_same_bytes()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var drops = new int[1];
        await using var proxy = StartProxyDroppingFirstBroadcast(fixture.NodeA.RpcUrl, drops);
        using var viaProxy = new EvmClient(fixture.ConfigA() with { RpcUrl = proxy.Url });
        var store = new InMemorySignedTransactionStore();
        var sender = new EvmTransactionSender(viaProxy, h.Key, store, h.Sender.Options);
        var request = h.Token.MintRequest(EvmPrivateKey.Generate().Address, TokenHarness.Tokens(4), Hash32.FromKey("pending-lost-answer"));
        await SetAutomineAsync(h.Client, false);
        try
        {
            await Assert.ThrowsAsync<EvmRpcTransportException>(() => sender.SubmitAsync(request, "pending-lost-answer"));
            var again = await sender.SubmitAsync(request, "pending-lost-answer");
            Assert.Equal(2, drops[0]);
            Assert.Equal(Assert.Single(store.All).Raw, again.Raw);
            Assert.True(await h.Client.IsTransactionKnownAsync(again.Hash));
            await h.Client.Rpc.CallAsync("evm_mine", []);
            var receipt = await sender.WaitAsync("pending-lost-answer", h.Token.Abi);
            Assert.Equal(again.Hash, receipt.TransactionHash);
            Assert.Equal(TokenHarness.Tokens(4), await h.Token.TotalSupplyAsync());
        }
        finally
        {
            await SetAutomineAsync(h.Client, true);
        }
    }

    [Fact]
    public async Task A_dropped_transaction_is_replaced_with_a_higher_fee_on_the_same_nonce()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var alice = EvmPrivateKey.Generate().Address;
        var op = Hash32.FromKey("dropped");
        var key = h.Token.OperationKey("mint", op);
        await SetAutomineAsync(h.Client, false);
        try
        {
            var first = await h.Sender.SubmitAsync(h.Token.MintRequest(alice, TokenHarness.Tokens(1), op), key);
            Assert.Equal(EvmSendState.Pending, (await h.Sender.CheckAsync(key)).State);
            await h.Client.Rpc.CallAsync("anvil_dropTransaction", [first.Hash.ToString()]);
            Assert.False(await h.Client.IsTransactionKnownAsync(first.Hash));

            var progress = await h.Sender.CheckAsync(key);
            Assert.Equal(EvmSendState.Replaced, progress.State);
            var replacement = progress.Current;
            Assert.Equal(first.Nonce, replacement.Nonce);
            Assert.Equal(1, replacement.Attempt);
            Assert.NotEqual(first.Hash, replacement.Hash);
            Assert.True(replacement.MaxFeePerGas > first.MaxFeePerGas);
            Assert.True(replacement.MaxPriorityFeePerGas > first.MaxPriorityFeePerGas);
            Assert.Equal(2, h.Store.All.Count(t => t.OperationKey == key));

            await h.Client.Rpc.CallAsync("evm_mine", []);
            var receipt = await h.Sender.WaitAsync(key, h.Token.Abi);
            Assert.Equal(replacement.Hash, receipt.TransactionHash);
            Assert.Null(await h.Client.GetReceiptAsync(first.Hash));
            Assert.Equal(TokenHarness.Tokens(1), await h.Token.TotalSupplyAsync());
        }
        finally
        {
            await SetAutomineAsync(h.Client, true);
        }
    }

    [Fact]
    public async Task A_stuck_transaction_is_replaced_and_only_the_replacement_lands()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var impatient = new EvmTransactionSender(h.Client, h.Key, h.Store, h.Sender.Options with { StuckAfter = TimeSpan.Zero });
        var alice = EvmPrivateKey.Generate().Address;
        var op = Hash32.FromKey("stuck");
        var key = h.Token.OperationKey("mint", op);
        await SetAutomineAsync(h.Client, false);
        try
        {
            var first = await impatient.SubmitAsync(h.Token.MintRequest(alice, TokenHarness.Tokens(1), op), key);
            Assert.True(await h.Client.IsTransactionKnownAsync(first.Hash));
            var progress = await impatient.CheckAsync(key);
            Assert.Equal(EvmSendState.Replaced, progress.State);
            Assert.Equal(first.Nonce, progress.Current.Nonce);
            Assert.True(progress.Current.MaxFeePerGas.Value * 100 >= first.MaxFeePerGas.Value * 125);
            Assert.True(await h.Client.IsTransactionKnownAsync(progress.Current.Hash));

            await h.Client.Rpc.CallAsync("evm_mine", []);
            var landed = await impatient.CheckAsync(key);
            Assert.Equal(EvmSendState.Landed, landed.State);
            Assert.Equal(progress.Current.Hash, landed.Receipt!.TransactionHash);
            Assert.Null(await h.Client.GetReceiptAsync(first.Hash));
            Assert.Equal(TokenHarness.Tokens(1), await h.Token.BalanceOfAsync(alice));
        }
        finally
        {
            await SetAutomineAsync(h.Client, true);
        }
    }

    [Fact]
    public async Task A_replacement_above_the_fee_cap_is_not_signed()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var op = Hash32.FromKey("capped");
        var key = h.Token.OperationKey("mint", op);
        await SetAutomineAsync(h.Client, false);
        try
        {
            var first = await h.Sender.SubmitAsync(h.Token.MintRequest(h.Key.Address, UInt256.One, op), key);
            var capped = new EvmTransactionSender(h.Client, h.Key, h.Store, h.Sender.Options with { StuckAfter = TimeSpan.Zero, MaxFeePerGasCap = first.MaxFeePerGas });
            var progress = await capped.CheckAsync(key);
            Assert.Equal(EvmSendState.Pending, progress.State);
            Assert.Equal(first.Hash, progress.Current.Hash);
            Assert.Single(h.Store.All, t => t.OperationKey == key);
            await h.Client.Rpc.CallAsync("evm_mine", []);
            Assert.Equal(first.Hash, (await capped.WaitAsync(key)).TransactionHash);
        }
        finally
        {
            await SetAutomineAsync(h.Client, true);
        }
    }

    [Fact]
    public async Task Fee_replacements_stop_at_the_configured_count_and_the_last_attempt_still_lands()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var op = Hash32.FromKey("bounded-replacements");
        var key = h.Token.OperationKey("mint", op);
        await SetAutomineAsync(h.Client, false);
        try
        {
            await h.Sender.SubmitAsync(h.Token.MintRequest(h.Key.Address, UInt256.One, op), key);
            var bounded = new EvmTransactionSender(h.Client, h.Key, h.Store, h.Sender.Options with { StuckAfter = TimeSpan.Zero, MaxReplacements = 2 });
            var states = new List<EvmSendState>();
            for (var check = 0; check < 5; check++)
            {
                states.Add((await bounded.CheckAsync(key)).State);
            }
            // Attempts 1 and 2 replace the first; every later check leaves attempt 2 as it is.
            Assert.Equal([EvmSendState.Replaced, EvmSendState.Replaced, EvmSendState.Pending, EvmSendState.Pending, EvmSendState.Pending], states);
            var attempts = h.Store.All.Where(t => t.OperationKey == key).OrderBy(t => t.Attempt).ToList();
            Assert.Equal(3, attempts.Count);
            await h.Client.Rpc.CallAsync("evm_mine", []);
            Assert.Equal(attempts[^1].Hash, (await bounded.WaitAsync(key)).TransactionHash);
        }
        finally
        {
            await SetAutomineAsync(h.Client, true);
        }
    }

    [Fact]
    public async Task A_node_that_keeps_saying_nonce_too_low_ends_in_a_typed_error()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        using var forward = new HttpClient();
        await using var proxy = FakeNode.Start(request =>
        {
            if (request.Body.Contains("eth_sendRawTransaction", StringComparison.Ordinal))
                return FakeReply.Http(200, $$$"""{"jsonrpc":"2.0","id":{{{request.Id}}},"error":{"code":-32003,"message":"nonce too low"}}""");
            using var content = new StringContent(request.Body, System.Text.Encoding.UTF8, "application/json");
            using var response = forward.PostAsync(fixture.NodeA.RpcUrl, content).GetAwaiter().GetResult();
            return FakeReply.Http(200, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        });
        using var viaProxy = new EvmClient(fixture.ConfigA() with { RpcUrl = proxy.Url });
        var store = new InMemorySignedTransactionStore();
        var sender = new EvmTransactionSender(viaProxy, h.Key, store, h.Sender.Options);
        var error = await Assert.ThrowsAsync<EvmNonceConsumedException>(() =>
            sender.SubmitAsync(h.Token.MintRequest(h.Key.Address, UInt256.One, Hash32.FromKey("never")), "never"));
        Assert.Equal(EvmErrorCode.NonceAlreadyUsed, error.Code);
        Assert.Equal(h.Key.Address, error.Sender);
        // Every attempt was persisted before its broadcast, and none reached the chain.
        Assert.Equal(new[] { 0, 1, 2, 3 }, store.All.Select(t => t.Attempt).Order().ToArray());
        Assert.Equal(UInt256.Zero, await h.Token.TotalSupplyAsync());
    }

    [Fact]
    public async Task A_transaction_whose_nonce_was_consumed_elsewhere_is_signed_again_with_a_new_nonce()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var alice = EvmPrivateKey.Generate().Address;
        var opA = Hash32.FromKey("lost-nonce");
        var keyA = h.Token.OperationKey("mint", opA);
        // A second process using the same key, with its own nonce counter and store.
        var otherProcess = new EvmTransactionSender(h.Client, h.Key, new InMemorySignedTransactionStore(), h.Sender.Options);
        await SetAutomineAsync(h.Client, false);
        try
        {
            var first = await h.Sender.SubmitAsync(h.Token.MintRequest(alice, TokenHarness.Tokens(1), opA), keyA);
            await h.Client.Rpc.CallAsync("anvil_dropTransaction", [first.Hash.ToString()]);
            var intruder = await otherProcess.SubmitAsync(new EvmTransactionRequest(EvmPrivateKey.Generate().Address, [], UInt256.One), "intruder");
            Assert.Equal(first.Nonce, intruder.Nonce);
            await h.Client.Rpc.CallAsync("evm_mine", []);

            // The first look only notes that the nonce is gone; the chain must move on before that counts as proof.
            Assert.Equal(EvmSendState.Pending, (await h.Sender.CheckAsync(keyA)).State);
            Assert.Single(h.Store.All, t => t.OperationKey == keyA);
            await h.Client.Rpc.CallAsync("evm_mine", []);
            var progress = await h.Sender.CheckAsync(keyA);
            Assert.Equal(EvmSendState.Replaced, progress.State);
            Assert.Equal(first.Nonce + 1, progress.Current.Nonce);
            await h.Client.Rpc.CallAsync("evm_mine", []);
            var receipt = await h.Sender.WaitAsync(keyA, h.Token.Abi);
            Assert.Equal(progress.Current.Hash, receipt.TransactionHash);
            Assert.Equal(TokenHarness.Tokens(1), await h.Token.TotalSupplyAsync());
        }
        finally
        {
            await SetAutomineAsync(h.Client, true);
        }
    }

    [Fact]
    public async Task A_used_nonce_and_a_foreign_chain_id_are_refused_by_the_node_with_its_error()
    {
        using var clientA = new EvmClient(fixture.ConfigA());
        using var clientB = new EvmClient(fixture.ConfigB());
        var key = await AnvilFixture.FundedKeyAsync(clientA);
        await AnvilFixture.FundedKeyAsync(clientB);
        var sender = new EvmTransactionSender(clientA, key, new InMemorySignedTransactionStore(), new EvmSenderOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        await sender.SendAsync(new EvmTransactionRequest(key.Address, [], UInt256.Zero), "self-1");
        var fees = await clientA.GetFeesAsync();

        var reused = EvmRawTransaction.Sign(new Eip1559Transaction(AnvilFixture.ChainIdA, 0, fees.MaxPriorityFeePerGas, fees.MaxFeePerGas, 21000, key.Address, UInt256.One, []), key);
        var nonceError = await Assert.ThrowsAsync<JsonRpcException>(() => clientA.SendRawTransactionAsync(reused.Raw));
        Assert.Contains("nonce", nonceError.NodeMessage, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(EvmErrorCode.RpcError, nonceError.Code);

        // Signed for chain A, sent to chain B: EIP-155 replay protection makes node B refuse it.
        var forA = EvmRawTransaction.Sign(new Eip1559Transaction(AnvilFixture.ChainIdA, 1, fees.MaxPriorityFeePerGas, fees.MaxFeePerGas, 21000, key.Address, UInt256.One, []), key);
        await Assert.ThrowsAsync<JsonRpcException>(() => clientB.SendRawTransactionAsync(forA.Raw));
        Assert.Equal(0UL, await clientB.GetTransactionCountAsync(key.Address));
    }

    [Fact]
    public async Task Legacy_fee_model_chain_b_runs_the_token_with_eip155_transactions()
    {
        using var h = await TokenHarness.CreateAsync(fixture, fixture.ConfigB());
        await h.Client.VerifyChainIdAsync();
        var alice = EvmPrivateKey.Generate().Address;
        var receipt = await h.Token.MintAsync(h.Sender, alice, TokenHarness.Tokens(3), Hash32.FromKey("legacy"));
        var tx = await h.Client.Rpc.CallAsync("eth_getTransactionByHash", [receipt.TransactionHash.ToString()]);
        Assert.Equal("0x0", tx.GetProperty("type").GetString());
        Assert.Equal(EvmHex.EncodeQuantity(AnvilFixture.ChainIdB), tx.GetProperty("chainId").GetString());
        Assert.Equal(TokenHarness.Tokens(3), await h.Token.TotalSupplyAsync());

        using var wrong = new EvmClient(fixture.ConfigA() with { RpcUrl = fixture.NodeB.RpcUrl });
        Assert.Equal(EvmErrorCode.ChainIdMismatch, (await Assert.ThrowsAsync<EvmException>(() => wrong.VerifyChainIdAsync())).Code);
    }

    [Fact]
    public async Task A_sender_pointed_at_a_node_of_another_chain_signs_nothing()
    {
        using var misconfigured = new EvmClient(fixture.ConfigA() with { RpcUrl = fixture.NodeB.RpcUrl });
        var key = await AnvilFixture.FundedKeyAsync(misconfigured);
        var store = new InMemorySignedTransactionStore();
        var sender = new EvmTransactionSender(misconfigured, key, store);
        var error = await Assert.ThrowsAsync<EvmException>(() => sender.SubmitAsync(new EvmTransactionRequest(key.Address, []), "wrong-chain"));
        Assert.Equal(EvmErrorCode.ChainIdMismatch, error.Code);
        Assert.Empty(store.All);
    }

    [Fact]
    public async Task Checking_an_unknown_operation_is_a_typed_error()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        Assert.Equal(EvmErrorCode.TransactionNotFound, (await Assert.ThrowsAsync<EvmException>(() => h.Sender.CheckAsync("never-sent"))).Code);
        Assert.Equal(EvmErrorCode.InvalidArgument,
            (await Assert.ThrowsAsync<EvmException>(() => h.Sender.SubmitAsync(new EvmTransactionRequest(h.Key.Address, []), " "))).Code);
    }

    /// <summary>A proxy in front of anvil that delivers the first broadcast but drops the connection before the answer comes back.</summary>
    private static FakeNode StartProxyDroppingFirstBroadcast(Uri node, int[] broadcasts)
    {
        var forward = new HttpClient();
        return FakeNode.Start(request =>
        {
            using var content = new StringContent(request.Body, System.Text.Encoding.UTF8, "application/json");
            using var response = forward.PostAsync(node, content).GetAwaiter().GetResult();
            var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            if (request.Body.Contains("eth_sendRawTransaction", StringComparison.Ordinal) && Interlocked.Increment(ref broadcasts[0]) == 1) return FakeReply.Close();
            return FakeReply.Http(200, body);
        });
    }

    private static Task SetAutomineAsync(EvmClient client, bool enabled) => client.Rpc.CallAsync("evm_setAutomine", [enabled]);

    private sealed record Observation(Hash32 Hash, bool KnownToNodeAtSave);

    /// <summary>Records, at the moment of each save, whether the node already knows the transaction.</summary>
    private sealed class ProbingStore(EvmClient client) : ISignedTransactionStore
    {
        private readonly InMemorySignedTransactionStore _inner = new();
        public List<Observation> Observations { get; } = [];

        public async Task SaveAsync(SignedEvmTransaction transaction, CancellationToken cancellationToken)
        {
            Observations.Add(new Observation(transaction.Hash, await client.IsTransactionKnownAsync(transaction.Hash, cancellationToken)));
            await _inner.SaveAsync(transaction, cancellationToken);
        }

        public Task<IReadOnlyList<SignedEvmTransaction>> GetAttemptsAsync(ulong chainId, string operationKey, CancellationToken cancellationToken) =>
            _inner.GetAttemptsAsync(chainId, operationKey, cancellationToken);
    }

    private sealed class FailingStore : ISignedTransactionStore
    {
        public Task SaveAsync(SignedEvmTransaction transaction, CancellationToken cancellationToken) => throw new IOException("disk full");

        public Task<IReadOnlyList<SignedEvmTransaction>> GetAttemptsAsync(ulong chainId, string operationKey, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SignedEvmTransaction>>([]);
    }
}
