using System.Text.Json;
using Sharemint.Client.Account;
using Sharemint.Client.Assets;
using Sharemint.Client.CorporateActions;
using Sharemint.Client.Http;
using Sharemint.Client.Lifecycle;
using Sharemint.Fixtures;

namespace Sharemint.Client.Tests;

/// <summary>
/// The last statuses as extensible enums, and the operators' corporate-action and asset-lifecycle clients (and the
/// deposit-watchers listing) shaped like the others: virtual, answering <see cref="Response{T}"/>.
/// </summary>
public sealed partial class SdkGuidelinesTests
{
    [Fact]
    public void Kyc_tier_asset_status_and_action_stage_are_extensible_enums_read_in_lower_snake_case()
    {
        var account = JsonSerializer.Deserialize<PartnerAccount>("""
            {"accountId":"a","displayName":"A","jurisdiction":"US","tier":"premium","feeRate":"0.003","kyc":"approved","wallets":[],
             "cashBalance":"1.5","cashHeld":"0","spentToday":"0","maxOrderCash":"10","maxDailyCash":"20"}
            """, SharemintJson.Options)!;
        Assert.Equal(KycStatus.Approved, account.Kyc);
        Assert.Equal(PartnerTier.Premium, account.Tier);
        Assert.NotEqual(PartnerTier.Standard, account.Tier);
        Assert.True(account.Kyc == "Approved" && account.Kyc != KycStatus.Pending);

        var paused = JsonSerializer.Deserialize<AssetStatus>("\"mint_paused\"", SharemintJson.Options);
        Assert.Equal(AssetStatus.MintPaused, paused);
        Assert.True(paused == "MintPaused" && paused.StopsMints);
        Assert.False(AssetStatus.Active.StopsMints || AssetStatus.RedeemPaused.StopsMints);
        Assert.True(AssetStatus.Delisting.StopsMints && AssetStatus.Halted.StopsMints);
        Assert.Equal(CorporateActionStage.Completed, JsonSerializer.Deserialize<CorporateActionStage>("\"completed\"", SharemintJson.Options));

        // A value this SDK does not know yet arrives as it is, and writes back unchanged.
        var future = JsonSerializer.Deserialize<KycStatus>("\"under_review\"", SharemintJson.Options);
        Assert.Equal("under_review", future.ToString());
        Assert.NotEqual(KycStatus.Pending, future);
        Assert.Equal("\"redeem_paused\"", JsonSerializer.Serialize(AssetStatus.RedeemPaused, SharemintJson.Options));
        Assert.Equal("\"under_review\"", JsonSerializer.Serialize(future, SharemintJson.Options));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<AssetStatus>("3", SharemintJson.Options));
    }

    [Fact]
    public async Task The_real_api_answers_kyc_tier_and_asset_status_the_sdk_recognises()
    {
        var partner = fixture.Partner(SiloFixture.DemoKeyId, fixture.DemoSecret);
        var account = (await partner.Account.GetAsync()).Value;
        Assert.Equal(KycStatus.Approved, account.Kyc);
        Assert.Equal("approved", account.Kyc.ToString());
        Assert.Contains(account.Tier, new[] { PartnerTier.Standard, PartnerTier.Premium, PartnerTier.Institutional });

        var admin = fixture.Admin();
        var symbol = DemoCatalogueFile.Symbols.First(s => s != "TSLAx");
        var mintPaused = await admin.PauseAssetAsync(symbol, "mint");
        Assert.Equal(AssetStatus.MintPaused, mintPaused.Value.Status);
        Assert.Equal("mint_paused", mintPaused.Value.Status.ToString());
        Assert.Equal(AssetStatus.Active, (await admin.ResumeAssetAsync(symbol)).Value.Status);
        Assert.Equal(AssetStatus.Active, (await partner.Assets.GetAsync(symbol)).Value.Status);

        var onboarded = (await admin.OnboardPartnerAsync(new Admin.PartnerOnboarding("partner-enum", "Enum Ltd", "US", Tier: "institutional"))).Value;
        Assert.Equal((PartnerTier.Institutional, KycStatus.Pending), (onboarded.Tier, onboarded.Kyc));
        Assert.Equal(KycStatus.Rejected, (await admin.SetKycAsync("partner-enum", "rejected")).Value.Kyc);
    }

    [Fact]
    public async Task Corporate_action_and_lifecycle_clients_answer_with_status_and_headers_from_a_real_silo()
    {
        var operatorKey = new SharemintClientOptions { KeyId = SiloFixture.AdminKeyId, Secret = fixture.AdminSecret };
        var actions = new CorporateActionsClient(fixture.Silo.CreateHttpClient(), operatorKey);
        var listed = await actions.ListAsync("TSLAx");
        Assert.Equal(200, listed.Status);
        Assert.NotNull(listed.RequestId);
        Assert.Empty(listed.Value);
        // The history is public: a client without a key reads it.
        var history = await new CorporateActionsClient(fixture.Silo.CreateHttpClient(), new SharemintClientOptions()).HistoryAsync("TSLAx");
        Assert.Equal(200, history.Status);
        Assert.Empty(history.Value);
        var missing = await Assert.ThrowsAsync<SharemintApiException>(() => actions.GetAsync("TSLAx", "no-such-action"));
        Assert.Equal("corporate_action_not_found", missing.Code);

        var lifecycle = new AssetLifecycleClient(new ApiTransport(fixture.Silo.CreateHttpClient(), operatorKey));
        var added = await lifecycle.ListAsync(new NewAsset("ENMx", "ENM", "ENM xStock", "US1234567899", "stock", 12.5m));
        Assert.Equal(201, added.Status);
        Assert.Equal(("ENMx", AssetStatus.Active), (added.Value.Symbol, added.Value.Status));
        var until = DateTimeOffset.UtcNow.AddDays(30);
        var delisting = await lifecycle.DelistAsync("ENMx", until);
        Assert.Equal(200, delisting.Status);
        Assert.Equal(AssetStatus.Delisting, delisting.Value.Status);
        Assert.True(delisting.Value.Status.StopsMints);
        var refused = await Assert.ThrowsAsync<SharemintApiException>(() => lifecycle.DelistAsync("ENMx", until.AddDays(1)));
        Assert.Equal("asset_delisting", refused.Code);

        var watchers = await fixture.Admin().ListDepositWatchersAsync();
        Assert.Equal(200, watchers.Status);
        var deployments = 0;
        using var publicHttp = fixture.Silo.CreateHttpClient();
        var reader = new SharemintClient(publicHttp);
        await foreach (var asset in fixture.Admin().GetAssetsAsync())
        {
            deployments += (await reader.Assets.GetDeploymentsAsync(asset.Symbol)).Value.Count;
        }
        Assert.Equal(deployments, watchers.Value.Count);
    }

    [Fact]
    public async Task Partner_code_using_the_operator_clients_can_be_tested_with_mocks()
    {
        var scripted = new ScriptedActions();
        var stages = new List<CorporateActionStage>();
        // What an operator tool would do: poll until the action completes.
        while (true)
        {
            var action = (await scripted.GetAsync("TSLAx", "split-1")).Value;
            stages.Add(action.Stage);
            if (action.Stage == CorporateActionStage.Completed)
            {
                break;
            }
        }
        Assert.Equal([CorporateActionStage.Declared, CorporateActionStage.Scheduled, CorporateActionStage.Completed], stages);

        var watchers = await new ScriptedAdmin().ListDepositWatchersAsync();
        Assert.Equal(("TSLAx", 3), (watchers.Value.Single().Symbol, watchers.Value.Single().Held));
        var asset = await new ScriptedLifecycle().DelistAsync("TSLAx", DateTimeOffset.UnixEpoch);
        Assert.Equal(AssetStatus.Delisted, asset.Value.Status);
    }

    private static readonly Dictionary<string, IReadOnlyList<string>> NoHeaders = [];

    private sealed class ScriptedActions : CorporateActionsClient
    {
        private readonly Queue<CorporateActionStage> _stages = new([CorporateActionStage.Declared, CorporateActionStage.Scheduled, CorporateActionStage.Completed]);

        public override Task<Response<CorporateAction>> GetAsync(string symbol, string actionId, CancellationToken cancellationToken = default) =>
            Task.FromResult(new Response<CorporateAction>(new CorporateAction(symbol, actionId, "split", DateTimeOffset.UnixEpoch, null, null, 2, 1, "1", "2",
                DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, _stages.Dequeue(), [], [], "0", DateTimeOffset.UnixEpoch, null, null), 200, NoHeaders));
    }

    private sealed class ScriptedAdmin : Admin.SharemintAdminClient
    {
        public override Task<Response<IReadOnlyList<Admin.DepositWatcher>>> ListDepositWatchersAsync(CancellationToken ct = default) =>
            Task.FromResult(new Response<IReadOnlyList<Admin.DepositWatcher>>([new Admin.DepositWatcher("TSLAx", "ethereum", true, "12", 5, 3, 0)], 200, NoHeaders));
    }

    private sealed class ScriptedLifecycle : AssetLifecycleClient
    {
        public override Task<Response<Asset>> DelistAsync(string symbol, DateTimeOffset redeemUntil, CancellationToken cancellationToken = default) =>
            Task.FromResult(new Response<Asset>(new Asset(symbol, "TSLA", "Tesla", "US88160R1014", "stock", AssetStatus.Delisted, 1m, 0m, 0m, "0", 0, redeemUntil),
                200, NoHeaders));
    }
}
