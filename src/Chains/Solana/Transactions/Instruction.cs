namespace Sharemint.Chains.Solana;

/// <summary>An account an instruction reads or writes, and whether it must sign.</summary>
public readonly record struct AccountMeta(PublicKey Key, bool IsSigner, bool IsWritable)
{
    /// <summary>A writable account.</summary>
    public static AccountMeta Writable(PublicKey key, bool isSigner = false) => new(key, isSigner, true);

    /// <summary>A read-only account.</summary>
    public static AccountMeta ReadOnly(PublicKey key, bool isSigner = false) => new(key, isSigner, false);
}

/// <summary>One program call: the program, its accounts in order, and its data.</summary>
public sealed record TransactionInstruction(PublicKey ProgramId, IReadOnlyList<AccountMeta> Accounts, byte[] Data);

/// <summary>An instruction as it appears in a message: indexes into the message's account list.</summary>
public sealed record CompiledInstruction(byte ProgramIdIndex, byte[] AccountIndexes, byte[] Data);

/// <summary>The three counts at the head of a message that tell which accounts sign and which are writable.</summary>
public readonly record struct MessageHeader(byte NumRequiredSignatures, byte NumReadonlySignedAccounts, byte NumReadonlyUnsignedAccounts);

/// <summary>An address lookup table's content as the caller knows it (for v0 messages).</summary>
public sealed record AddressLookupTable(PublicKey Key, IReadOnlyList<PublicKey> Addresses);

/// <summary>The part of a v0 message that loads accounts from one lookup table.</summary>
public sealed record MessageAddressTableLookup(PublicKey AccountKey, byte[] WritableIndexes, byte[] ReadonlyIndexes);
