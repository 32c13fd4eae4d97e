using System.Collections.Concurrent;
using Sharemint.Chains.Evm;
using Npgsql;
using Sharemint.Chains.Solana;
using Sharemint.Errors;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// A key source standing for a KMS: it signs with the configured in-process key, counts what it signs, and can be switched
/// per chain to refuse (the KMS is down) or to sign with the wrong key (a misconfigured KMS key).
/// </summary>
public sealed class SwitchableKeySource(params string[] solanaHeldElsewhere) : IChainKeySource
{
    public enum Mode { Up, Down, WrongKey }

    private readonly ConcurrentDictionary<string, Mode> _modes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _signed = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, int> _signaturesLeft = new(StringComparer.Ordinal);

    public void Set(string chain, Mode mode)
    {
        _modes[chain] = mode;
        _signaturesLeft.TryRemove(chain, out _);
    }

    /// <summary>The holder signs <paramref name="signatures"/> more times on <paramref name="chain"/>, then is down (a KMS lost mid-batch).</summary>
    public void DownAfter(string chain, int signatures)
    {
        _modes[chain] = Mode.Up;
        _signaturesLeft[chain] = signatures;
    }

    /// <summary>Uses up one of the signatures left before the holder goes down; false when none is left.</summary>
    private bool TakeSignature(string chain)
    {
        while (_signaturesLeft.TryGetValue(chain, out var left))
        {
            if (left == 0)
            {
                return false;
            }
            if (_signaturesLeft.TryUpdate(chain, left - 1, left))
            {
                return true;
            }
        }
        return true;
    }

    public int Signed(string chain) => _signed.GetValueOrDefault(chain);

    public IEvmKeySigner Evm(string chain, ChainOptions options) =>
        new Holder(this, chain, new InProcessChainKeys().Evm(chain, options));

    public IEvmKeySigner Tron(string chain, ChainOptions options) =>
        new Holder(this, chain, new InProcessChainKeys().Tron(chain, options));

    /// <summary>
    /// Solana keys of the chains named at construction are held "elsewhere" (signed through the sender's round trip);
    /// the others stay in process, as they would in a silo without a KMS for that chain.
    /// </summary>
    public ISolanaKeySigner Solana(string chain, ChainOptions options)
    {
        var inner = new InProcessChainKeys().Solana(chain, options);
        return solanaHeldElsewhere.Contains(chain, StringComparer.Ordinal) ? new SolanaHolder(this, chain, inner) : inner;
    }

    private Mode ModeOf(string chain) => _modes.GetValueOrDefault(chain);

    private void Count(string chain) => _signed.AddOrUpdate(chain, 1, (_, n) => n + 1);

    private sealed class Holder(SwitchableKeySource source, string chain, IEvmKeySigner inner) : IEvmKeySigner
    {
        private readonly EvmPrivateKey _other = EvmPrivateKey.Generate();

        public EvmAddress Address => inner.Address;

        public async Task<EvmSignature> SignDigestAsync(ReadOnlyMemory<byte> digest, CancellationToken cancellationToken = default)
        {
            switch (source.ModeOf(chain))
            {
                case Mode.Down:
                    throw new SigningUnavailableException($"KMS for {chain} is unreachable");
                case Mode.WrongKey:
                    return _other.Sign(digest.Span);
                case Mode.Up when !source.TakeSignature(chain):
                    throw new SigningUnavailableException($"KMS for {chain} went away mid-batch");
                default:
                    var signature = await inner.SignDigestAsync(digest, cancellationToken);
                    source.Count(chain);
                    return signature;
            }
        }
    }

    private sealed class SolanaHolder(SwitchableKeySource source, string chain, ISolanaKeySigner inner) : ISolanaKeySigner
    {
        private readonly Keypair _other = Keypair.Generate();

        public PublicKey PublicKey => inner.PublicKey;

        public async Task<byte[]> SignMessageAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
        {
            switch (source.ModeOf(chain))
            {
                case Mode.Down:
                    throw new SigningUnavailableException($"KMS for {chain} is unreachable");
                case Mode.WrongKey:
                    return _other.Sign(message.Span);
                default:
                    var signature = await inner.SignMessageAsync(message, cancellationToken);
                    source.Count(chain);
                    return signature;
            }
        }
    }
}

/// <summary>Issue 18: chain writes are signed behind the key-source seam; a key holder that refuses leaves nothing signed or sent.</summary>
[Collection(SignerCollection.Name)]
public sealed class SigningSeamTests(SignerFixture fixture)
{
    [Fact]
    public async Task Writes_sign_through_the_key_source_and_a_refusing_one_leaves_no_broadcast_and_a_retryable_outcome()
    {
        var signer = fixture.Signer("evm-b");
        var before = fixture.Keys.Signed("evm-b");
        var token = await signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Units.Multiplier.One));
        Assert.True(fixture.Keys.Signed("evm-b") > before, "the deployment was not signed through the key source");

        var issuer = EvmAddress.Parse((await signer.GetInfoAsync()).IssuerAddress);
        var client = new EvmClient(new EvmChainConfig("probe", SignerFixture.ChainIdB, fixture.AnvilB.RpcUrl, 1, EvmFeeModel.Eip1559));
        var nonce = await client.GetTransactionCountAsync(issuer, "pending");
        var wallet = Deployment.EvmWallet();
        var write = Write($"seam-mint-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(2m)));
        Task<long> AttemptsAsync() => fixture.CountAsync(
            "SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = 'evm-b' AND operation_key = $1", $"write:{write.WriteId}");

        try
        {
            // The KMS is down: a clear, retryable refusal; nothing signed, stored or broadcast.
            fixture.Keys.Set("evm-b", SwitchableKeySource.Mode.Down);
            var refused = await Assert.ThrowsAsync<LedgerException>(() => signer.SubmitAsync(write));
            Assert.Equal(LedgerError.ChainUnavailable, refused.Error);
            Assert.Contains("KMS for evm-b is unreachable", refused.Message, StringComparison.Ordinal);
            Assert.Equal(LedgerError.ChainUnavailable, (await Assert.ThrowsAsync<LedgerException>(() => signer.CheckAsync(write.WriteId))).Error);
            Assert.Equal(0, await AttemptsAsync());
            Assert.Equal(nonce, await client.GetTransactionCountAsync(issuer, "pending"));

            // A key holder that signs with another key is refused the same way.
            fixture.Keys.Set("evm-b", SwitchableKeySource.Mode.WrongKey);
            var wrong = await Assert.ThrowsAsync<LedgerException>(() => signer.CheckAsync(write.WriteId));
            Assert.Equal(LedgerError.ChainUnavailable, wrong.Error);
            Assert.Contains("not as", wrong.Message, StringComparison.Ordinal);
            Assert.Equal(0, await AttemptsAsync());
            Assert.Equal(nonce, await client.GetTransactionCountAsync(issuer, "pending"));
        }
        finally
        {
            fixture.Keys.Set("evm-b", SwitchableKeySource.Mode.Up);
        }

        // Back up: the recorded write is signed once and lands once.
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("evm-b", write.WriteId)).State);
        Assert.Equal(1, await AttemptsAsync());
        Assert.Equal(nonce + 1, await client.GetTransactionCountAsync(issuer, "pending"));
        Assert.Equal(Tokens(2m), (await signer.GetBalanceAsync(token.TokenAddress, token.Decimals, wallet)).Canonical);
    }

    [Fact]
    public async Task Solana_writes_sign_through_a_key_held_elsewhere_and_a_refusing_holder_leaves_no_record_and_a_retryable_outcome()
    {
        var issuer = Keypair.Generate();
        var keys = new SwitchableKeySource("solana");
        var (cluster, connectionString) = await fixture.StartKmsSolanaClusterAsync(issuer, keys);
        try
        {
            var signer = cluster.Client.GetGrain<IChainSignerGrain>("solana");
            Assert.Equal(issuer.PublicKey.ToString(), (await signer.GetInfoAsync()).IssuerAddress);
            var token = await signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Units.Multiplier.One));
            Assert.True(keys.Signed("solana") > 0, "the deployment was not signed through the key source");

            var wallet = Keypair.Generate().PublicKey.ToString();
            var write = Write($"seam-sol-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(2m)));
            async Task<long> RecordsAsync()
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(
                    "SELECT count(*) FROM chain_signer_solana_records WHERE chain = 'solana' AND operation_id = $1", connection);
                command.Parameters.Add(new NpgsqlParameter { Value = $"write:{write.WriteId}" });
                return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            }
            var lamports = await fixture.Solana.Rpc.GetBalanceAsync(issuer.PublicKey);

            try
            {
                // The KMS is down: a clear, retryable refusal; nothing stored or broadcast (no fee paid).
                keys.Set("solana", SwitchableKeySource.Mode.Down);
                var refused = await Assert.ThrowsAsync<LedgerException>(() => signer.SubmitAsync(write));
                Assert.Equal(LedgerError.ChainUnavailable, refused.Error);
                Assert.Contains("KMS for solana is unreachable", refused.Message, StringComparison.Ordinal);
                Assert.Equal(0, await RecordsAsync());

                // A key holder that signs with another key is refused the same way.
                keys.Set("solana", SwitchableKeySource.Mode.WrongKey);
                var wrong = await Assert.ThrowsAsync<LedgerException>(() => signer.CheckAsync(write.WriteId));
                Assert.Equal(LedgerError.ChainUnavailable, wrong.Error);
                Assert.Contains($"does not verify as {issuer.PublicKey}", wrong.Message, StringComparison.Ordinal);
                Assert.Equal(0, await RecordsAsync());
                Assert.Equal(lamports, await fixture.Solana.Rpc.GetBalanceAsync(issuer.PublicKey));
            }
            finally
            {
                keys.Set("solana", SwitchableKeySource.Mode.Up);
            }

            // Back up: the recorded write is signed once and lands once.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            var status = await signer.CheckAsync(write.WriteId);
            while (status.State == ChainWriteState.Pending && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
                status = await signer.CheckAsync(write.WriteId);
            }
            Assert.Equal(ChainWriteState.Final, status.State);
            Assert.Equal(1, await RecordsAsync());
            Assert.Equal(Tokens(2m), (await signer.GetBalanceAsync(token.TokenAddress, token.Decimals, wallet)).Canonical);
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }
}
