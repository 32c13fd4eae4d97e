using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace Sharemint.Chains.Solana;

/// <summary>A 32-byte Solana address (an Ed25519 public key or a program-derived address). Immutable, compares by value.</summary>
public readonly struct PublicKey : IEquatable<PublicKey>
{
    /// <summary>Length of an address in bytes.</summary>
    public const int Length = 32;

    private const int MaxSeeds = 16;
    private const int MaxSeedLength = 32;
    private static readonly byte[] PdaMarker = "ProgramDerivedAddress"u8.ToArray();

    private readonly byte[]? _bytes;

    /// <summary>Wraps 32 bytes (copied).</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidLength"/> unless exactly 32 bytes.</exception>
    public PublicKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new SolanaException(SolanaErrorKind.InvalidLength, $"a public key is 32 bytes, got {bytes.Length}");
        }
        _bytes = bytes.ToArray();
    }

    /// <summary>The all-zero key (also the System Program's id).</summary>
    public static PublicKey Default { get; } = new(new byte[Length]);

    /// <summary>The raw 32 bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes ?? new byte[Length];

    /// <summary>Parses a base58 address.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidEncoding"/> or <see cref="SolanaErrorKind.InvalidLength"/>.</exception>
    public static PublicKey Parse(string base58) => new(Base58.Decode(base58, Length));

    /// <summary>Parses without throwing.</summary>
    public static bool TryParse(string? base58, out PublicKey key)
    {
        key = default;
        if (base58 is null)
        {
            return false;
        }
        try
        {
            key = Parse(base58);
            return true;
        }
        catch (SolanaException)
        {
            return false;
        }
    }

    /// <summary>Longest seed of <see cref="CreateWithSeed"/> (and of each program-address seed), in bytes.</summary>
    public const int MaxSeedBytes = MaxSeedLength;

    /// <summary>The address SystemProgram's CreateAccountWithSeed derives: SHA-256(base ‖ seed ‖ owner).</summary>
    public static PublicKey CreateWithSeed(PublicKey baseKey, string seed, PublicKey owner)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var seedBytes = System.Text.Encoding.UTF8.GetBytes(seed);
        if (seedBytes.Length > MaxSeedLength)
        {
            throw new SolanaException(SolanaErrorKind.InvalidSeeds, $"a seed is at most {MaxSeedLength} bytes, got {seedBytes.Length}");
        }
        if (owner.Bytes.Length >= PdaMarker.Length && owner.Bytes[^PdaMarker.Length..].SequenceEqual(PdaMarker))
        {
            throw new SolanaException(SolanaErrorKind.InvalidSeeds, "an owner ending in the program-address marker is refused by the runtime");
        }
        return new PublicKey(System.Security.Cryptography.SHA256.HashData([.. baseKey.Bytes, .. seedBytes, .. owner.Bytes]));
    }

    /// <summary>True when the bytes decode to a point on the Ed25519 curve (so a private key may exist for it).</summary>
    public bool IsOnCurve() => IsOnCurve(Bytes);

    /// <summary>True when <paramref name="bytes"/> decode to a point on the Ed25519 curve.</summary>
    public static bool IsOnCurve(ReadOnlySpan<byte> bytes) =>
        bytes.Length == Length && Ed25519.ValidatePublicKeyPartial(bytes.ToArray(), 0);

    /// <summary>Derives a program address from seeds and a bump already included in <paramref name="seeds"/>.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.AddressOnCurve"/> when the result lies on the curve; <see cref="SolanaErrorKind.InvalidSeeds"/> for too many or too long seeds.</exception>
    public static PublicKey CreateProgramAddress(IReadOnlyList<byte[]> seeds, PublicKey programId) =>
        TryCreateProgramAddress(seeds, programId, out var address)
            ? address
            : throw new SolanaException(SolanaErrorKind.AddressOnCurve, "derived address lies on the Ed25519 curve");

    /// <summary>
    /// Derives a program address as <see cref="CreateProgramAddress"/> does, answering false (not throwing) when it lies
    /// on the curve: about half of all bumps do, and <see cref="FindProgramAddress"/> steps over them on every derivation.
    /// </summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidSeeds"/> for too many or too long seeds.</exception>
    public static bool TryCreateProgramAddress(IReadOnlyList<byte[]> seeds, PublicKey programId, out PublicKey address)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count > MaxSeeds)
        {
            throw new SolanaException(SolanaErrorKind.InvalidSeeds, $"at most {MaxSeeds} seeds, got {seeds.Count}");
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var seed in seeds)
        {
            if (seed.Length > MaxSeedLength)
            {
                throw new SolanaException(SolanaErrorKind.InvalidSeeds, $"a seed is at most {MaxSeedLength} bytes, got {seed.Length}");
            }
            sha.AppendData(seed);
        }
        sha.AppendData(programId.Bytes);
        sha.AppendData(PdaMarker);
        var hash = sha.GetHashAndReset();
        address = IsOnCurve(hash) ? default : new PublicKey(hash);
        return address._bytes is not null;
    }

    /// <summary>Finds the canonical program address: the highest bump (255 down to 0) whose address is off the curve.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.AddressOnCurve"/> if no bump works; <see cref="SolanaErrorKind.InvalidSeeds"/>.</exception>
    public static (PublicKey Address, byte Bump) FindProgramAddress(IReadOnlyList<byte[]> seeds, PublicKey programId)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count >= MaxSeeds)
        {
            throw new SolanaException(SolanaErrorKind.InvalidSeeds, $"at most {MaxSeeds - 1} seeds plus the bump, got {seeds.Count}");
        }
        var withBump = new List<byte[]>(seeds) { new byte[1] };
        for (var bump = 255; bump >= 0; bump--)
        {
            // A bump whose address lands on the curve is stepped over, as the runtime does.
            withBump[^1][0] = (byte)bump;
            if (TryCreateProgramAddress(withBump, programId, out var address))
            {
                return (address, (byte)bump);
            }
        }
        throw new SolanaException(SolanaErrorKind.AddressOnCurve, "no bump yields an off-curve program address");
    }

    /// <summary>Checks that an address is a valid program-derived address (off the curve).</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.AddressOnCurve"/> when it lies on the curve.</exception>
    public PublicKey RequireOffCurve()
    {
        if (IsOnCurve())
        {
            throw new SolanaException(SolanaErrorKind.AddressOnCurve, $"{this} lies on the Ed25519 curve; a program-derived address is required");
        }
        return this;
    }

    /// <inheritdoc/>
    public bool Equals(PublicKey other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PublicKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => BitConverter.ToInt32(Bytes[..4]) ^ BitConverter.ToInt32(Bytes[28..]);

    /// <summary>The base58 address.</summary>
    public override string ToString() => Base58.Encode(Bytes);

    /// <summary>Value equality.</summary>
    public static bool operator ==(PublicKey left, PublicKey right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(PublicKey left, PublicKey right) => !left.Equals(right);
}
