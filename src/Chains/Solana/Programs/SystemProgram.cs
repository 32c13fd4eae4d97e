using System.Buffers.Binary;

namespace Sharemint.Chains.Solana;

/// <summary>Well-known program ids and sysvars.</summary>
public static class ProgramIds
{
    /// <summary>The System Program.</summary>
    public static readonly PublicKey System = PublicKey.Parse("11111111111111111111111111111111");

    /// <summary>The original SPL Token program.</summary>
    public static readonly PublicKey Token = PublicKey.Parse("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

    /// <summary>The SPL Token-2022 program (token extensions).</summary>
    public static readonly PublicKey Token2022 = PublicKey.Parse("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");

    /// <summary>The Associated Token Account program.</summary>
    public static readonly PublicKey AssociatedToken = PublicKey.Parse("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

    /// <summary>The Compute Budget program.</summary>
    public static readonly PublicKey ComputeBudget = PublicKey.Parse("ComputeBudget111111111111111111111111111111");
}

/// <summary>System Program instructions.</summary>
public static class SystemProgram
{
    /// <summary>Creates an account of <paramref name="space"/> bytes owned by <paramref name="owner"/>, funded by <paramref name="payer"/>; both sign.</summary>
    public static TransactionInstruction CreateAccount(PublicKey payer, PublicKey newAccount, ulong lamports, ulong space, PublicKey owner)
    {
        var data = new byte[4 + 8 + 8 + 32];
        BinaryPrimitives.WriteUInt32LittleEndian(data, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(4), lamports);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(12), space);
        owner.Bytes.CopyTo(data.AsSpan(20));
        return new TransactionInstruction(ProgramIds.System, [AccountMeta.Writable(payer, true), AccountMeta.Writable(newAccount, true)], data);
    }

    /// <summary>
    /// Creates the account at <see cref="PublicKey.CreateWithSeed"/>(<paramref name="baseKey"/>, <paramref name="seed"/>,
    /// <paramref name="owner"/>), funded by <paramref name="payer"/>; payer and base sign (no key for the new account exists).
    /// Fails on-chain with the System program's "account already in use" (custom error 0) when the address is taken.
    /// </summary>
    public static TransactionInstruction CreateAccountWithSeed(PublicKey payer, PublicKey baseKey, string seed, ulong lamports, ulong space, PublicKey owner)
    {
        ArgumentNullException.ThrowIfNull(seed);
        var seedBytes = System.Text.Encoding.UTF8.GetBytes(seed);
        if (seedBytes.Length > PublicKey.MaxSeedBytes)
        {
            throw new SolanaException(SolanaErrorKind.InvalidSeeds, $"a seed is at most {PublicKey.MaxSeedBytes} bytes, got {seedBytes.Length}");
        }
        // Layout: u32 index 3, base, seed as a u64-length-prefixed string, lamports, space, owner.
        var data = new byte[4 + 32 + 8 + seedBytes.Length + 8 + 8 + 32];
        BinaryPrimitives.WriteUInt32LittleEndian(data, 3);
        baseKey.Bytes.CopyTo(data.AsSpan(4));
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(36), (ulong)seedBytes.Length);
        seedBytes.CopyTo(data.AsSpan(44));
        var at = 44 + seedBytes.Length;
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(at), lamports);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(at + 8), space);
        owner.Bytes.CopyTo(data.AsSpan(at + 16));
        var created = PublicKey.CreateWithSeed(baseKey, seed, owner);
        return new TransactionInstruction(ProgramIds.System,
            [AccountMeta.Writable(payer, true), AccountMeta.Writable(created), AccountMeta.ReadOnly(baseKey, true)], data);
    }

    /// <summary>Moves lamports; <paramref name="from"/> signs.</summary>
    public static TransactionInstruction Transfer(PublicKey from, PublicKey to, ulong lamports)
    {
        var data = new byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(data, 2);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(4), lamports);
        return new TransactionInstruction(ProgramIds.System, [AccountMeta.Writable(from, true), AccountMeta.Writable(to)], data);
    }
}

/// <summary>Compute Budget program instructions.</summary>
public static class ComputeBudgetProgram
{
    /// <summary>The most compute units a transaction may request.</summary>
    public const uint MaxComputeUnitLimit = 1_400_000;

    /// <summary>Requests a compute-unit limit for the whole transaction.</summary>
    public static TransactionInstruction SetComputeUnitLimit(uint units)
    {
        var data = new byte[5];
        data[0] = 2;
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(1), units);
        return new TransactionInstruction(ProgramIds.ComputeBudget, [], data);
    }

    /// <summary>Sets the priority fee in micro-lamports per compute unit.</summary>
    public static TransactionInstruction SetComputeUnitPrice(ulong microLamports)
    {
        var data = new byte[9];
        data[0] = 3;
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(1), microLamports);
        return new TransactionInstruction(ProgramIds.ComputeBudget, [], data);
    }
}

/// <summary>Associated Token Account program: the canonical token account of a wallet for a mint.</summary>
public static class AssociatedTokenProgram
{
    /// <summary>Derives the associated token account address (seeds: wallet, token program, mint).</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.AddressOnCurve"/> when <paramref name="allowOwnerOffCurve"/> is false and the wallet is itself a program-derived address.</exception>
    public static PublicKey FindAddress(PublicKey wallet, PublicKey mint, PublicKey? tokenProgram = null, bool allowOwnerOffCurve = false)
    {
        var program = tokenProgram ?? ProgramIds.Token2022;
        var key = (wallet, mint, program);
        if (!Derived.TryGetValue(key, out var derived))
        {
            derived = (PublicKey.FindProgramAddress([wallet.Bytes.ToArray(), program.Bytes.ToArray(), mint.Bytes.ToArray()], ProgramIds.AssociatedToken).Address,
                wallet.IsOnCurve());
            if (Derived.Count >= MaxDerived)
            {
                Derived.Clear();
            }
            Derived[key] = derived;
        }
        if (!allowOwnerOffCurve && !derived.WalletOnCurve)
        {
            throw new SolanaException(SolanaErrorKind.AddressOnCurve, $"wallet {wallet} is off the curve; pass allowOwnerOffCurve for a program-owned wallet");
        }
        return derived.Address;
    }

    // Derivations already made: a signer derives the same holders' accounts for every mint it builds and checks (each a
    // search over bumps, a SHA-256 and a curve check per bump, and a curve check of the wallet), and they never change.
    // Bounded by clearing.
    private const int MaxDerived = 100_000;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(PublicKey Wallet, PublicKey Mint, PublicKey Program), (PublicKey Address, bool WalletOnCurve)> Derived = new();

    /// <summary>Creates the associated token account if it does not exist; succeeds without change if it does (CreateIdempotent).</summary>
    public static TransactionInstruction CreateIdempotent(PublicKey payer, PublicKey wallet, PublicKey mint, PublicKey? tokenProgram = null, bool allowOwnerOffCurve = false)
    {
        var program = tokenProgram ?? ProgramIds.Token2022;
        var ata = FindAddress(wallet, mint, program, allowOwnerOffCurve);
        return new TransactionInstruction(ProgramIds.AssociatedToken,
        [
            AccountMeta.Writable(payer, true),
            AccountMeta.Writable(ata),
            AccountMeta.ReadOnly(wallet),
            AccountMeta.ReadOnly(mint),
            AccountMeta.ReadOnly(ProgramIds.System),
            AccountMeta.ReadOnly(program),
        ], [1]);
    }
}
