using System.Globalization;
using System.Numerics;
using Sharemint.Chains.Tron;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// The corporate-action write on Tron: the same EVM token through the Tron family, compare-and-set on its multiplier nonce,
/// idempotent per write id, never applied twice, and bad writes refused before anything is recorded.
/// </summary>
[Collection(TronSignerCollection.Name)]
public sealed class TronMultiplierTests(TronSignerFixture fixture)
{
    private static string Raw(decimal multiplier) => Multiplier.From(multiplier).Raw.ToString(CultureInfo.InvariantCulture);

    private static ChainWrite SetMultiplier(string writeId, TokenDeployment token, decimal multiplier, long effectiveAt, long nonce) =>
        new(writeId, ChainWriteKind.SetMultiplier, token.TokenAddress, token.Decimals, [], new MultiplierWrite(Raw(multiplier), effectiveAt, nonce));

    private Task<long> AttemptsAsync(string writeId) =>
        fixture.ScalarAsync("SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = 'tron' AND operation_key = $1", "write:" + writeId);

    [Fact]
    public async Task A_scheduled_multiplier_lands_once_and_a_stale_nonce_is_refused()
    {
        var deployment = await fixture.Signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Split xStock", Multiplier.One));
        var token = new TronToken(fixture.Tron.Client, fixture.Artifact, TronAddress.Parse(deployment.TokenAddress));
        var at = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        var reader = fixture.Cluster.Client.GetGrain<IChainReaderGrain>("tron");
        Assert.Equal(0, (await reader.GetMultiplierAsync(deployment.TokenAddress)).Nonce);

        var write = SetMultiplier("tron-split-" + deployment.TokenAddress, deployment, 2m, at, 0);
        await fixture.Signer.SubmitAsync(write);
        var final = await fixture.UntilDoneAsync(write.WriteId);
        Assert.Equal(ChainWriteState.Final, final.State);
        var (latest, effectiveAt) = await token.NewUiMultiplierAsync();
        Assert.Equal(BigInteger.Parse(Raw(2m), CultureInfo.InvariantCulture), latest.Value);
        Assert.Equal((ulong)at, effectiveAt);
        Assert.Equal(Multiplier.One.Raw, (await token.MultiplierAsync()).Value);
        var seen = await reader.GetMultiplierAsync(deployment.TokenAddress);
        Assert.Equal((Raw(1m), Raw(2m), at, 1L), (seen.CurrentRaw, seen.LatestRaw, seen.LatestEffectiveAt, seen.Nonce));

        // Again under the same id, and after a restart: the recorded outcome, nothing signed anew.
        Assert.Equal(final, await fixture.Signer.SubmitAsync(write));
        await fixture.RestartClusterAsync();
        Assert.Equal(final, await fixture.Signer.SubmitAsync(write));
        Assert.Equal(1, await AttemptsAsync(write.WriteId));

        // A second write of the same value and time (its record lost): the chain already shows it, nothing is signed.
        var again = SetMultiplier("tron-split-again-" + deployment.TokenAddress, deployment, 2m, at, 0);
        Assert.Equal(ChainWriteState.Final, (await fixture.Signer.SubmitAsync(again)).State);
        Assert.Equal(0, await AttemptsAsync(again.WriteId));
        Assert.Equal(1, (int)(await token.MultiplierNonceAsync()).Value);

        // Another value on the stale nonce: the token's compare-and-set refuses it at simulation, nothing signed.
        var stale = SetMultiplier("tron-split-stale-" + deployment.TokenAddress, deployment, 3m, at, 0);
        await fixture.Signer.SubmitAsync(stale);
        var refused = await fixture.UntilDoneAsync(stale.WriteId);
        Assert.Equal(ChainWriteState.Failed, refused.State);
        Assert.Equal(0, await AttemptsAsync(stale.WriteId));
        Assert.Equal(BigInteger.Parse(Raw(2m), CultureInfo.InvariantCulture), (await token.NewUiMultiplierAsync()).Value.Value);
    }

    [Fact]
    public async Task Bad_multiplier_writes_are_refused_before_anything_is_recorded()
    {
        var deployment = await fixture.Signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Bad xStock", Multiplier.One));
        var at = DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds();
        async Task RefusedAsync(LedgerError error, ChainWrite write)
        {
            var refused = await Assert.ThrowsAsync<LedgerException>(() => fixture.Signer.SubmitAsync(write));
            Assert.Equal(error, refused.Error);
            Assert.Equal(0, await fixture.ScalarAsync("SELECT count(*) FROM chain_signer_writes WHERE chain = 'tron' AND write_id = $1", write.WriteId));
        }
        await RefusedAsync(LedgerError.AmountOverflow, new ChainWrite("bad-zero", ChainWriteKind.SetMultiplier, deployment.TokenAddress, 18, [],
            new MultiplierWrite("0", at, 0)));
        await RefusedAsync(LedgerError.AmountOverflow, new ChainWrite("bad-huge", ChainWriteKind.SetMultiplier, deployment.TokenAddress, 18, [],
            new MultiplierWrite(BigInteger.Pow(2, 256).ToString(CultureInfo.InvariantCulture), at, 0)));
        await RefusedAsync(LedgerError.InvalidArgument, new ChainWrite("bad-missing", ChainWriteKind.SetMultiplier, deployment.TokenAddress, 18, []));
        await RefusedAsync(LedgerError.InvalidArgument, new ChainWrite("bad-lines", ChainWriteKind.SetMultiplier, deployment.TokenAddress, 18,
            [new ChainWriteLine(deployment.TokenAddress, Tokens(1m))], new MultiplierWrite(Raw(2m), at, 0)));
        await RefusedAsync(LedgerError.InvalidArgument, new ChainWrite("bad-time", ChainWriteKind.SetMultiplier, deployment.TokenAddress, 18, [],
            new MultiplierWrite(Raw(2m), -1, 0)));
    }
}
