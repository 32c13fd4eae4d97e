using Sharemint.Accounts;
using Sharemint.Assets;
using Sharemint.Catalog;
using Sharemint.Operations;

namespace Sharemint.Silo.Demo;

/// <summary>
/// The development catalogue: US stocks and ETFs with their real underlying securities (read from <c>catalogue.json</c>
/// next to the silo's assembly), their paper prices, and one partner.
/// </summary>
public static class DemoCatalogue
{
    /// <summary>The data file, copied to Demo/ in the output directory.</summary>
    public const string FileName = "catalogue.json";

    private static readonly Lazy<CatalogueFile> File = new(() => CatalogueFile.Load(Path.Combine(AppContext.BaseDirectory, "Demo", FileName)));

    public static IReadOnlyList<AssetDefinition> Assets => File.Value.Assets;

    /// <summary>Paper price per underlying ticker (USD per share), seeded into the market data when none is configured.</summary>
    public static IReadOnlyDictionary<string, decimal> PaperPrices => File.Value.PaperPrices;

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
