namespace Sharemint.Chains.Solana;

/// <summary>
/// Compiles instructions into a message: merges duplicate accounts (signer and writable flags OR-ed),
/// puts the fee payer first, orders the rest signer-writable, signer-readonly, writable, readonly
/// (each group in order of first appearance), and for v0 moves non-signer, non-program accounts
/// found in the given lookup tables out of the static list.
/// </summary>
public static class MessageCompiler
{
    /// <summary>Compiles a legacy message.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidTransaction"/> for no instructions or more than 256 accounts.</exception>
    public static Message CompileLegacy(PublicKey feePayer, string recentBlockhash, IReadOnlyList<TransactionInstruction> instructions) =>
        Compile(null, feePayer, recentBlockhash, instructions, []);

    /// <summary>Compiles a v0 message, loading eligible accounts from <paramref name="lookupTables"/>.</summary>
    public static Message CompileV0(
        PublicKey feePayer,
        string recentBlockhash,
        IReadOnlyList<TransactionInstruction> instructions,
        IReadOnlyList<AddressLookupTable>? lookupTables = null) =>
        Compile(0, feePayer, recentBlockhash, instructions, lookupTables ?? []);

    private sealed class KeyFlags
    {
        public bool Signer;
        public bool Writable;
        public bool Invoked;
    }

    private static Message Compile(
        int? version,
        PublicKey feePayer,
        string recentBlockhash,
        IReadOnlyList<TransactionInstruction> instructions,
        IReadOnlyList<AddressLookupTable> tables)
    {
        if (instructions.Count == 0)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, "a transaction needs at least one instruction");
        }
        var order = new List<PublicKey> { feePayer };
        var flags = new Dictionary<PublicKey, KeyFlags> { [feePayer] = new KeyFlags { Signer = true, Writable = true } };
        KeyFlags Get(PublicKey k)
        {
            if (!flags.TryGetValue(k, out var f))
            {
                f = new KeyFlags();
                flags[k] = f;
                order.Add(k);
            }
            return f;
        }
        foreach (var ix in instructions)
        {
            foreach (var a in ix.Accounts)
            {
                var f = Get(a.Key);
                f.Signer |= a.IsSigner;
                f.Writable |= a.IsWritable;
            }
            Get(ix.ProgramId).Invoked = true;
        }

        // v0: accounts that neither sign nor are invoked may come from a lookup table.
        var loadedWritable = new List<PublicKey>();
        var loadedReadonly = new List<PublicKey>();
        var lookups = new List<MessageAddressTableLookup>();
        var loaded = new HashSet<PublicKey>();
        foreach (var table in tables)
        {
            var w = new List<byte>();
            var r = new List<byte>();
            for (var i = 0; i < table.Addresses.Count && i < 256; i++)
            {
                var k = table.Addresses[i];
                if (!flags.TryGetValue(k, out var f) || f.Signer || f.Invoked || !loaded.Add(k))
                {
                    continue;
                }
                (f.Writable ? w : r).Add((byte)i);
                (f.Writable ? loadedWritable : loadedReadonly).Add(k);
            }
            if (w.Count + r.Count > 0)
            {
                lookups.Add(new MessageAddressTableLookup(table.Key, [.. w], [.. r]));
            }
        }

        var statics = order.Where(k => !loaded.Contains(k)).ToList();
        var signerWritable = statics.Where(k => flags[k].Signer && flags[k].Writable).ToList();
        var signerReadonly = statics.Where(k => flags[k].Signer && !flags[k].Writable).ToList();
        var writable = statics.Where(k => !flags[k].Signer && flags[k].Writable).ToList();
        var readOnly = statics.Where(k => !flags[k].Signer && !flags[k].Writable).ToList();
        var keys = signerWritable.Concat(signerReadonly).Concat(writable).Concat(readOnly).ToList();
        var all = keys.Concat(loadedWritable).Concat(loadedReadonly).ToList();
        if (all.Count > 256)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, $"a message can reference at most 256 accounts, got {all.Count}");
        }
        var index = new Dictionary<PublicKey, byte>();
        for (var i = 0; i < all.Count; i++)
        {
            index[all[i]] = (byte)i;
        }
        var compiled = instructions
            .Select(ix => new CompiledInstruction(index[ix.ProgramId], ix.Accounts.Select(a => index[a.Key]).ToArray(), ix.Data))
            .ToList();
        var header = new MessageHeader(
            (byte)(signerWritable.Count + signerReadonly.Count),
            (byte)signerReadonly.Count,
            (byte)readOnly.Count);
        return new Message(version, header, keys, recentBlockhash, compiled, lookups);
    }
}
