namespace Sharemint.Signers;

/// <summary>What a chain signer keeps in its grain state: the tokens it deployed (writes live in the write-ahead log tables).</summary>
[GenerateSerializer, Alias("sharemint.ChainSignerState")]
public sealed class ChainSignerState
{
    /// <summary>Deployments by asset symbol.</summary>
    [Id(0)] public Dictionary<string, DeployedToken> Deployments { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One token this signer deployed: address, decimals, and the height it was created at (where deposit scans start).</summary>
[GenerateSerializer, Alias("sharemint.DeployedToken")]
public sealed record DeployedToken(
    [property: Id(0)] string TokenAddress,
    [property: Id(1)] int Decimals,
    [property: Id(2)] ulong Height);
