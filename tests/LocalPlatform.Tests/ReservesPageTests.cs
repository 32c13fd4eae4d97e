using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using PuppeteerSharp;
using Sharemint.Fixtures;

namespace Sharemint.LocalPlatform.Tests;

/// <summary>
/// The public reserves page in Debian's chromium (headless, phone-sized): the attestation verified by WebCrypto in the
/// page, its figures as the API and the chains have them, explorer links from configuration, and tampered attestations
/// shown as invalid. Screenshots go to TestResults/reserves-page/.
/// </summary>
[Collection(LocalPlatformCollection.Name)]
public sealed class ReservesPageTests(LocalPlatform platform)
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Screenshots = Path.Combine(RepositoryPaths.Root, "TestResults", "reserves-page");

    [Fact]
    public async Task The_page_verifies_every_attestation_in_the_browser_and_shows_the_figures_of_the_api_and_the_chains()
    {
        await platform.EnsureMintedAsync();
        var admin = platform.Admin();
        foreach (var symbol in LocalPlatform.Symbols)
        {
            await admin.ReconcileAsync(symbol);
        }

        await using var browser = await LaunchAsync();
        var (assets, publishedKey, status) = await LoadAsync(browser, "reserves-phone.png", tamper: null);
        Assert.Contains("every attestation shown was verified", status, StringComparison.Ordinal);

        using var http = platform.Http();
        foreach (var symbol in LocalPlatform.Symbols)
        {
            var attestation = JsonNode.Parse(await http.GetStringAsync($"v1/reserves/{symbol}"))!;
            Assert.Equal((string)attestation["publicKey"]!, publishedKey);
            using var payload = JsonDocument.Parse((string)attestation["payload"]!);
            var signed = payload.RootElement;
            var shown = assets.Single(a => a.GetProperty("symbol").GetString() == symbol);

            Assert.Equal("true", shown.GetProperty("valid").GetString());
            var fields = shown.GetProperty("fields");
            // Token amounts are signed as integer canonical units (8 decimals); the page shows tokens.
            Assert.Equal(signed.GetProperty("issued").GetInt64() / 100_000_000m, Value(fields, "issued"));
            Assert.Equal(signed.GetProperty("onChainTotal").GetInt64() / 100_000_000m, Value(fields, "onChainTotal"));
            Assert.Equal(signed.GetProperty("inTransit").GetInt64() / 100_000_000m, Value(fields, "inTransit"));
            Assert.True(Value(fields, "issued") > 0m);
            Assert.Equal(signed.GetProperty("brokerShares").GetDecimal(), Value(fields, "custody"));
            Assert.Equal(signed.GetProperty("requiredShares").GetDecimal(), Value(fields, "requiredShares"));
            Assert.Equal(signed.GetProperty("backingRatio").GetDecimal(), Value(fields, "backingRatio"));
            Assert.Equal(signed.GetProperty("multiplier").GetDecimal(), Value(fields, "multiplier"));
            Assert.Equal(signed.GetProperty("at").GetDateTimeOffset(), DateTimeOffset.Parse(fields.GetProperty("attestedAt").GetString()!, CultureInfo.InvariantCulture));
            Assert.True(Value(fields, "backingRatio") >= 1m);

            var chains = shown.GetProperty("chains").EnumerateArray().ToDictionary(c => c.GetProperty("chain").GetString()!);
            Assert.Equal(LocalPlatform.Chains, chains.Keys.Order(StringComparer.Ordinal));
            foreach (var (chain, token, decimals) in await platform.DeploymentsAsync(symbol))
            {
                var row = chains[chain];
                Assert.Equal(token, row.GetProperty("token").GetString());
                var signedRow = signed.GetProperty("deployments").EnumerateArray().Single(d => d.GetProperty("chain").GetString() == chain);
                Assert.Equal(signedRow.GetProperty("onChainSupply").GetInt64() / 100_000_000m, decimal.Parse(row.GetProperty("onChainSupply").GetString()!, CultureInfo.InvariantCulture));
                Assert.Equal(signedRow.GetProperty("ledgerSupply").GetInt64() / 100_000_000m, decimal.Parse(row.GetProperty("ledgerSupply").GetString()!, CultureInfo.InvariantCulture));
                Assert.Equal(await platform.SupplyFromChainAsync(chain, token, decimals), decimal.Parse(row.GetProperty("onChainSupply").GetString()!, CultureInfo.InvariantCulture));
                Assert.Equal("0", row.GetProperty("driftUnits").GetString());
                Assert.Equal(LocalPlatform.Explorers[chain].Replace("{address}", token, StringComparison.Ordinal), row.GetProperty("explorer").GetString());
            }
        }
        // Minted on four chains, so the page shows real supply on each.
        var tsla = assets.Single(a => a.GetProperty("symbol").GetString() == "TSLAx");
        Assert.All(tsla.GetProperty("chains").EnumerateArray(), c => Assert.True(decimal.Parse(c.GetProperty("onChainSupply").GetString()!, CultureInfo.InvariantCulture) > 0m));
    }

    [Fact]
    public async Task A_tampered_figure_or_a_signature_by_another_key_shows_as_invalid()
    {
        await platform.EnsureMintedAsync();
        await using var browser = await LaunchAsync();

        // A figure changed after signing: the signature no longer matches.
        var (assets, _, status) = await LoadAsync(browser, "reserves-tampered.png", tamper: real =>
        {
            var payload = (string)real["payload"]!;
            Assert.Contains("\"brokerShares\":", payload, StringComparison.Ordinal);
            real["payload"] = payload.Replace("\"brokerShares\":", "\"brokerShares\":9", StringComparison.Ordinal);
            return real;
        });
        var tsla = assets.Single(a => a.GetProperty("symbol").GetString() == "TSLAx");
        Assert.Equal("false", tsla.GetProperty("valid").GetString());
        Assert.Contains("does not match", tsla.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("true", assets.Single(a => a.GetProperty("symbol").GetString() == "NVDAx").GetProperty("valid").GetString());
        Assert.Contains("did NOT verify", status, StringComparison.Ordinal);

        // Figures re-signed with a key that is not the published one: a valid signature, but not the issuer's.
        (assets, _, _) = await LoadAsync(browser, "reserves-other-key.png", tamper: real =>
        {
            var payload = ((string)real["payload"]!).Replace("\"brokerShares\":", "\"brokerShares\":9", StringComparison.Ordinal);
            var key = new Ed25519PrivateKeyParameters(new SecureRandom());
            var signer = new Ed25519Signer();
            signer.Init(true, key);
            var bytes = Encoding.UTF8.GetBytes(payload);
            signer.BlockUpdate(bytes, 0, bytes.Length);
            real["payload"] = payload;
            real["signature"] = Convert.ToBase64String(signer.GenerateSignature());
            real["publicKey"] = Convert.ToBase64String(key.GeneratePublicKey().GetEncoded());
            return real;
        });
        tsla = assets.Single(a => a.GetProperty("symbol").GetString() == "TSLAx");
        Assert.Equal("false", tsla.GetProperty("valid").GetString());
        Assert.Contains("other than the published", tsla.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static decimal Value(JsonElement fields, string name) =>
        decimal.Parse(fields.GetProperty(name).GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static async Task<IBrowser> LaunchAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/install.sh test installs Debian's chromium");
        var profile = Directory.CreateTempSubdirectory("sharemint-chromium-").FullName;
        return await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            UserDataDir = profile,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>
    /// Opens /reserves at phone size (optionally answering TSLAx's attestation request with a tampered copy), waits for the
    /// page to finish, saves a screenshot, and reads what it shows from the DOM.
    /// </summary>
    private async Task<(List<JsonElement> Assets, string PublishedKey, string Status)> LoadAsync(IBrowser browser, string screenshot, Func<JsonNode, JsonNode>? tamper)
    {
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 390, Height = 844, IsMobile = true, HasTouch = true, DeviceScaleFactor = 2 });
        var errors = new List<string>();
        page.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) { lock (errors) { errors.Add(e.Message.Text); } } };
        page.PageError += (_, e) => { lock (errors) { errors.Add(e.Message); } };
        if (tamper is not null)
        {
            using var http = platform.Http();
            var tampered = tamper(JsonNode.Parse(await http.GetStringAsync("v1/reserves/TSLAx"))!).ToJsonString();
            await page.SetRequestInterceptionAsync(true);
            page.Request += async (_, e) =>
            {
                if (new Uri(e.Request.Url).AbsolutePath == "/v1/reserves/TSLAx")
                {
                    await e.Request.RespondAsync(new ResponseData { Status = HttpStatusCode.OK, ContentType = "application/json", Body = tampered });
                }
                else
                {
                    await e.Request.ContinueAsync();
                }
            };
        }
        await page.GoToAsync(new Uri(platform.BaseAddress, "reserves").ToString());
        await page.WaitForSelectorAsync("#status[data-state='ready'], #status[data-state='error']", new WaitForSelectorOptions { Timeout = 60_000 });
        Directory.CreateDirectory(Screenshots);
        await page.ScreenshotAsync(Path.Combine(Screenshots, screenshot), new ScreenshotOptions { FullPage = true });

        var state = await page.EvaluateExpressionAsync<string>("document.getElementById('status').dataset.state");
        var status = await page.EvaluateExpressionAsync<string>("document.getElementById('status').textContent");
        Assert.True(state == "ready", $"the page failed: {status}; console: {string.Join(" | ", errors)}");
        // Reads well on a phone: nothing wider than the screen.
        var overflow = await page.EvaluateExpressionAsync<int>("document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow}px wider than a 390px phone screen");

        var json = await page.EvaluateExpressionAsync<string>("""
            JSON.stringify([...document.querySelectorAll('section.asset')].map(s => ({
              symbol: s.dataset.symbol,
              valid: s.querySelector('[data-field="verification"]').dataset.valid,
              reason: s.querySelector('[data-field="verification"]').dataset.reason || '',
              fields: Object.fromEntries([...s.querySelectorAll('dd[data-field]')].map(d => [d.dataset.field, d.dataset.value ?? ''])),
              chains: [...s.querySelectorAll('tbody tr')].map(r => ({
                chain: r.dataset.chain,
                onChainSupply: r.querySelector('[data-field="onChainSupply"]').dataset.value,
                ledgerSupply: r.querySelector('[data-field="ledgerSupply"]').dataset.value,
                driftUnits: r.querySelector('[data-field="driftUnits"]').dataset.value,
                token: r.querySelector('[data-field="token"]').dataset.value,
                explorer: r.querySelector('a[data-field="explorer"]')?.href ?? '',
              })),
            })))
            """);
        var publishedKey = await page.EvaluateExpressionAsync<string>("document.getElementById('published-key').textContent");
        using var document = JsonDocument.Parse(json);
        return (document.RootElement.EnumerateArray().Select(e => e.Clone()).ToList(), publishedKey, status);
    }
}
