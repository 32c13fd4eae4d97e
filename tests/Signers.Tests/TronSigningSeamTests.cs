using Sharemint.Chains.Evm;
using Sharemint.Chains.Tron;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>Issue 18: Tron writes are signed (the txID digest) behind the key-source seam, as EVM writes are.</summary>
[Collection(TronSignerCollection.Name)]
public sealed class TronSigningSeamTests(TronSignerFixture fixture)
{
    [Fact]
    public async Task Tron_writes_sign_through_the_key_source_and_a_refusing_one_leaves_no_broadcast_and_a_retryable_outcome()
    {
        var before = fixture.Keys.Signed("tron");
        var token = await fixture.Signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Multiplier.One));
        Assert.True(fixture.Keys.Signed("tron") > before, "the deployment was not signed through the key source");

        var wallet = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey).ToBase58();
        var write = Write($"seam-tron-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(2m)));
        Task<long> AttemptsAsync() => fixture.ScalarAsync(
            "SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = 'tron' AND operation_key = $1", $"write:{write.WriteId}");
        async Task<long> IssuerSunAsync() => (await fixture.Tron.Client.GetAccountAsync(fixture.Issuer))!.Balance;
        var sun = await IssuerSunAsync();

        try
        {
            // The KMS is down: a clear, retryable refusal; nothing signed, stored or broadcast (no fee spent).
            fixture.Keys.Set("tron", SwitchableKeySource.Mode.Down);
            var refused = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer.SubmitAsync(write));
            Assert.Equal(LedgerError.ChainUnavailable, refused.Error);
            Assert.Contains("KMS for tron is unreachable", refused.Message, StringComparison.Ordinal);
            Assert.Equal(0, await AttemptsAsync());

            // A key holder that signs with another key is refused the same way.
            fixture.Keys.Set("tron", SwitchableKeySource.Mode.WrongKey);
            var wrong = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer.CheckAsync(write.WriteId));
            Assert.Equal(LedgerError.ChainUnavailable, wrong.Error);
            Assert.Contains($"did not sign as {fixture.Issuer}", wrong.Message, StringComparison.Ordinal);
            Assert.Equal(0, await AttemptsAsync());
            Assert.Equal(sun, await IssuerSunAsync());
        }
        finally
        {
            fixture.Keys.Set("tron", SwitchableKeySource.Mode.Up);
        }

        // Back up: the recorded write is signed once and lands once; TronWeb reads the balance.
        var final = await fixture.UntilDoneAsync(write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        Assert.Equal(1, await AttemptsAsync());
        Assert.Equal(TronTxState.Succeeded, (await fixture.Tron.Client.GetStatusAsync(final.TransactionId!, long.MaxValue)).State);
        var seen = await fixture.TronWebAsync("read", "--token", token.TokenAddress, "--accounts", wallet);
        Assert.Equal((2 * System.Numerics.BigInteger.Pow(10, 18)).ToString(), seen.GetProperty("balances").GetProperty(wallet).GetString());
    }
}
