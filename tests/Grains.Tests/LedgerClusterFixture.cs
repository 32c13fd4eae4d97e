using Sharemint.Fixtures;

namespace Sharemint.Grains.Tests;

/// <summary>PostgreSQL plus one running ledger cluster, shared by the tests of a collection (each uses its own symbols and accounts).</summary>
public sealed class LedgerClusterFixture : IAsyncLifetime
{
    private PostgresServer? _postgres;

    public LedgerCluster Ledger { get; private set; } = null!;

    public IGrainFactory Grains => Ledger.Grains;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.CreateAsync();
        Ledger = await LedgerCluster.StartAsync(_postgres);
    }

    public async Task DisposeAsync()
    {
        await Ledger.DisposeAsync();
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class LedgerClusterCollection : ICollectionFixture<LedgerClusterFixture>
{
    public const string Name = "ledger-cluster";
}
