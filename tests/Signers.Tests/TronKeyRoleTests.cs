using Microsoft.Extensions.Configuration;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tron;
using Sharemint.Errors;
using Sharemint.Units;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// Issue 18, keys by role on Tron: with an <c>AdminAddress</c> the deploy flow hands the TRC-20's admin role to that key
/// (with a pauser role of its own) and the hot key renounces it, as on EVM. Roles are read with TronWeb, a client we did not
/// write: the hot key keeps only the roles the platform signs with, cannot grant roles, and still mints.
/// </summary>
[Collection(TronSignerCollection.Name)]
public sealed class TronKeyRoleTests(TronSignerFixture fixture)
{
    [Fact]
    public async Task The_tron_token_admin_is_the_configured_key_and_the_hot_key_cannot_grant_roles()
    {
        var signer = fixture.Cluster.Client.GetGrain<IChainSignerGrain>(TronSignerFixture.RolesChain);
        var symbol = NewSymbol();
        var token = await signer.DeployTokenAsync(new TokenDeploymentRequest(symbol, "Test xStock", Multiplier.One));
        var hot = TronAddress.FromPublicKey(fixture.RoleSignerKey.PublicKey).ToBase58();
        var admin = TronAddress.FromPublicKey(fixture.TokenAdminKey.PublicKey).ToBase58();
        var stranger = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey);

        var roles = (await fixture.TronWebAsync("roles", "--token", token.TokenAddress, "--accounts", $"{hot},{admin}")).GetProperty("accounts");
        bool Has(string account, string role) => roles.GetProperty(account).GetProperty(role).GetBoolean();
        Assert.False(Has(hot, "DEFAULT_ADMIN_ROLE"));
        foreach (var role in new[] { "MINTER_ROLE", "BURNER_ROLE", "PAUSER_ROLE", "MULTIPLIER_UPDATER_ROLE", "BLOCKLIST_ADMIN_ROLE" })
        {
            Assert.True(Has(hot, role), $"the hot key lost {role}");
        }
        Assert.True(Has(admin, "DEFAULT_ADMIN_ROLE"));
        Assert.True(Has(admin, "PAUSER_ROLE"));
        Assert.False(Has(admin, "MINTER_ROLE"));
        // Deployment, then grant admin, grant pauser, renounce admin: each its own saved transaction, signed once.
        Assert.Equal(4, await fixture.ScalarAsync(
            "SELECT count(*) FROM chain_signer_evm_attempts WHERE chain = $1 AND (operation_key = $2 OR operation_key LIKE $3)",
            TronSignerFixture.RolesChain, $"deploy:{symbol}", $"deploy:{symbol}:%"));

        // The hot key cannot make anyone a minter (the node's simulation refuses it); the admin can.
        var trc20 = new TronToken(fixture.Tron.Client, fixture.Artifact, TronAddress.Parse(token.TokenAddress));
        var refused = await Assert.ThrowsAnyAsync<ContractRevertedException>(() =>
            trc20.SendAsync(trc20.GrantRoleCall(TronAddress.Parse(hot), SharemintToken.MinterRole, stranger), fixture.RoleSignerKey));
        Assert.Equal("AccessControlUnauthorizedAccount", refused.ErrorName);
        await trc20.SendAsync(trc20.GrantRoleCall(TronAddress.Parse(admin), SharemintToken.MinterRole, stranger), fixture.TokenAdminKey);
        var after = (await fixture.TronWebAsync("roles", "--token", token.TokenAddress, "--accounts", stranger.ToBase58())).GetProperty("accounts");
        Assert.True(after.GetProperty(stranger.ToBase58()).GetProperty("MINTER_ROLE").GetBoolean());

        // The platform's hot key still mints; deploying again returns the same token and signs nothing more.
        var wallet = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey).ToBase58();
        var mint = Write($"roles-tron-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(3m)));
        await signer.SubmitAsync(mint);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        ChainWriteStatus status;
        while ((status = await signer.CheckAsync(mint.WriteId)).State == ChainWriteState.Pending)
        {
            Assert.True(DateTime.UtcNow < deadline, "the mint is still pending after 60 s");
            await Task.Delay(100);
        }
        Assert.Equal(ChainWriteState.Final, status.State);
        var seen = await fixture.TronWebAsync("read", "--token", token.TokenAddress, "--accounts", wallet);
        Assert.Equal((3 * System.Numerics.BigInteger.Pow(10, 18)).ToString(), seen.GetProperty("balances").GetProperty(wallet).GetString());
        Assert.Equal(token.TokenAddress, (await signer.DeployTokenAsync(new TokenDeploymentRequest(symbol, "Test xStock", Multiplier.One))).TokenAddress);
    }

    [Theory]
    [InlineData("signer", "must be a key other than the signing key")]
    [InlineData("T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb", "The zero address cannot hold tokens")]
    [InlineData("0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", "is not a Tron base58check address")]
    [InlineData("TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaH", "is not a Tron base58check address")]
    public void A_tron_admin_address_that_cannot_work_is_refused_at_start(string adminAddress, string expected)
    {
        const string key = "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
        var address = adminAddress == "signer" ? TronAddress.FromPublicKey(EvmPrivateKey.FromHex(key).PublicKey).ToBase58() : adminAddress;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sharemint:Chains:tron:Family"] = "tron",
            ["Sharemint:Chains:tron:RpcUrl"] = "http://127.0.0.1:18090",
            ["Sharemint:Chains:tron:PrivateKey"] = key,
            ["Sharemint:Chains:tron:AdminAddress"] = address,
        }).Build();
        var error = Assert.Throws<LedgerException>(() => ChainOptions.Read(configuration));
        Assert.Equal(LedgerError.InvalidArgument, error.Error);
        Assert.Contains("Sharemint:Chains:tron:AdminAddress", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_tron_admin_address_is_accepted()
    {
        var admin = TronAddress.FromPublicKey(EvmPrivateKey.Generate().PublicKey).ToBase58();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sharemint:Chains:tron:Family"] = "tron",
            ["Sharemint:Chains:tron:RpcUrl"] = "http://127.0.0.1:18090",
            ["Sharemint:Chains:tron:PrivateKey"] = "7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
            ["Sharemint:Chains:tron:AdminAddress"] = admin,
        }).Build();
        Assert.Equal(admin, ChainOptions.Read(configuration)["tron"].AdminAddress);
    }
}
