using System.IO.Hashing;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Sharemint.Ledger;

/// <summary>
/// A Bloom filter over the keys a grain has archived: "not here" is certain, so a lookup for a new operation id (the
/// common case) needs no query; "maybe" asks the archive. Sized at about 16 bits per key (under 0.1% false positives);
/// once more keys than it was sized for are added it reports <see cref="Full"/> and the owner builds a larger one.
/// </summary>
internal sealed class ArchivedKeyFilter
{
    private const int Probes = 8;
    private readonly ulong[] _bits;
    private readonly ulong _mask;
    private readonly long _capacity;
    private long _count;

    public ArchivedKeyFilter(long expectedKeys)
    {
        _capacity = Math.Max(1024, expectedKeys * 2);
        var bits = (ulong)BitOperations.RoundUpToPowerOf2((ulong)(_capacity * 16));
        _bits = new ulong[bits / 64];
        _mask = bits - 1;
    }

    /// <summary>True when more keys were added than the filter was sized for (its false-positive rate climbs).</summary>
    public bool Full => _count > _capacity;

    public void Add(string key)
    {
        var (h1, h2) = Hash(key);
        for (var i = 0UL; i < Probes; i++)
        {
            var bit = (h1 + i * h2) & _mask;
            _bits[bit >> 6] |= 1UL << (int)(bit & 63);
        }
        _count++;
    }

    /// <summary>False only when <paramref name="key"/> was certainly never added.</summary>
    public bool MayContain(string key)
    {
        var (h1, h2) = Hash(key);
        for (var i = 0UL; i < Probes; i++)
        {
            var bit = (h1 + i * h2) & _mask;
            if ((_bits[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }
        return true;
    }

    private static (ulong, ulong) Hash(string key)
    {
        var bytes = MemoryMarshal.AsBytes(key.AsSpan());
        // Two independent hashes; the second is odd so the probes cycle through the whole (power-of-two) table.
        return (XxHash3.HashToUInt64(bytes, 0x5348_4152_454D_494E), XxHash3.HashToUInt64(bytes, 0x0F1E_2D3C_4B5A_6978) | 1);
    }
}
