using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Sharemint.Client.Http;
using Sharemint.Fixtures;

namespace Sharemint.Api.Tests;

/// <summary>
/// One real silo process per test class, on its own PostgreSQL, with an encryption key, a bootstrap admin key and the
/// demo partner's key configured, and a small rate limit so that throttling is reachable.
/// </summary>
public sealed class ApiSilo : IAsyncLifetime
{
    public const string AdminKeyId = "ok_bootstrap_admin";
    public const string DemoKeyId = "pk_demo_partner";
    public const int RateLimitBurst = 40;
    public const int AddressBurst = 250;
    public const int AuthFailureBurst = 20;

    private PostgresServer? _postgres;

    public string AdminSecret { get; } = "sk_admin_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public string DemoSecret { get; } = "sk_demo_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public SiloProcess Silo { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        ConnectionString = await _postgres.CreateMigratedDatabaseAsync("api");
        Silo = await SiloProcess.StartAsync(ConnectionString, extraEnvironment: new Dictionary<string, string>
        {
            ["Sharemint__Api__SecretEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Sharemint__Api__BootstrapAdminKeyId"] = AdminKeyId,
            ["Sharemint__Api__BootstrapAdminSecret"] = AdminSecret,
            ["Sharemint__Api__DemoPartnerKeyId"] = DemoKeyId,
            ["Sharemint__Api__DemoPartnerSecret"] = DemoSecret,
            ["Sharemint__Api__RateLimitBurst"] = RateLimitBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sharemint__Api__RateLimitPerSecond"] = "10",
            ["Sharemint__Api__MaxRequestBodyBytes"] = "16384",
            ["Sharemint__Api__AddressRateLimitBurst"] = AddressBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sharemint__Api__AddressRateLimitPerSecond"] = "20",
            ["Sharemint__Api__AuthFailureBurst"] = AuthFailureBurst.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sharemint__Api__AuthFailuresPerSecond"] = "1",
            ["Sharemint__Market__Hours"] = "always",
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
    }

    /// <summary>A request signed by <paramref name="keyId"/>/<paramref name="secret"/>, with hooks to break the signature on purpose.</summary>
    public static HttpRequestMessage Signed(HttpMethod method, string path, string? json, string keyId, string secret,
        DateTimeOffset? at = null, string? idempotencyKey = null, string? signWithBody = null, string? nonce = null, string? signWithIdempotencyKey = null)
    {
        var request = new HttpRequestMessage(method, path);
        var body = json is null ? [] : Encoding.UTF8.GetBytes(json);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signedBody = signWithBody is null ? body : Encoding.UTF8.GetBytes(signWithBody);
        nonce ??= RequestSigner.NewNonce();
        request.Headers.Add(RequestSigner.KeyHeader, keyId);
        request.Headers.Add(RequestSigner.TimestampHeader, timestamp);
        request.Headers.Add(RequestSigner.NonceHeader, nonce);
        request.Headers.Add(RequestSigner.SignatureHeader, RequestSigner.Compute(secret, timestamp, nonce, method.Method, "/" + path.TrimStart('/'),
            signWithIdempotencyKey ?? idempotencyKey ?? "", signedBody));
        return request;
    }

    /// <summary>The silo's count of database commands issued by API authentication (from /metrics on the management port).</summary>
    public async Task<long> AuthDatabaseCommandsAsync()
    {
        using var management = Silo.CreateManagementHttpClient();
        // The exporter caches a scrape briefly: read until two reads agree.
        long? previous = null;
        while (true)
        {
            var text = await management.GetStringAsync("metrics");
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("sharemint_api_auth_db_commands_total", StringComparison.Ordinal));
            var value = line is null ? 0 : (long)double.Parse(line[line.IndexOf(' ', line.IndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            if (previous == value)
            {
                return value;
            }
            previous = value;
            await Task.Delay(400);
        }
    }

    /// <summary>Sends a request signed with the bootstrap admin key.</summary>
    public async Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string? json = null, string? idempotencyKey = null)
    {
        using var request = Signed(method, path, json, AdminKeyId, AdminSecret, idempotencyKey: idempotencyKey);
        return await Http.SendAsync(request);
    }

    /// <summary>Sends a request signed with the demo partner's key.</summary>
    public async Task<HttpResponseMessage> PartnerAsync(HttpMethod method, string path, string? json = null, string? idempotencyKey = null)
    {
        using var request = Signed(method, path, json, DemoKeyId, DemoSecret, idempotencyKey: idempotencyKey);
        return await Http.SendAsync(request);
    }
}
