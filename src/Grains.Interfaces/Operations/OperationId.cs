using System.Buffers;
using Sharemint.Errors;

namespace Sharemint.Operations;

/// <summary>
/// Identifies one effect on the ledger. A grain applies an operation id at most once and records it in the same
/// state write as the effect; a repeat with the same arguments returns the recorded outcome, a repeat with different
/// arguments is refused with <see cref="LedgerError.IdempotencyConflict"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("sharemint.OperationId")]
public readonly record struct OperationId
{
    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_:./");

    /// <summary>The id's text: 1–128 characters of letters, digits and <c>- _ : . /</c>.</summary>
    [Id(0)]
    public string Value { get; init; }

    private OperationId(string value) => Value = value;

    /// <summary>Validates and wraps an id.</summary>
    /// <exception cref="LedgerException"><see cref="LedgerError.InvalidArgument"/> for an empty, long or oddly spelled id.</exception>
    public static OperationId From(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 128 || value.AsSpan().ContainsAnyExcept(Allowed))
        {
            throw new LedgerException(LedgerError.InvalidArgument,
                "Operation id must be 1-128 characters of letters, digits and - _ : . /");
        }
        return new OperationId(value);
    }

    /// <summary>A fresh random id with a readable prefix.</summary>
    public static OperationId New(string prefix) => From($"{prefix}-{Guid.NewGuid():N}");

    /// <summary>The id of a sub-step of this operation, e.g. <c>order-1/settle</c>.</summary>
    public OperationId Step(string step) => From($"{Value}/{step}");

    /// <inheritdoc />
    public override string ToString() => Value;
}
