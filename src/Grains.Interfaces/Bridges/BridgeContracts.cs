using Sharemint.Units;

namespace Sharemint.Bridges;

/// <summary>Where an asset is deployed on one chain.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.DeploymentConfig")]
public sealed record DeploymentConfig(
    [property: Id(0)] string TokenAddress,
    [property: Id(1)] int Decimals);

/// <summary>One deployment's ledger: the supply the platform has minted minus burned on that chain.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.DeploymentSnapshot")]
public sealed record DeploymentSnapshot(
    [property: Id(0)] string Symbol,
    [property: Id(1)] string Chain,
    [property: Id(2)] DeploymentConfig Config,
    [property: Id(3)] bool Paused,
    [property: Id(4)] CanonicalAmount Supply,
    [property: Id(5)] CanonicalAmount Minted,
    [property: Id(6)] CanonicalAmount Burned,
    [property: Id(7)] long Version);

/// <summary>The key of a bridge grain: <c>{symbol}/{chain}</c>.</summary>
public static class DeploymentKey
{
    /// <summary>Builds the key, e.g. <c>TSLAx/solana</c>.</summary>
    public static string For(string symbol, string chain) => $"{symbol}/{chain}";

    /// <summary>Splits a key into symbol and chain.</summary>
    public static (string Symbol, string Chain) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash <= 0 || slash == key.Length - 1
            ? throw new ArgumentException($"'{key}' is not a deployment key of the form symbol/chain.", nameof(key))
            : (key[..slash], key[(slash + 1)..]);
    }
}
