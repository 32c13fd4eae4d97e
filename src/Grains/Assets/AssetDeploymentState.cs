namespace Sharemint.Assets;

/// <summary>The stored deployment job of one asset: chains asked for, in order, and the token each got.</summary>
[GenerateSerializer, Alias("sharemint.AssetDeploymentState")]
public sealed class AssetDeploymentState
{
    [Id(0)] public List<string> Chains { get; set; } = [];
    [Id(1)] public Dictionary<string, string> Tokens { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public Dictionary<string, string> Problems { get; set; } = new(StringComparer.Ordinal);
}
