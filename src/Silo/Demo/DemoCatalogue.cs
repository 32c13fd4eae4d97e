using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Catalog;
using Sharemint.Operations;

namespace Sharemint.Silo.Demo;

/// <summary>The development catalogue: ten xStocks with their real underlying securities, and one partner.</summary>
public static class DemoCatalogue
{
    public static IReadOnlyList<AssetDefinition> Assets { get; } =
    [
        new("AAPLx", "AAPL", "Apple xStock", "US0378331005", AssetKind.Stock),
        new("TSLAx", "TSLA", "Tesla xStock", "US88160R1014", AssetKind.Stock),
        new("NVDAx", "NVDA", "NVIDIA xStock", "US67066G1040", AssetKind.Stock),
        new("MSTRx", "MSTR", "Strategy xStock", "US5949724083", AssetKind.Stock),
        new("SPYx", "SPY", "SP500 xStock", "US78462F1030", AssetKind.Etf),
        new("QQQx", "QQQ", "Nasdaq xStock", "US46090E1038", AssetKind.Etf),
        new("GLDx", "GLD", "Gold xStock", "US78463V1070", AssetKind.Etf),
        new("COINx", "COIN", "Coinbase xStock", "US19260Q1076", AssetKind.Stock),
        new("HOODx", "HOOD", "Robinhood xStock", "US7707001027", AssetKind.Stock),
        new("METAx", "META", "Meta xStock", "US30303M1027", AssetKind.Stock),
    ];

    public const string PartnerId = "partner-demo";

    public static PartnerProfile Partner { get; } =
        new("Demo Exchange Ltd", "GB", PartnerTier.Standard, 0.005m, AccountLimits.Default);

    /// <summary>Registers the assets and the partner (KYC approved, 1,000,000 USD). Idempotent: fixed operation ids.</summary>
    public static async Task SeedAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(0);
        foreach (var asset in Assets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await catalog.RegisterAssetAsync(asset);
        }
        await catalog.RegisterAccountAsync(PartnerId, Partner);
        var partner = grains.GetGrain<IHolderAccountGrain>(PartnerId);
        await partner.SetKycStatusAsync(OperationId.From("demo-seed/kyc"), KycStatus.Approved);
        await partner.CreditCashAsync(OperationId.From("demo-seed/cash"), 1_000_000m);
    }
}

/// <summary>Seeds the demo catalogue once the silo is active.</summary>
public sealed class DemoSeeder(IGrainFactory grains, ILogger<DemoSeeder> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(DemoSeeder), ServiceLifecycleStage.Active, async ct =>
        {
            await DemoCatalogue.SeedAsync(grains, ct);
            logger.LogInformation("Demo catalogue seeded: {Count} assets, partner {Partner}", DemoCatalogue.Assets.Count, DemoCatalogue.PartnerId);
        });
}
