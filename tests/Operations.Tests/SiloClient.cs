using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Sharemint.Operations.Tests;

/// <summary>An Orleans client that finds the silos' gateways through the PostgreSQL membership table, as a real client would.</summary>
public sealed class SiloClient : IAsyncDisposable
{
    private readonly IHost _host;

    private SiloClient(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<SiloClient> ConnectAsync(string connectionString, string clusterId)
    {
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                client.UseAdoNetClustering(options =>
                {
                    options.Invariant = "Npgsql";
                    options.ConnectionString = connectionString;
                });
                client.Configure<ClusterOptions>(cluster =>
                {
                    cluster.ServiceId = "sharemint";
                    cluster.ClusterId = clusterId;
                });
                // Refresh the gateway list quickly so a dead silo's gateway is dropped and a new one found during the test.
                client.Configure<GatewayOptions>(gateways => gateways.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2));
            })
            .Build();
        await host.StartAsync();
        return new SiloClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(cts.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
