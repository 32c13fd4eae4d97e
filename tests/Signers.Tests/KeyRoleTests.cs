using Microsoft.Extensions.Configuration;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Errors;
using Sharemint.Fixtures;
using static Sharemint.Signers.Tests.ChainHelpers;

namespace Sharemint.Signers.Tests;

/// <summary>
/// Issue 18, keys by role: on a chain configured with an <c>AdminAddress</c> the deploy flow hands the token's admin role
/// to that key and the hot signing key keeps only the roles the platform signs with. Checked with cast, a client we did not
/// write: the hot key cannot grant roles, the admin can, and the platform still mints.
/// </summary>
[Collection(SignerCollection.Name)]
public sealed class KeyRoleTests(SignerFixture fixture)
{
    private const string DefaultAdminRole = "0x0000000000000000000000000000000000000000000000000000000000000000";

    [Fact]
    public async Task The_token_admin_is_the_configured_key_and_the_hot_key_cannot_grant_roles()
    {
        using (var anvil = new JsonRpcClient(fixture.AnvilA.RpcUrl))
        {
            foreach (var key in new[] { SignerFixture.AnvilRoleSignerKey, SignerFixture.AnvilTokenAdminKey })
            {
                await anvil.CallAsync("anvil_setBalance", [EvmPrivateKey.FromHex(key).Address.ToString(), "0x56BC75E2D63100000"]);
            }
        }
        var token = await fixture.Signer("arbitrum").DeployTokenAsync(new TokenDeploymentRequest(NewSymbol(), "Test xStock", Units.Multiplier.One));
        var hot = EvmPrivateKey.FromHex(SignerFixture.AnvilRoleSignerKey).Address.ToString();
        var admin = EvmPrivateKey.FromHex(SignerFixture.AnvilTokenAdminKey).Address.ToString();
        var minter = await CastAsync("call", token.TokenAddress, "MINTER_ROLE()(bytes32)");
        var pauser = await CastAsync("call", token.TokenAddress, "PAUSER_ROLE()(bytes32)");

        Assert.Equal("false", await HasRoleAsync(token.TokenAddress, DefaultAdminRole, hot));
        Assert.Equal("true", await HasRoleAsync(token.TokenAddress, DefaultAdminRole, admin));
        Assert.Equal("true", await HasRoleAsync(token.TokenAddress, pauser, admin));
        Assert.Equal("false", await HasRoleAsync(token.TokenAddress, minter, admin));
        foreach (var role in new[] { "MINTER_ROLE", "BURNER_ROLE", "PAUSER_ROLE", "MULTIPLIER_UPDATER_ROLE", "BLOCKLIST_ADMIN_ROLE" })
        {
            var id = await CastAsync("call", token.TokenAddress, $"{role}()(bytes32)");
            Assert.Equal("true", await HasRoleAsync(token.TokenAddress, id, hot));
        }

        // The hot key cannot make anyone a minter; the admin can.
        var stranger = EvmPrivateKey.Generate().Address.ToString();
        var refused = await RunCastAsync("send", "--private-key", SignerFixture.AnvilRoleSignerKey, "--rpc-url", fixture.AnvilA.RpcUrl.ToString(),
            token.TokenAddress, "grantRole(bytes32,address)", minter, stranger);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Equal("false", await HasRoleAsync(token.TokenAddress, minter, stranger));
        var granted = await RunCastAsync("send", "--private-key", SignerFixture.AnvilTokenAdminKey, "--rpc-url", fixture.AnvilA.RpcUrl.ToString(),
            token.TokenAddress, "grantRole(bytes32,address)", minter, stranger);
        Assert.True(granted.ExitCode == 0, granted.StandardError);
        Assert.Equal("true", await HasRoleAsync(token.TokenAddress, minter, stranger));

        // The platform's hot key still mints, and deploying again (a retry) changes nothing.
        var wallet = Deployment.EvmWallet();
        var mint = Write($"roles-mint-{Guid.NewGuid():N}", ChainWriteKind.Mint, token, (wallet, Tokens(3m)));
        await fixture.Signer("arbitrum").SubmitAsync(mint);
        Assert.Equal(ChainWriteState.Final, (await fixture.UntilDoneAsync("arbitrum", mint.WriteId)).State);
        Assert.Equal(Tokens(3m), (await fixture.Signer("arbitrum").GetBalanceAsync(token.TokenAddress, token.Decimals, wallet)).Canonical);
    }

    [Theory]
    [InlineData("evm", "0x90F79bf6EB2c4f870365E785982E1f101E93b906", "must be a key other than the signing key")]
    [InlineData("evm", "0x1234", "is not an EVM address")]
    [InlineData("solana", "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65", "is supported on EVM and Tron chains only")]
    public void An_admin_address_that_cannot_work_is_refused_at_start(string family, string adminAddress, string expected)
    {
        var chain = family == "evm" ? "mantle" : "solana";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Sharemint:Chains:{chain}:Family"] = family,
            [$"Sharemint:Chains:{chain}:RpcUrl"] = "http://127.0.0.1:8545",
            [$"Sharemint:Chains:{chain}:ChainId"] = "31337",
            [$"Sharemint:Chains:{chain}:PrivateKey"] = SignerFixture.AnvilRoleSignerKey,
            [$"Sharemint:Chains:{chain}:Keypair"] = Chains.Solana.Base58.Encode(Chains.Solana.Keypair.Generate().SecretKey()),
            [$"Sharemint:Chains:{chain}:AdminAddress"] = adminAddress,
        }).Build();
        var error = Assert.Throws<LedgerException>(() => ChainOptions.Read(configuration)[chain].Validate(chain));
        Assert.Contains("AdminAddress", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private async Task<string> HasRoleAsync(string token, string role, string account) =>
        await CastAsync("call", token, "hasRole(bytes32,address)(bool)", role, account);

    private async Task<string> CastAsync(params string[] args)
    {
        var result = await RunCastAsync([.. args, "--rpc-url", fixture.AnvilA.RpcUrl.ToString()]);
        Assert.True(result.ExitCode == 0, $"cast {string.Join(' ', args)}: {result.StandardError}");
        return result.StandardOutput.Trim();
    }

    private static Task<ProcessRunner.Result> RunCastAsync(params string[] args) =>
        ProcessRunner.RunAsync(Path.Combine(SolanaDevnet.RepoRoot, "devnet", "node_modules", "@foundry-rs", "cast-linux-amd64", "bin", "cast"), args,
            TimeSpan.FromSeconds(60), throwOnFailure: false);
}
