using System.Globalization;

namespace Sharemint.Chains.Evm;

public enum AbiKind
{
    UInt,
    Address,
    Bool,
    FixedBytes,
    Bytes,
    String,
    Array,
}

/// <summary>
/// A Solidity ABI type: uintN, address, bool, bytesN, bytes, string and dynamic arrays of these.
/// Other types (signed integers, tuples, fixed-size arrays) are refused with InvalidAbi because our contracts do not use them.
/// </summary>
public sealed record AbiType(AbiKind Kind, int Size, AbiType? Element, string Name)
{
    public bool IsDynamic => Kind is AbiKind.Bytes or AbiKind.String or AbiKind.Array;

    public override string ToString() => Name;

    public static AbiType Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.EndsWith("[]", StringComparison.Ordinal)) return new AbiType(AbiKind.Array, 0, Parse(name[..^2]), name);
        switch (name)
        {
            case "address": return new AbiType(AbiKind.Address, 20, null, name);
            case "bool": return new AbiType(AbiKind.Bool, 1, null, name);
            case "bytes": return new AbiType(AbiKind.Bytes, 0, null, name);
            case "string": return new AbiType(AbiKind.String, 0, null, name);
            case "uint": return new AbiType(AbiKind.UInt, 256, null, "uint256");
        }
        if (name.StartsWith("uint", StringComparison.Ordinal) && int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var bits)
            && bits is > 0 and <= 256 && bits % 8 == 0)
        {
            return new AbiType(AbiKind.UInt, bits, null, name);
        }
        if (name.StartsWith("bytes", StringComparison.Ordinal) && int.TryParse(name.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            && size is > 0 and <= 32)
        {
            return new AbiType(AbiKind.FixedBytes, size, null, name);
        }
        throw new EvmException(EvmErrorCode.InvalidAbi, $"ABI type '{name}' is not supported");
    }
}
