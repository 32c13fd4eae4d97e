namespace Sharemint.Chains.Solana;

/// <summary>
/// A compiled Solana message (legacy or v0) in wire form: header, static account keys,
/// recent blockhash, compiled instructions and, for v0, address table lookups.
/// </summary>
public sealed class Message
{
    /// <summary>Creates a message from its parts; <paramref name="version"/> null means legacy.</summary>
    public Message(
        int? version,
        MessageHeader header,
        IReadOnlyList<PublicKey> accountKeys,
        string recentBlockhash,
        IReadOnlyList<CompiledInstruction> instructions,
        IReadOnlyList<MessageAddressTableLookup>? addressTableLookups = null)
    {
        if (version is not (null or 0))
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, $"unsupported message version {version}");
        }
        if (version is null && addressTableLookups is { Count: > 0 })
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, "a legacy message cannot use address lookup tables");
        }
        Base58.Decode(recentBlockhash, 32);
        Version = version;
        Header = header;
        AccountKeys = accountKeys;
        RecentBlockhash = recentBlockhash;
        Instructions = instructions;
        AddressTableLookups = addressTableLookups ?? [];
    }

    /// <summary>Null for a legacy message, 0 for v0.</summary>
    public int? Version { get; }

    /// <summary>Signer and writability counts.</summary>
    public MessageHeader Header { get; }

    /// <summary>The static account keys: signers first (writable then read-only), then the rest (writable then read-only).</summary>
    public IReadOnlyList<PublicKey> AccountKeys { get; }

    /// <summary>The blockhash (base58) that bounds the message's lifetime.</summary>
    public string RecentBlockhash { get; }

    /// <summary>The instructions, indexing into the account list.</summary>
    public IReadOnlyList<CompiledInstruction> Instructions { get; }

    /// <summary>Lookup-table loads (v0 only).</summary>
    public IReadOnlyList<MessageAddressTableLookup> AddressTableLookups { get; }

    /// <summary>The accounts that must sign, in signature order.</summary>
    public IEnumerable<PublicKey> Signers => AccountKeys.Take(Header.NumRequiredSignatures);

    /// <summary>Whether the static account at <paramref name="index"/> is writable.</summary>
    public bool IsWritable(int index)
    {
        var h = Header;
        return index < h.NumRequiredSignatures
            ? index < h.NumRequiredSignatures - h.NumReadonlySignedAccounts
            : index < AccountKeys.Count - h.NumReadonlyUnsignedAccounts;
    }

    /// <summary>The bytes that are signed and sent.</summary>
    public byte[] Serialize()
    {
        var o = new List<byte>(512);
        if (Version is { } v)
        {
            o.Add((byte)(0x80 | v));
        }
        o.Add(Header.NumRequiredSignatures);
        o.Add(Header.NumReadonlySignedAccounts);
        o.Add(Header.NumReadonlyUnsignedAccounts);
        ShortVec.Write(o, AccountKeys.Count);
        foreach (var k in AccountKeys)
        {
            o.AddRange(k.Bytes);
        }
        o.AddRange(Base58.Decode(RecentBlockhash, 32));
        ShortVec.Write(o, Instructions.Count);
        foreach (var ix in Instructions)
        {
            o.Add(ix.ProgramIdIndex);
            ShortVec.Write(o, ix.AccountIndexes.Length);
            o.AddRange(ix.AccountIndexes);
            ShortVec.Write(o, ix.Data.Length);
            o.AddRange(ix.Data);
        }
        if (Version is not null)
        {
            ShortVec.Write(o, AddressTableLookups.Count);
            foreach (var l in AddressTableLookups)
            {
                o.AddRange(l.AccountKey.Bytes);
                ShortVec.Write(o, l.WritableIndexes.Length);
                o.AddRange(l.WritableIndexes);
                ShortVec.Write(o, l.ReadonlyIndexes.Length);
                o.AddRange(l.ReadonlyIndexes);
            }
        }
        return [.. o];
    }

    /// <summary>Parses message bytes; rejects truncated or trailing data and out-of-range indexes.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidTransaction"/>.</exception>
    public static Message Deserialize(ReadOnlySpan<byte> data)
    {
        var off = 0;
        int? version = null;
        Need(data, off, 1);
        if ((data[0] & 0x80) != 0)
        {
            version = data[0] & 0x7f;
            off = 1;
        }
        Need(data, off, 3);
        var header = new MessageHeader(data[off], data[off + 1], data[off + 2]);
        off += 3;
        var n = ShortVec.Read(data, ref off);
        var keys = new PublicKey[n];
        for (var i = 0; i < n; i++, off += 32)
        {
            Need(data, off, 32);
            keys[i] = new PublicKey(data.Slice(off, 32));
        }
        Need(data, off, 32);
        var blockhash = Base58.Encode(data.Slice(off, 32));
        off += 32;
        n = ShortVec.Read(data, ref off);
        var instructions = new CompiledInstruction[n];
        for (var i = 0; i < n; i++)
        {
            Need(data, off, 1);
            var program = data[off++];
            var k = ShortVec.Read(data, ref off);
            Need(data, off, k);
            var accounts = data.Slice(off, k).ToArray();
            off += k;
            k = ShortVec.Read(data, ref off);
            Need(data, off, k);
            var ixData = data.Slice(off, k).ToArray();
            off += k;
            instructions[i] = new CompiledInstruction(program, accounts, ixData);
        }
        var lookups = new List<MessageAddressTableLookup>();
        if (version is not null)
        {
            n = ShortVec.Read(data, ref off);
            for (var i = 0; i < n; i++)
            {
                Need(data, off, 32);
                var key = new PublicKey(data.Slice(off, 32));
                off += 32;
                var k = ShortVec.Read(data, ref off);
                Need(data, off, k);
                var w = data.Slice(off, k).ToArray();
                off += k;
                k = ShortVec.Read(data, ref off);
                Need(data, off, k);
                var r = data.Slice(off, k).ToArray();
                off += k;
                lookups.Add(new MessageAddressTableLookup(key, w, r));
            }
        }
        if (off != data.Length)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, $"{data.Length - off} trailing bytes after the message");
        }
        if (header.NumRequiredSignatures > keys.Length || header.NumReadonlySignedAccounts > header.NumRequiredSignatures
            || header.NumReadonlyUnsignedAccounts > keys.Length - header.NumRequiredSignatures)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, "message header does not fit its account keys");
        }
        var total = keys.Length + lookups.Sum(l => l.WritableIndexes.Length + l.ReadonlyIndexes.Length);
        foreach (var ix in instructions)
        {
            if (ix.ProgramIdIndex >= keys.Length || ix.AccountIndexes.Any(a => a >= total))
            {
                throw new SolanaException(SolanaErrorKind.InvalidTransaction, "instruction index outside the account list");
            }
        }
        return new Message(version, header, keys, blockhash, instructions, lookups);
    }

    private static void Need(ReadOnlySpan<byte> data, int offset, int count)
    {
        if (offset + count > data.Length)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, "truncated message");
        }
    }
}
