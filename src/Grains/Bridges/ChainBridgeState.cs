using Sharemint.Ledger;
using Sharemint.Units;

namespace Sharemint.Bridges;

/// <summary>The stored ledger of one deployment.</summary>
[GenerateSerializer, Alias("sharemint.ChainBridgeState")]
public sealed class ChainBridgeState : IRecordsOperations
{
    [Id(0)] public DeploymentConfig? Config { get; set; }
    [Id(1)] public bool Paused { get; set; }
    [Id(2)] public CanonicalAmount Supply { get; set; }
    [Id(3)] public CanonicalAmount Minted { get; set; }
    [Id(4)] public CanonicalAmount Burned { get; set; }
    [Id(5)] public AppliedOperations Applied { get; set; } = new();
}
