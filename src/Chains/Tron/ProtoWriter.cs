namespace Sharemint.Chains.Tron;

/// <summary>
/// The few protobuf (proto3) encodings a Tron transaction needs, written in field-number order with default values
/// omitted, as the reference encoders do: byte-for-byte what java-tron and TronWeb produce, so txIDs agree.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly List<byte> _bytes = [];

    public byte[] ToArray() => [.. _bytes];

    public ProtoWriter Varint(int field, long value)
    {
        if (value == 0) return this;
        Tag(field, 0);
        WriteVarint(unchecked((ulong)value));
        return this;
    }

    public ProtoWriter Bool(int field, bool value) => Varint(field, value ? 1 : 0);

    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty) return this;
        Tag(field, 2);
        WriteVarint((ulong)value.Length);
        foreach (var b in value) _bytes.Add(b);
        return this;
    }

    public ProtoWriter String(int field, string? value) => string.IsNullOrEmpty(value) ? this : Bytes(field, System.Text.Encoding.UTF8.GetBytes(value));

    /// <summary>An embedded message; written even when empty, as protobuf writes a set sub-message.</summary>
    public ProtoWriter Message(int field, byte[] message)
    {
        Tag(field, 2);
        WriteVarint((ulong)message.Length);
        _bytes.AddRange(message);
        return this;
    }

    private void Tag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.Add((byte)value);
    }
}
