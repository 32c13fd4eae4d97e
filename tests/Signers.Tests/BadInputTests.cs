using Sharemint.Chains.Solana;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

[Collection(SignerCollection.Name)]
public sealed class BadInputTests(SignerFixture fixture)
{
    private static async Task<LedgerError> RefusedAsync(Func<Task> call) => (await Assert.ThrowsAsync<LedgerException>(call)).Error;

    private Task<long> WritesAsync(string chain) => fixture.CountAsync("SELECT count(*) FROM chain_signer_writes WHERE chain = $1", chain);

    [Fact]
    public async Task Unknown_and_unconfigured_chains_are_refused()
    {
        Assert.Equal(LedgerError.InvalidArgument, await RefusedAsync(() => fixture.Signer("dogechain").GetInfoAsync()));
        Assert.Equal(LedgerError.DeploymentNotFound, await RefusedAsync(() => fixture.Signer("bnb").GetInfoAsync()));
        Assert.Equal(LedgerError.DeploymentNotFound, await RefusedAsync(() =>
            fixture.Signer("bnb").DeployTokenAsync(new TokenDeploymentRequest("TSLAx", "Tesla xStock", Multiplier.One))));
        Assert.Equal(LedgerError.DeploymentNotFound, await RefusedAsync(() =>
            fixture.Signer("bnb").SubmitAsync(new ChainWrite("w", ChainWriteKind.Mint, "0x0000000000000000000000000000000000000001", 18, []))));
        Assert.Equal(0, await WritesAsync("bnb"));
    }

    [Theory]
    [InlineData("evm-b")]
    [InlineData("solana")]
    public async Task Bad_writes_change_nothing(string chain)
    {
        var signer = fixture.Signer(chain);
        var token = await signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Bad input xStock", Multiplier.One));
        var info = await signer.GetInfoAsync();
        var holder = chain == "solana" ? Keypair.Generate().PublicKey.ToString() : "0x00000000000000000000000000000000000000aa";
        var writesBefore = await WritesAsync(chain);

        // Dust: a deployment with fewer decimals than the canonical 8 cannot carry one canonical unit.
        var dust = new ChainWrite("bad-dust-" + token.TokenAddress, ChainWriteKind.Mint, token.TokenAddress, 6, [new ChainWriteLine(holder, CanonicalAmount.FromUnits(1))]);
        Assert.Equal(LedgerError.AmountHasDust, await RefusedAsync(() => signer.SubmitAsync(dust)));
        // Too many lines for one transaction.
        var lines = Enumerable.Range(0, info.MaxMintBatch + 1).Select(_ => (holder, Tokens(1m))).ToArray();
        Assert.Equal(LedgerError.LimitExceeded, await RefusedAsync(() => signer.SubmitAsync(Write("bad-lines-" + token.TokenAddress, ChainWriteKind.Mint, token, lines))));
        Assert.Equal(LedgerError.InvalidArgument, await RefusedAsync(() => signer.SubmitAsync(Write("bad-none-" + token.TokenAddress, ChainWriteKind.Mint, token))));
        Assert.Equal(LedgerError.InvalidAmount, await RefusedAsync(() => signer.SubmitAsync(Write("bad-zero-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder, CanonicalAmount.Zero)))));
        Assert.Equal(LedgerError.AddressInvalid, await RefusedAsync(() => signer.SubmitAsync(Write("bad-addr-" + token.TokenAddress, ChainWriteKind.Mint, token, ("not-an-address", Tokens(1m))))));
        Assert.Equal(LedgerError.InvalidArgument, await RefusedAsync(() => signer.SubmitAsync(Write("", ChainWriteKind.Mint, token, (holder, Tokens(1m))))));
        Assert.Equal(LedgerError.InvalidArgument, await RefusedAsync(() =>
            signer.SubmitAsync(Write("bad-two-burns-" + token.TokenAddress, ChainWriteKind.BurnFromHolder, token, (holder, Tokens(1m)), (holder, Tokens(1m))))));
        Assert.Equal(LedgerError.InvalidArgument, await RefusedAsync(() => signer.CheckAsync("never-submitted")));
        Assert.Equal(LedgerError.InvalidArgument, await RefusedAsync(() => signer.ScanDepositsAsync(token.TokenAddress, token.Decimals, null, 0)));
        Assert.Equal(writesBefore, await WritesAsync(chain));

        // A write id reused for another write is a conflict, and the first write's effect is all there is.
        var mint = Write("bad-reuse-" + token.TokenAddress, ChainWriteKind.Mint, token, (holder, Tokens(1m)));
        await signer.SubmitAsync(mint);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync(chain, mint.WriteId)).State);
        var conflicting = mint with { Lines = [new ChainWriteLine(holder, Tokens(2m))] };
        Assert.Equal(LedgerError.IdempotencyConflict, await RefusedAsync(() => signer.SubmitAsync(conflicting)));
        Assert.Equal(Tokens(1m), (await signer.GetSupplyAsync(token.TokenAddress, token.Decimals)).Canonical);
        Assert.Equal(writesBefore + 1, await WritesAsync(chain));
    }
}
