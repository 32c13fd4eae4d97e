using Sharemint.Bridges;
using Sharemint.Faults;
using Sharemint.Market;
using Sharemint.Orders;
using Sharemint.Quotes;
using Sharemint.Reserves;
using Sharemint.Signers;
using Sharemint.Silo.Deployments;
using Sharemint.Silo.Orders;

namespace Sharemint.Silo.Hosting;

/// <summary>What the money flows need in a silo: chains, market and broker, options, the order index.</summary>
public static class FlowConfiguration
{
    /// <summary>
    /// Registers the chain signers (<c>Sharemint:Chains</c>), the market data, calendar and paper broker
    /// (<c>Sharemint:Market</c>), the issuer's signing keys, the order index, and the flow options
    /// (<c>Sharemint:Bridges</c>, <c>Sharemint:Orders</c>, <c>Sharemint:Quotes</c>, <c>Sharemint:Reserves</c>).
    /// With <c>Sharemint:DeployTokens</c> on, every catalogue asset is deployed on every configured chain at start-up.
    /// </summary>
    public static ISiloBuilder AddSharemintFlows(this ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Services.Configure<BridgeOptions>(configuration.GetSection(BridgeOptions.Section));
        silo.Services.Configure<OrderOptions>(configuration.GetSection(OrderOptions.Section));
        silo.Services.Configure<QuoteOptions>(configuration.GetSection(QuoteOptions.Section));
        silo.Services.Configure<Sharemint.CorporateActions.CorporateActionOptions>(configuration.GetSection(Sharemint.CorporateActions.CorporateActionOptions.Section));
        silo.Services.Configure<ReservesOptions>(configuration.GetSection(ReservesOptions.Section));
        silo.Services.AddSharemintMarket(configuration);
        silo.Services.AddSingleton<IOrderIndex, PostgresOrderIndex>();
        silo.Services.AddSingleton<OrderSweepLease>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, OrderResumer>();
        silo.AddSharemintChains(configuration);
        silo.Services.Configure<FaultInjectionOptions>(configuration.GetSection(FaultInjectionOptions.Section));
        silo.Services.AddSingleton<FaultPlan>();
        if (configuration.GetValue<bool>($"{FaultInjectionOptions.Section}:Enabled"))
        {
            // Test platforms only: lets a test lose replies and stop the process at every money boundary.
            silo.AddOutgoingGrainCallFilter<FaultInjectionCallFilter>();
        }
        // Always there, so the API can ask it whether a deployment is still on its way (empty without a start-up deployment).
        silo.Services.AddSingleton<CatalogueDeploymentProgress>();
        if (configuration.GetValue<bool>("Sharemint:DeployTokens"))
        {
            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, TokenDeployer>();
        }
        return silo;
    }
}
