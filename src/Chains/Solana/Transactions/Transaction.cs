namespace Sharemint.Chains.Solana;

/// <summary>
/// A message with its signatures, in wire form. The first signature is the transaction id.
/// Immutable once signed: the same object always serializes to the same bytes.
/// </summary>
public sealed class Transaction
{
    /// <summary>The most bytes a serialized transaction may take (the IPv6 MTU less headers).</summary>
    public const int MaxSize = 1232;

    private readonly byte[][] _signatures;

    private Transaction(Message message, byte[] messageBytes, byte[][] signatures)
    {
        Message = message;
        MessageBytes = messageBytes;
        _signatures = signatures;
    }

    /// <summary>The signed message.</summary>
    public Message Message { get; }

    /// <summary>The exact bytes that were signed.</summary>
    public byte[] MessageBytes { get; }

    /// <summary>Signatures in signer order (64 bytes each; all zero where a signer has not signed).</summary>
    public IReadOnlyList<byte[]> Signatures => _signatures;

    /// <summary>The transaction id: the fee payer's signature in base58.</summary>
    public string Signature => Base58.Encode(_signatures[0]);

    /// <summary>Signs <paramref name="message"/> with every required signer.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidTransaction"/> when a required signer is missing, an extra signer is given, or the result exceeds <see cref="MaxSize"/>.</exception>
    public static Transaction Sign(Message message, IEnumerable<Keypair> signers)
    {
        var bytes = message.Serialize();
        var required = message.Signers.ToList();
        var sigs = new byte[required.Count][];
        var byKey = new Dictionary<PublicKey, Keypair>();
        foreach (var s in signers)
        {
            byKey[s.PublicKey] = s;
        }
        foreach (var key in byKey.Keys)
        {
            if (!required.Contains(key))
            {
                throw new SolanaException(SolanaErrorKind.InvalidTransaction, $"{key} signs but the message does not require its signature");
            }
        }
        for (var i = 0; i < required.Count; i++)
        {
            if (!byKey.TryGetValue(required[i], out var kp))
            {
                throw new SolanaException(SolanaErrorKind.InvalidTransaction, $"missing signature for {required[i]}");
            }
            // A key held elsewhere leaves its slot empty for the sender to fill (see TransactionSender).
            sigs[i] = kp.HasSecret ? kp.Sign(bytes) : new byte[64];
        }
        var tx = new Transaction(message, bytes, sigs);
        var size = tx.Size;
        if (size > MaxSize)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, $"transaction is {size} bytes, the limit is {MaxSize}");
        }
        return tx;
    }

    /// <summary>This transaction with signer <paramref name="index"/>'s signature set (made elsewhere over <see cref="MessageBytes"/>).</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidLength"/> unless 64 bytes; <see cref="SolanaErrorKind.InvalidTransaction"/> for a bad index.</exception>
    public Transaction WithSignature(int index, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (signature.Length != 64)
        {
            throw new SolanaException(SolanaErrorKind.InvalidLength, $"an Ed25519 signature is 64 bytes, got {signature.Length}");
        }
        if (index < 0 || index >= _signatures.Length)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, $"signer {index} of {_signatures.Length}");
        }
        var sigs = _signatures.ToArray();
        sigs[index] = [.. signature];
        return new Transaction(Message, MessageBytes, sigs);
    }

    /// <summary>Serialized size in bytes.</summary>
    public int Size => ShortVec.Size(_signatures.Length) + (64 * _signatures.Length) + MessageBytes.Length;

    /// <summary>The wire bytes: compact-u16 signature count, signatures, message.</summary>
    public byte[] Serialize()
    {
        var o = new byte[Size];
        var list = new List<byte>(3);
        ShortVec.Write(list, _signatures.Length);
        list.CopyTo(o);
        var off = list.Count;
        foreach (var s in _signatures)
        {
            s.CopyTo(o, off);
            off += 64;
        }
        MessageBytes.CopyTo(o, off);
        return o;
    }

    /// <summary>Parses wire bytes and checks the signature count against the header.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.InvalidTransaction"/>.</exception>
    public static Transaction Deserialize(ReadOnlySpan<byte> wire)
    {
        var off = 0;
        var n = ShortVec.Read(wire, ref off);
        if (off + (64 * n) > wire.Length)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, "truncated signatures");
        }
        var sigs = new byte[n][];
        for (var i = 0; i < n; i++, off += 64)
        {
            sigs[i] = wire.Slice(off, 64).ToArray();
        }
        var messageBytes = wire[off..].ToArray();
        var message = Message.Deserialize(messageBytes);
        if (message.Header.NumRequiredSignatures != n)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, $"{n} signatures for {message.Header.NumRequiredSignatures} required signers");
        }
        return new Transaction(message, messageBytes, sigs);
    }

    /// <summary>True when every signature verifies against its signer's key.</summary>
    public bool VerifySignatures()
    {
        var signers = Message.Signers.ToList();
        for (var i = 0; i < signers.Count; i++)
        {
            if (!Keypair.Verify(signers[i], MessageBytes, _signatures[i]))
            {
                return false;
            }
        }
        return true;
    }
}
