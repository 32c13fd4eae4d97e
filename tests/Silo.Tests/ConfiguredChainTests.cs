using System.Net;
using System.Text.Json;
using Sharemint.Chains.Evm;
using Sharemint.Fixtures;

namespace Sharemint.Silo.Tests;

/// <summary>An EVM chain the code has never heard of (here Ink, chain id 57073) is configuration alone.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConfiguredChainTests(PostgresFixture postgres)
{
    private const string IssuerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private const string Wallet = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

    [Fact]
    public async Task A_differently_named_evm_chain_from_configuration_deploys_allow_lists_and_reconciles()
    {
        await using var anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(), 57073);
        var db = await postgres.Server.CreateMigratedDatabaseAsync("ink");
        await using var silo = await SiloProcess.StartAsync(db, extraEnvironment: new Dictionary<string, string>
        {
            ["Sharemint__Chains__ink-sepolia__Family"] = "evm",
            ["Sharemint__Chains__ink-sepolia__RpcUrl"] = anvil.RpcUrl.ToString(),
            ["Sharemint__Chains__ink-sepolia__ChainId"] = "57073",
            ["Sharemint__Chains__ink-sepolia__Confirmations"] = "1",
            ["Sharemint__Chains__ink-sepolia__PrivateKey"] = IssuerKey,
            ["Sharemint__DeployTokens"] = "true",
            ["Sharemint__DeploySymbols"] = "TSLAx",
            ["Sharemint__Demo__Wallets__ink-sepolia"] = Wallet,
        });
        using var http = silo.CreateHttpClient();

        // The deployer runs once the silo is active; its first reconciliation publishes the attestation.
        var deadline = DateTime.UtcNow.AddMinutes(2);
        HttpResponseMessage reserves;
        while ((reserves = await http.GetAsync("v1/reserves/TSLAx")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no attestation after 2 minutes:\n{silo.Output}");
            await Task.Delay(500);
        }
        using var attestation = JsonDocument.Parse(await reserves.Content.ReadAsStringAsync());
        using var payload = JsonDocument.Parse(attestation.RootElement.GetProperty("payload").GetString()!);
        var deployment = Assert.Single(payload.RootElement.GetProperty("deployments").EnumerateArray());
        Assert.Equal("ink-sepolia", deployment.GetProperty("chain").GetString());

        using var deployments = JsonDocument.Parse(await http.GetStringAsync("v1/assets/TSLAx/deployments"));
        var listed = Assert.Single(deployments.RootElement.EnumerateArray());
        Assert.Equal("ink-sepolia", listed.GetProperty("chain").GetString());
        // The token really is on that chain: its bytecode is there and it answers the ERC-20 name() call.
        var token = EvmAddress.Parse(listed.GetProperty("tokenAddress").GetString()!);
        using var rpc = new JsonRpcClient(anvil.RpcUrl);
        Assert.True(((await rpc.CallAsync("eth_getCode", [token.ToString(), "latest"])).GetString() ?? "0x").Length > 2);
        // The deployer allow-lists the demo wallet on it (the account grain knows the name's family from configuration)
        // before that first reconciliation, so the attestation above could not exist had the name been refused.
        Assert.Contains("assets deployed on ink-sepolia", silo.Output, StringComparison.Ordinal);
    }
}
