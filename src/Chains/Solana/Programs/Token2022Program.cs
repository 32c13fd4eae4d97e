using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Sharemint.Chains.Solana;

/// <summary>
/// SPL Token-2022 instruction builders (also valid for the original Token program where the
/// instruction exists there). Amounts are u64 base units; checked variants carry the decimals
/// so the program refuses a mismatch.
/// </summary>
public static class Token2022Program
{
    private const byte InitializeMint2 = 20;
    private const byte MintToCheckedTag = 14;
    private const byte BurnCheckedTag = 15;
    private const byte TransferCheckedTag = 12;
    private const byte FreezeAccountTag = 10;
    private const byte ThawAccountTag = 11;
    private const byte SetAuthorityTag = 6;
    private const byte InitializePermanentDelegateTag = 35;
    private const byte MetadataPointerExtensionTag = 39;
    private const byte ScaledUiAmountExtensionTag = 43;
    private const byte PausableExtensionTag = 44;

    /// <summary>Converts an amount to u64.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.AmountOutOfRange"/> when negative or above 2^64-1.</exception>
    public static ulong ToU64(BigInteger amount)
    {
        if (amount.Sign < 0 || amount > ulong.MaxValue)
        {
            throw new SolanaException(SolanaErrorKind.AmountOutOfRange, $"amount {amount} does not fit in u64");
        }
        return (ulong)amount;
    }

    /// <summary>InitializeMint2: sets decimals, mint authority and optional freeze authority on an allocated mint account.</summary>
    public static TransactionInstruction InitializeMint(PublicKey mint, byte decimals, PublicKey mintAuthority, PublicKey? freezeAuthority, PublicKey? programId = null)
    {
        var data = new byte[1 + 1 + 32 + 1 + 32];
        data[0] = InitializeMint2;
        data[1] = decimals;
        mintAuthority.Bytes.CopyTo(data.AsSpan(2));
        if (freezeAuthority is { } fa)
        {
            data[34] = 1;
            fa.Bytes.CopyTo(data.AsSpan(35));
        }
        return new TransactionInstruction(programId ?? ProgramIds.Token2022, [AccountMeta.Writable(mint)], freezeAuthority is null ? data[..35] : data);
    }

    /// <summary>MintToChecked: mints <paramref name="amount"/> to a token account; the mint authority signs.</summary>
    public static TransactionInstruction MintToChecked(PublicKey mint, PublicKey destination, PublicKey mintAuthority, ulong amount, byte decimals, PublicKey? programId = null) =>
        new(programId ?? ProgramIds.Token2022,
            [AccountMeta.Writable(mint), AccountMeta.Writable(destination), AccountMeta.ReadOnly(mintAuthority, true)],
            AmountData(MintToCheckedTag, amount, decimals));

    /// <summary>BurnChecked: burns from a token account; its owner (or delegate, or the permanent delegate) signs.</summary>
    public static TransactionInstruction BurnChecked(PublicKey account, PublicKey mint, PublicKey owner, ulong amount, byte decimals, PublicKey? programId = null) =>
        new(programId ?? ProgramIds.Token2022,
            [AccountMeta.Writable(account), AccountMeta.Writable(mint), AccountMeta.ReadOnly(owner, true)],
            AmountData(BurnCheckedTag, amount, decimals));

    /// <summary>TransferChecked: moves tokens between accounts of the same mint; the source owner (or a delegate) signs.</summary>
    public static TransactionInstruction TransferChecked(PublicKey source, PublicKey mint, PublicKey destination, PublicKey owner, ulong amount, byte decimals, PublicKey? programId = null) =>
        new(programId ?? ProgramIds.Token2022,
            [AccountMeta.Writable(source), AccountMeta.ReadOnly(mint), AccountMeta.Writable(destination), AccountMeta.ReadOnly(owner, true)],
            AmountData(TransferCheckedTag, amount, decimals));

    /// <summary>FreezeAccount: the mint's freeze authority freezes a token account.</summary>
    public static TransactionInstruction FreezeAccount(PublicKey account, PublicKey mint, PublicKey freezeAuthority, PublicKey? programId = null) =>
        new(programId ?? ProgramIds.Token2022,
            [AccountMeta.Writable(account), AccountMeta.ReadOnly(mint), AccountMeta.ReadOnly(freezeAuthority, true)], [FreezeAccountTag]);

    /// <summary>ThawAccount: the mint's freeze authority thaws a frozen token account.</summary>
    public static TransactionInstruction ThawAccount(PublicKey account, PublicKey mint, PublicKey freezeAuthority, PublicKey? programId = null) =>
        new(programId ?? ProgramIds.Token2022,
            [AccountMeta.Writable(account), AccountMeta.ReadOnly(mint), AccountMeta.ReadOnly(freezeAuthority, true)], [ThawAccountTag]);

    /// <summary>SetAuthority on a mint or account; <paramref name="newAuthority"/> null removes it.</summary>
    public static TransactionInstruction SetAuthority(PublicKey target, AuthorityType type, PublicKey currentAuthority, PublicKey? newAuthority, PublicKey? programId = null)
    {
        var data = new List<byte> { SetAuthorityTag, (byte)type, (byte)(newAuthority is null ? 0 : 1) };
        if (newAuthority is { } na)
        {
            data.AddRange(na.Bytes);
        }
        return new(programId ?? ProgramIds.Token2022, [AccountMeta.Writable(target), AccountMeta.ReadOnly(currentAuthority, true)], [.. data]);
    }

    /// <summary>InitializePermanentDelegate (before InitializeMint): a delegate that may transfer or burn from any account of the mint.</summary>
    public static TransactionInstruction InitializePermanentDelegate(PublicKey mint, PublicKey @delegate)
    {
        var data = new byte[33];
        data[0] = InitializePermanentDelegateTag;
        @delegate.Bytes.CopyTo(data.AsSpan(1));
        return new(ProgramIds.Token2022, [AccountMeta.Writable(mint)], data);
    }

    /// <summary>MetadataPointer Initialize (before InitializeMint): where the mint's metadata lives (here: the mint itself).</summary>
    public static TransactionInstruction InitializeMetadataPointer(PublicKey mint, PublicKey? authority, PublicKey? metadataAddress)
    {
        var data = new byte[2 + 32 + 32];
        data[0] = MetadataPointerExtensionTag;
        data[1] = 0;
        authority?.Bytes.CopyTo(data.AsSpan(2));
        metadataAddress?.Bytes.CopyTo(data.AsSpan(34));
        return new(ProgramIds.Token2022, [AccountMeta.Writable(mint)], data);
    }

    /// <summary>ScaledUiAmount Initialize (before InitializeMint): the UI multiplier and who may change it.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.AmountOutOfRange"/> for a multiplier that is not finite and positive.</exception>
    public static TransactionInstruction InitializeScaledUiAmount(PublicKey mint, PublicKey? authority, double multiplier)
    {
        CheckMultiplier(multiplier);
        var data = new byte[2 + 32 + 8];
        data[0] = ScaledUiAmountExtensionTag;
        data[1] = 0;
        authority?.Bytes.CopyTo(data.AsSpan(2));
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(34), multiplier);
        return new(ProgramIds.Token2022, [AccountMeta.Writable(mint)], data);
    }

    /// <summary>ScaledUiAmount UpdateMultiplier: the new multiplier takes effect at <paramref name="effectiveUnixTimestamp"/> (now or earlier: immediately).</summary>
    public static TransactionInstruction UpdateMultiplier(PublicKey mint, PublicKey authority, double multiplier, long effectiveUnixTimestamp)
    {
        CheckMultiplier(multiplier);
        var data = new byte[2 + 8 + 8];
        data[0] = ScaledUiAmountExtensionTag;
        data[1] = 1;
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(2), multiplier);
        BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(10), effectiveUnixTimestamp);
        return new(ProgramIds.Token2022, [AccountMeta.Writable(mint), AccountMeta.ReadOnly(authority, true)], data);
    }

    /// <summary>Pausable Initialize (before InitializeMint): who may pause and resume.</summary>
    public static TransactionInstruction InitializePausable(PublicKey mint, PublicKey authority)
    {
        var data = new byte[2 + 32];
        data[0] = PausableExtensionTag;
        authority.Bytes.CopyTo(data.AsSpan(2));
        return new(ProgramIds.Token2022, [AccountMeta.Writable(mint)], data);
    }

    /// <summary>Pause: while paused the mint refuses mints, burns and transfers.</summary>
    public static TransactionInstruction Pause(PublicKey mint, PublicKey authority) =>
        new(ProgramIds.Token2022, [AccountMeta.Writable(mint), AccountMeta.ReadOnly(authority, true)], [PausableExtensionTag, 1]);

    /// <summary>Resume a paused mint.</summary>
    public static TransactionInstruction Resume(PublicKey mint, PublicKey authority) =>
        new(ProgramIds.Token2022, [AccountMeta.Writable(mint), AccountMeta.ReadOnly(authority, true)], [PausableExtensionTag, 2]);

    /// <summary>Token-metadata interface Initialize (after InitializeMint): stores name, symbol and URI in the mint; the mint authority signs.</summary>
    public static TransactionInstruction InitializeTokenMetadata(PublicKey mint, PublicKey updateAuthority, PublicKey mintAuthority, string name, string symbol, string uri)
    {
        var data = new List<byte>(Discriminator("spl_token_metadata_interface:initialize_account"));
        WriteString(data, name);
        WriteString(data, symbol);
        WriteString(data, uri);
        return new(ProgramIds.Token2022,
        [
            AccountMeta.Writable(mint), AccountMeta.ReadOnly(updateAuthority), AccountMeta.ReadOnly(mint), AccountMeta.ReadOnly(mintAuthority, true),
        ], [.. data]);
    }

    /// <summary>Token-metadata interface UpdateField for a custom key (name/symbol/uri use <see cref="TokenMetadataField"/>).</summary>
    public static TransactionInstruction UpdateTokenMetadataField(PublicKey mint, PublicKey updateAuthority, TokenMetadataField field, string value, string? key = null)
    {
        var data = new List<byte>(Discriminator("spl_token_metadata_interface:updating_field")) { (byte)field };
        if (field == TokenMetadataField.Key)
        {
            WriteString(data, key ?? throw new SolanaException(SolanaErrorKind.InvalidTransaction, "a custom metadata field needs a key"));
        }
        WriteString(data, value);
        return new(ProgramIds.Token2022, [AccountMeta.Writable(mint), AccountMeta.ReadOnly(updateAuthority, true)], [.. data]);
    }

    private static void CheckMultiplier(double multiplier)
    {
        if (!double.IsFinite(multiplier) || multiplier <= 0)
        {
            throw new SolanaException(SolanaErrorKind.AmountOutOfRange, $"the scaled UI multiplier must be finite and positive, got {multiplier}");
        }
    }

    private static byte[] AmountData(byte tag, ulong amount, byte decimals)
    {
        var data = new byte[10];
        data[0] = tag;
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(1), amount);
        data[9] = decimals;
        return data;
    }

    private static byte[] Discriminator(string name) => SHA256.HashData(Encoding.UTF8.GetBytes(name))[..8];

    private static void WriteString(List<byte> output, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)bytes.Length);
        output.AddRange(len);
        output.AddRange(bytes);
    }
}

/// <summary>Authority kinds for SetAuthority.</summary>
public enum AuthorityType : byte
{
    /// <summary>Who may mint.</summary>
    MintTokens = 0,
    /// <summary>Who may freeze and thaw accounts.</summary>
    FreezeAccount = 1,
    /// <summary>A token account's owner.</summary>
    AccountOwner = 2,
    /// <summary>Who may close an account.</summary>
    CloseAccount = 3,
    /// <summary>The permanent delegate.</summary>
    PermanentDelegate = 8,
    /// <summary>The metadata pointer's authority.</summary>
    MetadataPointer = 12,
    /// <summary>The scaled UI amount authority.</summary>
    ScaledUiAmount = 15,
    /// <summary>The pause authority.</summary>
    Pause = 16,
}

/// <summary>Fields of the token-metadata interface.</summary>
public enum TokenMetadataField : byte
{
    /// <summary>The token name.</summary>
    Name = 0,
    /// <summary>The ticker symbol.</summary>
    Symbol = 1,
    /// <summary>The metadata URI.</summary>
    Uri = 2,
    /// <summary>A custom key/value pair.</summary>
    Key = 3,
}
