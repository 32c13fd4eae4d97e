using System.Security.Cryptography;
using Sharemint.Chains.Evm;
using Sharemint.Client;
using Sharemint.Fixtures;

namespace Sharemint.Api.Tests;

/// <summary>
/// A silo that really mints TSLAx on anvil for the demo partner, with webhook retries shortened so a receiver that comes
/// back is served within a second, and the means to kill and restart the silo on the same database and ports.
/// </summary>
public sealed class WebhookSilo : IAsyncLifetime
{
    public const string AdminKeyId = "ok_webhook_admin";
    public const string DemoKeyId = "pk_webhook_demo";
    public const string Wallet = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    // Anvil's first well-known development account: funded on every fresh anvil, worthless anywhere else.
    private const string IssuerKey = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private const ulong ChainId = 31337;

    private readonly string _clusterId = $"webhooks-{Guid.NewGuid():N}";
    private readonly int _httpPort = FreePort.Next();
    private readonly int _siloPort = FreePort.Next();
    private readonly int _gatewayPort = FreePort.Next();
    private readonly string _encryptionKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private PostgresServer? _postgres;
    private AnvilNode? _anvil;
    private string _connectionString = "";

    public string AdminSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public string DemoSecret { get; } = "sk_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    public SiloProcess Silo { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The silo's database.</summary>
    public string ConnectionString => _connectionString;

    public async Task InitializeAsync()
    {
        _anvil = await AnvilNode.StartAsync(AnvilNode.LocateBinary(), ChainId);
        _postgres = await PostgresServer.CreateAsync();
        _connectionString = await _postgres.CreateMigratedDatabaseAsync("webhooks");
        await StartSiloAsync();
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

    /// <summary>The demo partner's SDK client.</summary>
    public SharemintClient Partner() => new(Silo.CreateHttpClient(), new SharemintClientOptions { KeyId = DemoKeyId, Secret = DemoSecret });

    /// <summary>Sends a request signed with the demo partner's key.</summary>
    public async Task<HttpResponseMessage> PartnerAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = ApiSilo.Signed(method, path, json, DemoKeyId, DemoSecret);
        return await Http.SendAsync(request);
    }

    /// <summary>Sends a request signed with the admin key.</summary>
    public async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = ApiSilo.Signed(method, path, json, AdminKeyId, AdminSecret);
        return await Http.SendAsync(request);
    }

    /// <summary>Kills the silo (SIGKILL, as a crash would) and starts it again on the same database, cluster and ports.</summary>
    public async Task KillAndRestartAsync()
    {
        Http.Dispose();
        await Silo.KillAsync();
        await Silo.DisposeAsync();
        await StartSiloAsync();
    }

    private async Task StartSiloAsync()
    {
        Silo = await SiloProcess.StartAsync(_connectionString, clusterId: _clusterId, siloPort: _siloPort, gatewayPort: _gatewayPort, httpPort: _httpPort,
            extraEnvironment: new Dictionary<string, string>
            {
                ["Sharemint__Api__SecretEncryptionKey"] = _encryptionKey,
                ["Sharemint__Api__BootstrapAdminKeyId"] = AdminKeyId,
                ["Sharemint__Api__BootstrapAdminSecret"] = AdminSecret,
                ["Sharemint__Api__DemoPartnerKeyId"] = DemoKeyId,
                ["Sharemint__Api__DemoPartnerSecret"] = DemoSecret,
                ["Sharemint__Api__RateLimitBurst"] = "100000",
                ["Sharemint__Api__RateLimitPerSecond"] = "100000",
                ["Sharemint__Market__Hours"] = "always",
                ["Sharemint__Market__Prices__TSLA"] = "250",
                ["Sharemint__Chains__ethereum__Family"] = "evm",
                ["Sharemint__Chains__ethereum__RpcUrl"] = _anvil!.RpcUrl.ToString(),
                ["Sharemint__Chains__ethereum__ChainId"] = ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Sharemint__Chains__ethereum__PrivateKey"] = IssuerKey,
                ["Sharemint__DeployTokens"] = "true",
                ["Sharemint__DeploySymbols"] = "TSLAx",
                ["Sharemint__Demo__Wallets__ethereum"] = Wallet,
                // Retries within a second, so that a receiver back up is served at once.
                ["Sharemint__Webhooks__BaseBackoff"] = "00:00:00.200",
                ["Sharemint__Webhooks__MaxBackoff"] = "00:00:01",
                ["Sharemint__Webhooks__PollPeriod"] = "00:00:00.200",
                ["Sharemint__Webhooks__AcceptedDelay"] = "00:00:00.300",
                ["Sharemint__Webhooks__DeliveryTimeout"] = "00:00:05",
                // A corporate action may take effect seconds after its declaration.
                ["Sharemint__CorporateActions__MinimumLead"] = "00:00:08",
                ["Sharemint__CorporateActions__PauseBefore"] = "00:00:04",
                ["Sharemint__CorporateActions__PauseAfter"] = "00:00:01",
                ["Sharemint__CorporateActions__Tick"] = "00:00:00.500",
                // The receivers listen on loopback over http.
                ["Sharemint__Webhooks__AllowPrivateNetworks"] = "true",
            });
        Http = Silo.CreateHttpClient();
    }

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
        if (_anvil is not null)
        {
            await _anvil.DisposeAsync();
        }
    }
}
