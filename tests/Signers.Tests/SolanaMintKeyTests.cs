using System.Security.Cryptography;
using System.Text;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tests.Solana;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// Issue 18: Solana mint account keys are generated and stored, not derived from the issuer's secret; a mint an earlier
/// build created with a derived key keeps working (the deploy finds it and the platform mints into it).
/// </summary>
[Collection(SignerCollection.Name)]
public sealed class SolanaMintKeyTests(SignerFixture fixture)
{
    private IChainSignerGrain Signer => fixture.Signer("solana");

    [Fact]
    public async Task A_new_mint_key_is_generated_and_stored_and_a_retried_deploy_signs_for_the_same_mint()
    {
        var symbol = NewSymbol();
        var token = await Signer.DeployTokenAsync(new TokenDeploymentRequest(symbol, "Test xStock", Units.Multiplier.One));
        Assert.NotEqual(Derived(symbol).PublicKey.ToString(), token.TokenAddress);
        Assert.Equal(1, await fixture.CountAsync(
            "SELECT count(*) FROM solana_mint_keys WHERE chain = 'solana' AND symbol = $1 AND public_key = $2 AND origin = 'generated'", symbol, token.TokenAddress));

        // Another activation (after a restart) asked again: the same mint, created once.
        await fixture.RestartClusterAsync();
        var again = await fixture.Signer("solana").DeployTokenAsync(new TokenDeploymentRequest(symbol, "Test xStock", Units.Multiplier.One));
        Assert.Equal(token.TokenAddress, again.TokenAddress);
        Assert.Equal(1, await fixture.CountAsync("SELECT count(*) FROM solana_mint_keys WHERE chain = 'solana' AND symbol = $1", symbol));
    }

    [Fact]
    public async Task A_mint_created_with_the_old_derived_key_is_kept_and_minted_into()
    {
        // The issuer gets its fee money through a first deploy; then an "earlier build" creates a mint with the derived key.
        await Signer.DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Units.Multiplier.One));
        var symbol = NewSymbol();
        var derived = Derived(symbol);
        var issuer = fixture.SolanaIssuer;
        var sender = new TransactionSender(fixture.Solana.Rpc, new InMemorySignedTransactionStore(), Issuer.FastSender);
        var spec = new XStockMintSpec("Test xStock", symbol, "", 8, issuer.PublicKey, issuer.PublicKey) { InitialMultiplier = 1.0, PermanentDelegate = issuer.PublicKey };
        await new XStockTokenClient(fixture.Solana.Rpc, sender, issuer).CreateMintAsync("old-build-deploy", spec, derived, issuer);

        var token = await Signer.DeployTokenAsync(new TokenDeploymentRequest(symbol, "Test xStock", Units.Multiplier.One));
        Assert.Equal(derived.PublicKey.ToString(), token.TokenAddress);
        Assert.Equal(1, await fixture.CountAsync(
            "SELECT count(*) FROM solana_mint_keys WHERE chain = 'solana' AND symbol = $1 AND origin = 'derived'", symbol));
        var holder = await fixture.Solana.FundedKeypairAsync();
        var mint = Write($"legacy-mint-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (holder.PublicKey.ToString(), Tokens(4m)));
        await Signer.SubmitAsync(mint);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("solana", mint.WriteId)).State);
        Assert.Equal(Tokens(4m), (await Signer.GetBalanceAsync(token.TokenAddress, token.Decimals, holder.PublicKey.ToString())).Canonical);
    }

    /// <summary>The key an earlier build derived from the issuer's secret and the symbol.</summary>
    private Keypair Derived(string symbol) =>
        Keypair.FromSeed(SHA256.HashData([.. Encoding.UTF8.GetBytes($"sharemint/solana-mint/{symbol}/"), .. fixture.SolanaIssuer.SecretKey()]));
}
