namespace Sharemint.Chains.Evm;

/// <summary>A 32-byte value: transaction and block hashes, log topics, operation ids (bytes32).</summary>
public readonly struct Hash32 : IEquatable<Hash32>
{
    private readonly byte[]? _bytes;

    public Hash32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 32) throw new EvmException(EvmErrorCode.InvalidArgument, $"a 32-byte hash needs 32 bytes, got {bytes.Length}");
        _bytes = bytes.ToArray();
    }

    public static readonly Hash32 Zero = new(new byte[32]);

    public ReadOnlySpan<byte> Span => _bytes ?? new byte[32];
    public byte[] ToArray() => Span.ToArray();
    public bool IsZero => Span.IndexOfAnyExcept((byte)0) < 0;

    /// <summary>Parses exactly 64 hex digits (0x optional); throws InvalidHex or InvalidArgument.</summary>
    public static Hash32 Parse(string hex) => new(EvmHex.Decode(hex));

    /// <summary>A deterministic operation id for an arbitrary key: Keccak-256 of its UTF-8 bytes.</summary>
    public static Hash32 FromKey(string key) => new(Keccak256.Hash(key));

    public bool Equals(Hash32 other) => Span.SequenceEqual(other.Span);
    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);
    public override int GetHashCode() => BitConverter.ToInt32(Span[..4]);
    public static bool operator ==(Hash32 a, Hash32 b) => a.Equals(b);
    public static bool operator !=(Hash32 a, Hash32 b) => !a.Equals(b);
    public override string ToString() => EvmHex.Encode(Span);
}
