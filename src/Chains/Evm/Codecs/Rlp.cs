namespace Sharemint.Chains.Evm;

/// <summary>An RLP item: a byte string or a list of items.</summary>
public abstract class RlpItem
{
    private protected RlpItem() { }

    public static RlpItem String(ReadOnlySpan<byte> bytes) => new RlpString(bytes.ToArray());
    public static RlpItem List(params RlpItem[] items) => new RlpList(items);
    public static RlpItem List(IEnumerable<RlpItem> items) => new RlpList(items.ToArray());

    /// <summary>An unsigned integer as RLP wants it: minimal big-endian bytes, zero as the empty string.</summary>
    public static RlpItem Integer(UInt256 value) => new RlpString(value.ToMinimalBigEndian());
    public static RlpItem Integer(ulong value) => Integer(new UInt256(value));
}

public sealed class RlpString : RlpItem
{
    internal RlpString(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }

    /// <summary>Reads the string as a canonical unsigned integer (no leading zero bytes); throws InvalidRlp otherwise.</summary>
    public UInt256 AsInteger()
    {
        if (Bytes.Length > 0 && Bytes[0] == 0) throw new EvmException(EvmErrorCode.InvalidRlp, "RLP integer has a leading zero byte");
        return UInt256.FromBigEndian(Bytes);
    }
}

public sealed class RlpList : RlpItem
{
    internal RlpList(IReadOnlyList<RlpItem> items) => Items = items;

    public IReadOnlyList<RlpItem> Items { get; }
}

/// <summary>Recursive Length Prefix encoding (Ethereum yellow paper, appendix B). Decoding is strict: only canonical input.</summary>
public static class Rlp
{
    public static byte[] Encode(RlpItem item)
    {
        var buffer = new List<byte>(64);
        Write(item, buffer);
        return [.. buffer];
    }

    private static void Write(RlpItem item, List<byte> output)
    {
        switch (item)
        {
            case RlpString s:
                if (s.Bytes.Length == 1 && s.Bytes[0] < 0x80)
                {
                    output.Add(s.Bytes[0]);
                }
                else
                {
                    WriteLength(s.Bytes.Length, 0x80, output);
                    output.AddRange(s.Bytes);
                }
                break;
            case RlpList l:
                var payload = new List<byte>();
                foreach (var child in l.Items) Write(child, payload);
                WriteLength(payload.Count, 0xc0, output);
                output.AddRange(payload);
                break;
            default:
                throw new EvmException(EvmErrorCode.InvalidRlp, "unknown RLP item");
        }
    }

    private static void WriteLength(int length, byte offset, List<byte> output)
    {
        if (length < 56)
        {
            output.Add((byte)(offset + length));
            return;
        }
        var lengthBytes = new UInt256((ulong)length).ToMinimalBigEndian();
        output.Add((byte)(offset + 55 + lengthBytes.Length));
        output.AddRange(lengthBytes);
    }

    /// <summary>Decodes exactly one item that spans all of <paramref name="data"/>; throws InvalidRlp on trailing bytes or non-canonical forms.</summary>
    public static RlpItem Decode(ReadOnlySpan<byte> data)
    {
        var item = Read(data, out var consumed);
        if (consumed != data.Length) throw new EvmException(EvmErrorCode.InvalidRlp, $"{data.Length - consumed} trailing bytes after the RLP item");
        return item;
    }

    private static RlpItem Read(ReadOnlySpan<byte> data, out int consumed)
    {
        if (data.Length == 0) throw new EvmException(EvmErrorCode.InvalidRlp, "unexpected end of RLP input");
        var prefix = data[0];
        if (prefix < 0x80)
        {
            consumed = 1;
            return new RlpString([prefix]);
        }
        if (prefix < 0xc0)
        {
            var (offset, length) = ReadLength(data, 0x80);
            var bytes = data.Slice(offset, length).ToArray();
            if (length == 1 && bytes[0] < 0x80) throw new EvmException(EvmErrorCode.InvalidRlp, "single byte below 0x80 must encode as itself");
            consumed = offset + length;
            return new RlpString(bytes);
        }
        {
            var (offset, length) = ReadLength(data, 0xc0);
            var payload = data.Slice(offset, length);
            var items = new List<RlpItem>();
            while (payload.Length > 0)
            {
                items.Add(Read(payload, out var used));
                payload = payload[used..];
            }
            consumed = offset + length;
            return new RlpList(items);
        }
    }

    private static (int Offset, int Length) ReadLength(ReadOnlySpan<byte> data, byte baseOffset)
    {
        var shortLength = data[0] - baseOffset;
        int offset, length;
        if (shortLength <= 55)
        {
            offset = 1;
            length = shortLength;
        }
        else
        {
            var lengthOfLength = shortLength - 55;
            if (data.Length < 1 + lengthOfLength) throw new EvmException(EvmErrorCode.InvalidRlp, "truncated RLP length");
            var lengthBytes = data.Slice(1, lengthOfLength);
            if (lengthBytes[0] == 0) throw new EvmException(EvmErrorCode.InvalidRlp, "RLP length has a leading zero");
            if (lengthOfLength > 4) throw new EvmException(EvmErrorCode.InvalidRlp, "RLP length too large");
            ulong value = 0;
            foreach (var b in lengthBytes) value = (value << 8) | b;
            if (value < 56) throw new EvmException(EvmErrorCode.InvalidRlp, "RLP long form used for a short length");
            if (value > int.MaxValue) throw new EvmException(EvmErrorCode.InvalidRlp, "RLP length too large");
            offset = 1 + lengthOfLength;
            length = (int)value;
        }
        if (data.Length - offset < length) throw new EvmException(EvmErrorCode.InvalidRlp, "RLP item runs past the end of input");
        return (offset, length);
    }
}
