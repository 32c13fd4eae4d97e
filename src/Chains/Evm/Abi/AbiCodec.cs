using System.Collections;
using System.Numerics;
using System.Text;

namespace Sharemint.Chains.Evm;

/// <summary>
/// Solidity ABI encoding and decoding of argument lists. Values: uintN ⇄ <see cref="UInt256"/> (encoding also takes
/// ulong, long, int and BigInteger, range-checked against N bits), address ⇄ <see cref="EvmAddress"/>, bool, bytes32 ⇄
/// <see cref="Hash32"/> (other bytesN ⇄ byte[]), bytes ⇄ byte[], string, T[] ⇄ IReadOnlyList&lt;object&gt;.
/// A value that does not fit its type throws InvalidAbi or Overflow; nothing is truncated.
/// </summary>
public static class AbiCodec
{
    public static byte[] Encode(IReadOnlyList<AbiType> types, IReadOnlyList<object> values)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        if (types.Count != values.Count) throw new EvmException(EvmErrorCode.InvalidAbi, $"{types.Count} types but {values.Count} values");
        var heads = new List<byte[]>(types.Count);
        var tails = new List<byte[]>();
        var headSize = types.Count * 32;
        var tailOffset = headSize;
        for (var i = 0; i < types.Count; i++)
        {
            if (types[i].IsDynamic)
            {
                var tail = EncodeDynamic(types[i], values[i]);
                heads.Add(new UInt256((ulong)tailOffset).ToBigEndian32());
                tails.Add(tail);
                tailOffset += tail.Length;
            }
            else
            {
                heads.Add(EncodeStatic(types[i], values[i]));
            }
        }
        var output = new byte[tailOffset];
        var position = 0;
        foreach (var part in heads.Concat(tails))
        {
            part.CopyTo(output, position);
            position += part.Length;
        }
        return output;
    }

    private static byte[] EncodeStatic(AbiType type, object value)
    {
        switch (type.Kind)
        {
            case AbiKind.UInt:
                var number = ToUInt(value, type);
                if (type.Size < 256 && number.Value >= BigInteger.One << type.Size)
                    throw new EvmException(EvmErrorCode.Overflow, $"{number} does not fit {type}");
                return number.ToBigEndian32();
            case AbiKind.Address:
                var address = value is EvmAddress a ? a : value is string s ? EvmAddress.Parse(s) : throw Mismatch(type, value);
                var word = new byte[32];
                address.Span.CopyTo(word.AsSpan(12));
                return word;
            case AbiKind.Bool:
                var b = value is bool flag ? flag : throw Mismatch(type, value);
                var boolWord = new byte[32];
                boolWord[31] = b ? (byte)1 : (byte)0;
                return boolWord;
            case AbiKind.FixedBytes:
                var bytes = value switch
                {
                    Hash32 h => h.ToArray(),
                    byte[] raw => raw,
                    _ => throw Mismatch(type, value),
                };
                if (bytes.Length != type.Size) throw new EvmException(EvmErrorCode.InvalidAbi, $"{type} needs {type.Size} bytes, got {bytes.Length}");
                var fixedWord = new byte[32];
                bytes.CopyTo(fixedWord, 0);
                return fixedWord;
            default:
                throw new EvmException(EvmErrorCode.InvalidAbi, $"{type} is not a static type");
        }
    }

    private static byte[] EncodeDynamic(AbiType type, object value)
    {
        switch (type.Kind)
        {
            case AbiKind.Bytes:
                return EncodeByteString(value as byte[] ?? throw Mismatch(type, value));
            case AbiKind.String:
                return EncodeByteString(Encoding.UTF8.GetBytes(value as string ?? throw Mismatch(type, value)));
            case AbiKind.Array:
                if (value is string or byte[] || value is not IEnumerable items) throw Mismatch(type, value);
                var list = items.Cast<object>().ToList();
                var element = type.Element!;
                var body = Encode(Enumerable.Repeat(element, list.Count).ToList(), list);
                return [.. new UInt256((ulong)list.Count).ToBigEndian32(), .. body];
            default:
                throw new EvmException(EvmErrorCode.InvalidAbi, $"{type} is not a dynamic type");
        }
    }

    private static byte[] EncodeByteString(byte[] bytes)
    {
        var padded = (bytes.Length + 31) / 32 * 32;
        var output = new byte[32 + padded];
        new UInt256((ulong)bytes.Length).ToBigEndian32().CopyTo(output, 0);
        bytes.CopyTo(output, 32);
        return output;
    }

    private static UInt256 ToUInt(object value, AbiType type) => value switch
    {
        UInt256 u => u,
        ulong ul => new UInt256(ul),
        uint ui => new UInt256(ui),
        long l => new UInt256(new BigInteger(l)),
        int i => new UInt256(new BigInteger(i)),
        BigInteger bi => new UInt256(bi),
        _ => throw Mismatch(type, value),
    };

    private static EvmException Mismatch(AbiType type, object? value) =>
        new(EvmErrorCode.InvalidAbi, $"a {value?.GetType().Name ?? "null"} cannot be encoded as {type}");

    /// <summary>Decodes values of <paramref name="types"/> from <paramref name="data"/>; throws InvalidAbi on short or malformed data.</summary>
    public static IReadOnlyList<object> Decode(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(types);
        var values = new object[types.Count];
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            if (type.IsDynamic)
            {
                var offset = ReadLength(data, i * 32);
                values[i] = DecodeDynamic(type, data, offset);
            }
            else
            {
                values[i] = DecodeStatic(type, Word(data, i * 32));
            }
        }
        return values;
    }

    private static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> data, int offset)
    {
        if (offset < 0 || offset + 32 > data.Length) throw new EvmException(EvmErrorCode.InvalidAbi, $"ABI data too short: need a word at {offset}, have {data.Length} bytes");
        return data.Slice(offset, 32);
    }

    private static int ReadLength(ReadOnlySpan<byte> data, int offset)
    {
        var value = UInt256.FromBigEndian(Word(data, offset));
        if (value.Value > int.MaxValue) throw new EvmException(EvmErrorCode.InvalidAbi, "ABI offset or length out of range");
        return (int)value.ToUInt64();
    }

    private static object DecodeStatic(AbiType type, ReadOnlySpan<byte> word)
    {
        switch (type.Kind)
        {
            case AbiKind.UInt:
                var value = UInt256.FromBigEndian(word);
                if (type.Size < 256 && value.Value >= BigInteger.One << type.Size)
                    throw new EvmException(EvmErrorCode.InvalidAbi, $"value does not fit {type}");
                return value;
            case AbiKind.Address:
                if (word[..12].IndexOfAnyExcept((byte)0) >= 0) throw new EvmException(EvmErrorCode.InvalidAbi, "address word has dirty high bytes");
                return new EvmAddress(word[12..]);
            case AbiKind.Bool:
                if (word[..31].IndexOfAnyExcept((byte)0) >= 0 || word[31] > 1) throw new EvmException(EvmErrorCode.InvalidAbi, "bool word is neither 0 nor 1");
                return word[31] == 1;
            case AbiKind.FixedBytes:
                return type.Size == 32 ? new Hash32(word) : word[..type.Size].ToArray();
            default:
                throw new EvmException(EvmErrorCode.InvalidAbi, $"{type} is not a static type");
        }
    }

    private static object DecodeDynamic(AbiType type, ReadOnlySpan<byte> data, int offset)
    {
        var length = ReadLength(data, offset);
        var start = offset + 32;
        switch (type.Kind)
        {
            case AbiKind.Bytes:
            case AbiKind.String:
                if (start + length > data.Length) throw new EvmException(EvmErrorCode.InvalidAbi, "ABI byte string runs past the data");
                var bytes = data.Slice(start, length);
                return type.Kind == AbiKind.Bytes ? bytes.ToArray() : Encoding.UTF8.GetString(bytes);
            case AbiKind.Array:
                if (length > (data.Length - start) / 32) throw new EvmException(EvmErrorCode.InvalidAbi, "ABI array longer than the data");
                return Decode(Enumerable.Repeat(type.Element!, length).ToList(), data[start..]);
            default:
                throw new EvmException(EvmErrorCode.InvalidAbi, $"{type} is not a dynamic type");
        }
    }
}
