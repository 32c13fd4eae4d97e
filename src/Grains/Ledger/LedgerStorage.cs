namespace Sharemint.Ledger;

/// <summary>Names of the grain storage providers the grains expect the silo to configure.</summary>
public static class LedgerStorage
{
    /// <summary>PostgreSQL storage for every grain that holds money.</summary>
    public const string Name = "ledger";
}
