using Sharemint.Operations;

namespace Sharemint.Compliance;

/// <summary>A sanctioned address and why.</summary>
[GenerateSerializer, Immutable, Alias("sharemint.SanctionedAddress")]
public sealed record SanctionedAddress(
    [property: Id(0)] string Chain,
    [property: Id(1)] string Address,
    [property: Id(2)] string Reason,
    [property: Id(3)] DateTimeOffset ListedAt);

/// <summary>
/// The platform's sanctions list (key <c>0</c>). Addresses are compared in canonical form (EVM lower-case hex,
/// Solana base58 as given); an EVM address listed on one EVM chain is listed on all of them. Accounts consult it when allow-listing and before every mint.
/// </summary>
[Alias("sharemint.ISanctionsListGrain")]
public interface ISanctionsListGrain : IGrainWithIntegerKey
{
    /// <summary>Lists an address. Idempotent per operation id; listing an already listed address changes nothing.</summary>
    [Alias("Add")]
    Task AddAsync(OperationId operationId, string chain, string address, string reason);

    /// <summary>De-lists an address (no-op if absent).</summary>
    [Alias("Remove")]
    Task RemoveAsync(OperationId operationId, string chain, string address);

    /// <summary>Whether the address is listed.</summary>
    [Alias("IsSanctioned"), ReadOnly]
    Task<bool> IsSanctionedAsync(string chain, string address);

    /// <summary>Every listed address.</summary>
    [Alias("List"), ReadOnly]
    Task<IReadOnlyList<SanctionedAddress>> ListAsync();
}
