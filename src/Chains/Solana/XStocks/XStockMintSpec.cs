namespace Sharemint.Chains.Solana;

/// <summary>
/// What an xStock mint is created with: Token-2022 with scaled UI amount, pausable, metadata pointer +
/// token metadata in the mint, and optionally a permanent delegate. Every authority defaults to the
/// issuer (mint authority); the freeze authority is required (sanctions freezing).
/// </summary>
public sealed record XStockMintSpec(
    string Name,
    string Symbol,
    string Uri,
    byte Decimals,
    PublicKey MintAuthority,
    PublicKey FreezeAuthority)
{
    /// <summary>Initial UI multiplier (shares per token); 1.0 by default.</summary>
    public double InitialMultiplier { get; init; } = 1.0;

    /// <summary>Who may update the multiplier; defaults to the mint authority.</summary>
    public PublicKey? MultiplierAuthority { get; init; }

    /// <summary>Who may pause and resume; defaults to the mint authority.</summary>
    public PublicKey? PauseAuthority { get; init; }

    /// <summary>Who may update metadata; defaults to the mint authority.</summary>
    public PublicKey? MetadataAuthority { get; init; }

    /// <summary>A permanent delegate (may burn or move any holder's tokens), or null for none.</summary>
    public PublicKey? PermanentDelegate { get; init; }

    /// <summary>The fixed-length extensions this spec creates, in initialization order.</summary>
    public IReadOnlyList<ExtensionType> FixedExtensions => PermanentDelegate is null
        ? [ExtensionType.MetadataPointer, ExtensionType.ScaledUiAmountConfig, ExtensionType.PausableConfig]
        : [ExtensionType.PermanentDelegate, ExtensionType.MetadataPointer, ExtensionType.ScaledUiAmountConfig, ExtensionType.PausableConfig];

    /// <summary>Account size at creation (metadata is appended later by the program, which reallocates).</summary>
    public int InitialSpace => TokenLayout.MintSize(FixedExtensions);

    /// <summary>Size once the metadata is stored (rent must cover this from the start).</summary>
    public int FinalSpace(PublicKey mint) =>
        InitialSpace + 4 + new TokenMetadata(MetadataAuthority ?? MintAuthority, mint, Name, Symbol, Uri, []).PackedLength;

    /// <summary>All instructions that create and initialize the mint, in order (one transaction; payer and mint sign, mint authority signs the metadata).</summary>
    public IReadOnlyList<TransactionInstruction> BuildInstructions(PublicKey payer, PublicKey mint, ulong lamports)
    {
        var list = new List<TransactionInstruction>
        {
            SystemProgram.CreateAccount(payer, mint, lamports, (ulong)InitialSpace, ProgramIds.Token2022),
        };
        if (PermanentDelegate is { } pd)
        {
            list.Add(Token2022Program.InitializePermanentDelegate(mint, pd));
        }
        list.Add(Token2022Program.InitializeMetadataPointer(mint, MetadataAuthority ?? MintAuthority, mint));
        list.Add(Token2022Program.InitializeScaledUiAmount(mint, MultiplierAuthority ?? MintAuthority, InitialMultiplier));
        list.Add(Token2022Program.InitializePausable(mint, PauseAuthority ?? MintAuthority));
        list.Add(Token2022Program.InitializeMint(mint, Decimals, MintAuthority, FreezeAuthority));
        list.Add(Token2022Program.InitializeTokenMetadata(mint, MetadataAuthority ?? MintAuthority, MintAuthority, Name, Symbol, Uri));
        return list;
    }
}

/// <summary>One holder's share of a batch mint.</summary>
public readonly record struct MintRecipient(PublicKey Wallet, ulong Amount);

/// <summary>
/// One token transfer into a watched account (for the redemption watcher). <paramref name="Position"/> names the transfer
/// within its transaction: the top-level instruction index, or <c>{index}.{inner}</c> for one run by a program, so two
/// transfers in one transaction are two deposits. <paramref name="SourceOwner"/> is the debited account's owner when the
/// transaction's token balances name it; <paramref name="SourceAccount"/> is the debited token account itself.
/// </summary>
public sealed record TokenDeposit(string Signature, ulong Slot, long? BlockTime, ulong Amount, PublicKey? SourceOwner, string Position = "0",
    PublicKey? SourceAccount = null);

/// <summary>A page of deposits, oldest first, and the cursor to pass next time (the newest signature seen).</summary>
public sealed record DepositPage(IReadOnlyList<TokenDeposit> Deposits, string? Cursor, bool HasMore);
