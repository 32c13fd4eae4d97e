using System.Net;
using Sharemint.Client;
using Sharemint.Client.Assets;
using Sharemint.Fixtures;

namespace Sharemint.Client.Tests;

/// <summary>One real silo process for the class, on its own PostgreSQL.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    private PostgresServer? _postgres;

    public SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        Silo = await SiloProcess.StartAsync(await _postgres.CreateMigratedDatabaseAsync("sdk"));
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}

/// <summary>The SDK against a real silo over loopback.</summary>
public sealed class AssetsClientTests(SiloFixture fixture) : IClassFixture<SiloFixture>
{
    [Fact]
    public async Task Lists_and_reads_assets()
    {
        using var http = fixture.Silo.CreateHttpClient();
        var client = new SharemintClient(http);

        var assets = await client.Assets.ListAsync();
        Assert.Equal(10, assets.Count);
        var tesla = await client.Assets.GetAsync("TSLAx");
        Assert.Equal("TSLA", tesla.UnderlyingTicker);
        Assert.Equal("US88160R1014", tesla.Isin);
        Assert.Equal(1m, tesla.Multiplier);
        Assert.Equal(0, tesla.IssuedUnits);
    }

    [Fact]
    public async Task Unknown_asset_is_a_typed_error_with_the_api_code()
    {
        using var http = fixture.Silo.CreateHttpClient();
        var error = await Assert.ThrowsAsync<SharemintApiException>(() => new SharemintClient(http).Assets.GetAsync("NOPEx"));
        Assert.Equal("asset_not_found", error.Code);
        Assert.Equal(HttpStatusCode.NotFound, error.Status);
    }

    [Fact]
    public void Requires_a_base_address()
    {
        using var http = new HttpClient();
        Assert.Throws<ArgumentException>(() => new SharemintClient(http));
    }
}
