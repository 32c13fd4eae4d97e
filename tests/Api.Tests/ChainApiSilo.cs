using System.Security.Cryptography;
using Sharemint.Chains.Evm;
using Sharemint.Client;
using Sharemint.Client.Admin;
using Sharemint.Fixtures;

namespace Sharemint.Api.Tests;

/// <summary>
/// A silo that really mints: PostgreSQL, anvil standing for Ethereum with TSLAx deployed, paper market data that is
/// always open, an admin key, a viewer key, and per-address limits sized for the abuse test (the partners share one
/// loopback address; the flood comes from others). Shared by the fuzzer and the abuse test, which run in that order.
/// </summary>
public sealed class ChainApiSilo : IAsyncLifetime
{
    public const string AdminKeyId = "ok_chain_admin";
    public const string DemoKeyId = "pk_chain_demo";
    public const int AuthFailureBurst = 20;
    // Anvil's first well-known development account: funded on every fresh anvil, worthless anywhere else.
    private const string IssuerKey = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private const ulong ChainId = 31337;

    private PostgresServer? _postgres;

    public string AdminSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public string DemoSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public AnvilNode Anvil { get; private set; } = null!;

    public SiloProcess Silo { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(), ChainId);
        _postgres = await PostgresServer.CreateAsync();
        ConnectionString = await _postgres.CreateMigratedDatabaseAsync("chainapi");
        Silo = await SiloProcess.StartAsync(ConnectionString, extraEnvironment: new Dictionary<string, string>
        {
            ["Sharemint__Api__SecretEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Sharemint__Api__BootstrapAdminKeyId"] = AdminKeyId,
            ["Sharemint__Api__BootstrapAdminSecret"] = AdminSecret,
            ["Sharemint__Api__DemoPartnerKeyId"] = DemoKeyId,
            ["Sharemint__Api__DemoPartnerSecret"] = DemoSecret,
            ["Sharemint__Api__MaxRequestBodyBytes"] = "16384",
            // Twenty partners on one address, plus the fuzzer's thousands of requests from it.
            ["Sharemint__Api__AddressRateLimitBurst"] = "100000",
            ["Sharemint__Api__AddressRateLimitPerSecond"] = "100000",
            ["Sharemint__Api__RateLimitBurst"] = "100000",
            ["Sharemint__Api__RateLimitPerSecond"] = "100000",
            ["Sharemint__Api__AuthFailureBurst"] = AuthFailureBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sharemint__Api__AuthFailuresPerSecond"] = "1",
            ["Sharemint__Market__Hours"] = "always",
            ["Sharemint__Market__Prices__TSLA"] = "250",
            ["Sharemint__Chains__ethereum__Family"] = "evm",
            ["Sharemint__Chains__ethereum__RpcUrl"] = Anvil.RpcUrl.ToString(),
            ["Sharemint__Chains__ethereum__ChainId"] = ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sharemint__Chains__ethereum__PrivateKey"] = IssuerKey,
            ["Sharemint__DeployTokens"] = "true",
            ["Sharemint__DeploySymbols"] = "TSLAx",
            ["Sharemint__Demo__Wallets__ethereum"] = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
            ["Logging__LogLevel__Sharemint.Silo.Api.Security"] = "Warning",
        });
        Http = Silo.CreateHttpClient();
        // The deployer runs once the silo is active and publishes a first attestation when done.
        var reserves = new SharemintClient(Http).Reserves;
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                await reserves.GetAsync("TSLAx");
                return;
            }
            catch (SharemintApiException ex) when (ex.Code == "attestation_not_found" && DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    public SharemintAdminClient Admin() =>
        new(Silo.CreateHttpClient(), new SharemintClientOptions { KeyId = AdminKeyId, Secret = AdminSecret });

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
        if (Anvil is not null)
        {
            await Anvil.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ChainApiCollection : ICollectionFixture<ChainApiSilo>
{
    public const string Name = "chain-api";
}
