using Npgsql;
using Orleans.Dashboard;
using Sharemint.Schema;
using Sharemint.Silo.Api;
using Sharemint.Silo.Demo;
using Sharemint.Silo.Health;
using Sharemint.Silo.Hosting;
using Sharemint.Silo.ReservesPage;
using Sharemint.Silo.Recovery;
using Sharemint.Silo.Telemetry;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
var options = builder.Configuration.GetSection(SharemintOptions.Section).Get<SharemintOptions>() ?? new SharemintOptions();
var connectionString = SiloConfiguration.Pooled(builder.Configuration.GetConnectionString("Sharemint")
    ?? throw new InvalidOperationException("ConnectionStrings:Sharemint (env ConnectionStrings__Sharemint) is required."));

if (options.SeedDemo)
{
    // The catalogue's paper prices are defaults under every other source: a configured Sharemint:Market:Prices:{TICKER}
    // (environment, appsettings) wins.
    var paperPrices = DemoCatalogue.PaperPrices.ToDictionary(
        p => $"Sharemint:Market:Prices:{p.Key}", p => (string?)p.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource { InitialData = paperPrices });
}

if (options.MigrateOnStart)
{
    var report = await SchemaMigrator.MigrateAsync(connectionString);
    Console.WriteLine($"Schema: {report.Applied.Count} migration(s) applied, {report.AlreadyApplied.Count} already present.");
    foreach (var warning in report.Warnings)
    {
        Console.Error.WriteLine($"Schema warning: {warning}");
    }
}
// Refuse to serve on a schema this build does not know (its migrations missing, or a breaking newer one); newer additive
// migrations are fine, which is what lets an older build run again after a rollback.
Console.WriteLine($"Schema: {(await SchemaMigrator.EnsureServableAsync(connectionString)).Describe()}.");

// /metrics (partner cash balances among them) and /dashboard listen on the management port only.
ManagementPort.Bind(builder, options.ManagementPort);
builder.Services.AddSingleton(NpgsqlDataSource.Create(connectionString));
builder.Services.AddSharemintHealth();
builder.AddSharemintTelemetry();
builder.Services.AddProblemDetails();
builder.Services.AddSharemintApi(builder.Configuration);
// Give in-flight grain calls time to finish and the silo time to hand its grains over before the process exits.
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));

builder.UseOrleans(silo =>
{
    silo.AddSharemintClustering(connectionString, options);
    silo.AddSharemintStorage(connectionString);
    silo.AddSharemintFlows(builder.Configuration);
    if (options.Dashboard)
    {
        silo.AddDashboard(_ => { });
    }
    if (options.SeedDemo)
    {
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, DemoSeeder>();
    }
});

var app = builder.Build();
app.UseManagementPortSplit(options.ManagementPort);
app.UseExceptionHandler();
app.MapSharemintHealth();
app.MapSharemintApi();
app.MapReservesPage();
app.MapSharemintRecovery();
app.MapPrometheusScrapingEndpoint("/metrics");
if (options.Dashboard)
{
    app.MapOrleansDashboard("/dashboard");
}

await app.RunAsync();
