using System.Buffers.Binary;
using System.Text;

namespace Sharemint.Chains.Solana;

/// <summary>Token-2022 extension type numbers (TLV tags after the account-type byte).</summary>
public enum ExtensionType : ushort
{
    /// <summary>Unused slot.</summary>
    Uninitialized = 0,
    /// <summary>Mint close authority.</summary>
    MintCloseAuthority = 3,
    /// <summary>Token account owner cannot change.</summary>
    ImmutableOwner = 7,
    /// <summary>Permanent delegate of a mint.</summary>
    PermanentDelegate = 12,
    /// <summary>Where a mint's metadata lives.</summary>
    MetadataPointer = 18,
    /// <summary>Token metadata stored in the mint (variable length).</summary>
    TokenMetadata = 19,
    /// <summary>Scaled UI amount configuration of a mint.</summary>
    ScaledUiAmountConfig = 25,
    /// <summary>Pause configuration of a mint.</summary>
    PausableConfig = 26,
    /// <summary>Marker on token accounts of a pausable mint.</summary>
    PausableAccount = 27,
}

/// <summary>The scaled-UI-amount configuration: UI amount = raw amount × multiplier (the new one from its effective time).</summary>
public sealed record ScaledUiAmountConfig(PublicKey? Authority, double Multiplier, long NewMultiplierEffectiveTimestamp, double NewMultiplier)
{
    /// <summary>The multiplier in force at <paramref name="unixTimestamp"/>.</summary>
    public double MultiplierAt(long unixTimestamp) => unixTimestamp >= NewMultiplierEffectiveTimestamp ? NewMultiplier : Multiplier;
}

/// <summary>The pausable configuration of a mint.</summary>
public sealed record PausableConfig(PublicKey? Authority, bool Paused);

/// <summary>The metadata pointer of a mint.</summary>
public sealed record MetadataPointer(PublicKey? Authority, PublicKey? MetadataAddress);

/// <summary>Token metadata stored in the mint.</summary>
public sealed record TokenMetadata(PublicKey? UpdateAuthority, PublicKey Mint, string Name, string Symbol, string Uri, IReadOnlyList<KeyValuePair<string, string>> AdditionalMetadata)
{
    /// <summary>Bytes this metadata takes inside its TLV entry.</summary>
    public int PackedLength =>
        32 + 32 + 4 + Encoding.UTF8.GetByteCount(Name) + 4 + Encoding.UTF8.GetByteCount(Symbol) + 4 + Encoding.UTF8.GetByteCount(Uri)
        + 4 + AdditionalMetadata.Sum(kv => 8 + Encoding.UTF8.GetByteCount(kv.Key) + Encoding.UTF8.GetByteCount(kv.Value));
}

/// <summary>A decoded SPL Token / Token-2022 mint with the extensions this client understands.</summary>
public sealed record MintState(
    PublicKey Program,
    PublicKey? MintAuthority,
    ulong Supply,
    byte Decimals,
    PublicKey? FreezeAuthority,
    IReadOnlyList<ExtensionType> Extensions,
    ScaledUiAmountConfig? ScaledUiAmount,
    PausableConfig? Pausable,
    MetadataPointer? MetadataPointer,
    TokenMetadata? Metadata,
    PublicKey? PermanentDelegate)
{
    /// <summary>Size of a mint without extensions.</summary>
    public const int BaseSize = 82;

    /// <summary>Decodes mint account data owned by <paramref name="program"/>.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidAccountData"/> when the data is not an initialized mint.</exception>
    public static MintState Decode(ReadOnlySpan<byte> data, PublicKey program)
    {
        if (program != ProgramIds.Token2022 && program != ProgramIds.Token)
        {
            throw new SolanaException(SolanaErrorKind.InvalidAccountData, $"account is owned by {program}, not a token program");
        }
        if (data.Length < BaseSize || data[45] != 1)
        {
            throw new SolanaException(SolanaErrorKind.InvalidAccountData, "not an initialized mint");
        }
        if (data.Length > BaseSize && (data.Length <= TokenLayout.AccountTypeOffset || data[TokenLayout.AccountTypeOffset] != TokenLayout.MintAccountType))
        {
            throw new SolanaException(SolanaErrorKind.InvalidAccountData, "account data is not a mint");
        }
        var tlv = data.Length > BaseSize ? TokenLayout.ReadExtensions(data) : [];
        ScaledUiAmountConfig? scaled = null;
        PausableConfig? pausable = null;
        MetadataPointer? pointer = null;
        TokenMetadata? metadata = null;
        PublicKey? permanentDelegate = null;
        foreach (var (type, offset, length) in tlv)
        {
            var v = data.Slice(offset, length);
            switch (type)
            {
                case ExtensionType.ScaledUiAmountConfig:
                    scaled = new ScaledUiAmountConfig(TokenLayout.OptionalKey(v[..32]), BinaryPrimitives.ReadDoubleLittleEndian(v[32..]),
                        BinaryPrimitives.ReadInt64LittleEndian(v[40..]), BinaryPrimitives.ReadDoubleLittleEndian(v[48..]));
                    break;
                case ExtensionType.PausableConfig:
                    pausable = new PausableConfig(TokenLayout.OptionalKey(v[..32]), v[32] != 0);
                    break;
                case ExtensionType.MetadataPointer:
                    pointer = new MetadataPointer(TokenLayout.OptionalKey(v[..32]), TokenLayout.OptionalKey(v[32..64]));
                    break;
                case ExtensionType.PermanentDelegate:
                    permanentDelegate = TokenLayout.OptionalKey(v[..32]);
                    break;
                case ExtensionType.TokenMetadata:
                    metadata = TokenLayout.ReadMetadata(v);
                    break;
                default:
                    break;
            }
        }
        return new MintState(program, TokenLayout.COptionKey(data[..36]), BinaryPrimitives.ReadUInt64LittleEndian(data[36..]), data[44],
            TokenLayout.COptionKey(data[46..82]), tlv.Select(t => t.Type).ToList(), scaled, pausable, pointer, metadata, permanentDelegate);
    }

    /// <summary>The multiplier in force at <paramref name="unixTimestamp"/> (1.0 without the extension).</summary>
    public double MultiplierAt(long unixTimestamp) => ScaledUiAmount?.MultiplierAt(unixTimestamp) ?? 1.0;

    /// <summary>Whether the mint is paused.</summary>
    public bool IsPaused => Pausable?.Paused ?? false;
}

/// <summary>State of a token account.</summary>
public enum TokenAccountStatus : byte
{
    /// <summary>Not initialized.</summary>
    Uninitialized = 0,
    /// <summary>Usable.</summary>
    Initialized = 1,
    /// <summary>Frozen by the freeze authority.</summary>
    Frozen = 2,
}

/// <summary>A decoded token account.</summary>
public sealed record TokenAccountState(
    PublicKey Program,
    PublicKey Mint,
    PublicKey Owner,
    ulong Amount,
    PublicKey? Delegate,
    TokenAccountStatus Status,
    ulong DelegatedAmount,
    PublicKey? CloseAuthority,
    IReadOnlyList<ExtensionType> Extensions)
{
    /// <summary>Size of a token account without extensions.</summary>
    public const int BaseSize = 165;

    /// <summary>Whether the account is frozen.</summary>
    public bool IsFrozen => Status == TokenAccountStatus.Frozen;

    /// <summary>Decodes token account data owned by <paramref name="program"/>.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidAccountData"/> when the data is not an initialized token account.</exception>
    public static TokenAccountState Decode(ReadOnlySpan<byte> data, PublicKey program)
    {
        if (program != ProgramIds.Token2022 && program != ProgramIds.Token)
        {
            throw new SolanaException(SolanaErrorKind.InvalidAccountData, $"account is owned by {program}, not a token program");
        }
        if (data.Length < BaseSize || (data.Length > BaseSize && data[TokenLayout.AccountTypeOffset] != TokenLayout.TokenAccountType) || data[108] == 0)
        {
            throw new SolanaException(SolanaErrorKind.InvalidAccountData, "not an initialized token account");
        }
        var tlv = data.Length > BaseSize ? TokenLayout.ReadExtensions(data) : [];
        return new TokenAccountState(program, new PublicKey(data[..32]), new PublicKey(data[32..64]), BinaryPrimitives.ReadUInt64LittleEndian(data[64..]),
            TokenLayout.COptionKey(data[72..108]), (TokenAccountStatus)data[108], BinaryPrimitives.ReadUInt64LittleEndian(data[121..]),
            TokenLayout.COptionKey(data[129..165]), tlv.Select(t => t.Type).ToList());
    }
}

/// <summary>Token-2022 account layout facts: the account-type byte, TLV extensions and sizes.</summary>
public static class TokenLayout
{
    /// <summary>Offset of the account-type byte in an extended mint or account.</summary>
    public const int AccountTypeOffset = 165;

    /// <summary>Account-type byte of a mint.</summary>
    public const byte MintAccountType = 1;

    /// <summary>Account-type byte of a token account.</summary>
    public const byte TokenAccountType = 2;

    /// <summary>Fixed value size of each fixed-length mint extension this client creates.</summary>
    public static int ExtensionSize(ExtensionType type) => type switch
    {
        ExtensionType.MintCloseAuthority => 32,
        ExtensionType.PermanentDelegate => 32,
        ExtensionType.MetadataPointer => 64,
        ExtensionType.ScaledUiAmountConfig => 56,
        ExtensionType.PausableConfig => 33,
        ExtensionType.ImmutableOwner or ExtensionType.PausableAccount => 0,
        _ => throw new SolanaException(SolanaErrorKind.InvalidAccountData, $"no fixed size for extension {type}"),
    };

    /// <summary>Account size of a mint with the given fixed-length extensions.</summary>
    public static int MintSize(IEnumerable<ExtensionType> extensions)
    {
        var list = extensions.ToList();
        return list.Count == 0 ? MintState.BaseSize : AccountTypeOffset + 1 + list.Sum(e => 4 + ExtensionSize(e));
    }

    /// <summary>The (type, value offset, value length) of every TLV entry after the account-type byte.</summary>
    public static List<(ExtensionType Type, int Offset, int Length)> ReadExtensions(ReadOnlySpan<byte> data)
    {
        var list = new List<(ExtensionType, int, int)>();
        var off = AccountTypeOffset + 1;
        while (off + 4 <= data.Length)
        {
            var type = BinaryPrimitives.ReadUInt16LittleEndian(data[off..]);
            var len = BinaryPrimitives.ReadUInt16LittleEndian(data[(off + 2)..]);
            if (type == 0)
            {
                break;
            }
            if (off + 4 + len > data.Length)
            {
                throw new SolanaException(SolanaErrorKind.InvalidAccountData, $"extension {type} runs past the account data");
            }
            list.Add(((ExtensionType)type, off + 4, len));
            off += 4 + len;
        }
        return list;
    }

    internal static PublicKey? OptionalKey(ReadOnlySpan<byte> v) => v.ContainsAnyExcept((byte)0) ? new PublicKey(v[..32]) : null;

    internal static PublicKey? COptionKey(ReadOnlySpan<byte> v) => BinaryPrimitives.ReadUInt32LittleEndian(v) == 1 ? new PublicKey(v[4..36]) : null;

    internal static TokenMetadata ReadMetadata(ReadOnlySpan<byte> v)
    {
        var off = 64;
        string Str(ReadOnlySpan<byte> d)
        {
            if (off + 4 > d.Length)
            {
                throw new SolanaException(SolanaErrorKind.InvalidAccountData, "truncated token metadata");
            }
            var len = (int)BinaryPrimitives.ReadUInt32LittleEndian(d[off..]);
            if (len < 0 || off + 4 + len > d.Length)
            {
                throw new SolanaException(SolanaErrorKind.InvalidAccountData, "truncated token metadata");
            }
            var s = Encoding.UTF8.GetString(d.Slice(off + 4, len));
            off += 4 + len;
            return s;
        }
        var name = Str(v);
        var symbol = Str(v);
        var uri = Str(v);
        var pairs = new List<KeyValuePair<string, string>>();
        if (off + 4 <= v.Length)
        {
            var count = BinaryPrimitives.ReadUInt32LittleEndian(v[off..]);
            off += 4;
            for (var i = 0; i < count; i++)
            {
                var k = Str(v);
                pairs.Add(new(k, Str(v)));
            }
        }
        return new TokenMetadata(OptionalKey(v[..32]), new PublicKey(v[32..64]), name, symbol, uri, pairs);
    }
}
