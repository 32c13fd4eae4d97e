namespace Sharemint.Chains.Evm;

/// <summary>An unsigned transaction; <see cref="LegacyTransaction"/> (EIP-155) or <see cref="Eip1559Transaction"/> (type 2).</summary>
public abstract record EvmUnsignedTransaction(ulong ChainId, ulong Nonce, ulong GasLimit, EvmAddress? To, UInt256 Value, byte[] Data)
{
    /// <summary>The digest that the sender signs.</summary>
    public abstract byte[] SigningHash();

    /// <summary>The wire bytes of this transaction carrying <paramref name="signature"/>.</summary>
    public abstract byte[] EncodeSigned(EvmSignature signature);

    /// <summary>The fee cap per gas that bounds what this transaction may pay.</summary>
    public abstract UInt256 FeeCap { get; }

    private protected RlpItem ToItem() => To is { } to ? RlpItem.String(to.Span) : RlpItem.String([]);
}

/// <summary>A legacy transaction signed with EIP-155 replay protection (v = recId + 35 + 2·chainId).</summary>
public sealed record LegacyTransaction(ulong ChainId, ulong Nonce, UInt256 GasPrice, ulong GasLimit, EvmAddress? To, UInt256 Value, byte[] Data)
    : EvmUnsignedTransaction(ChainId, Nonce, GasLimit, To, Value, Data)
{
    public override UInt256 FeeCap => GasPrice;

    public override byte[] SigningHash() => Keccak256.Hash(Rlp.Encode(RlpItem.List(
        RlpItem.Integer(Nonce), RlpItem.Integer(GasPrice), RlpItem.Integer(GasLimit), ToItem(), RlpItem.Integer(Value), RlpItem.String(Data),
        RlpItem.Integer(ChainId), RlpItem.String([]), RlpItem.String([]))));

    public override byte[] EncodeSigned(EvmSignature signature)
    {
        var v = new UInt256(signature.RecoveryId) + new UInt256(35) + new UInt256(ChainId) * new UInt256(2);
        return Rlp.Encode(RlpItem.List(
            RlpItem.Integer(Nonce), RlpItem.Integer(GasPrice), RlpItem.Integer(GasLimit), ToItem(), RlpItem.Integer(Value), RlpItem.String(Data),
            RlpItem.Integer(v), RlpItem.Integer(signature.R), RlpItem.Integer(signature.S)));
    }
}

/// <summary>An EIP-1559 (type 0x02) transaction with an empty access list.</summary>
public sealed record Eip1559Transaction(
    ulong ChainId, ulong Nonce, UInt256 MaxPriorityFeePerGas, UInt256 MaxFeePerGas, ulong GasLimit, EvmAddress? To, UInt256 Value, byte[] Data)
    : EvmUnsignedTransaction(ChainId, Nonce, GasLimit, To, Value, Data)
{
    public const byte TypeByte = 0x02;

    public override UInt256 FeeCap => MaxFeePerGas;

    private List<RlpItem> Fields() =>
    [
        RlpItem.Integer(ChainId), RlpItem.Integer(Nonce), RlpItem.Integer(MaxPriorityFeePerGas), RlpItem.Integer(MaxFeePerGas),
        RlpItem.Integer(GasLimit), ToItem(), RlpItem.Integer(Value), RlpItem.String(Data), RlpItem.List(),
    ];

    public override byte[] SigningHash() => Keccak256.Hash([TypeByte, .. Rlp.Encode(RlpItem.List(Fields()))]);

    public override byte[] EncodeSigned(EvmSignature signature)
    {
        var fields = Fields();
        fields.Add(RlpItem.Integer(signature.RecoveryId));
        fields.Add(RlpItem.Integer(signature.R));
        fields.Add(RlpItem.Integer(signature.S));
        return [TypeByte, .. Rlp.Encode(RlpItem.List(fields))];
    }
}

/// <summary>Signed wire bytes and their hash (the transaction hash the node will report).</summary>
public sealed record EvmRawTransaction(byte[] Raw, Hash32 Hash)
{
    public static EvmRawTransaction Sign(EvmUnsignedTransaction transaction, EvmPrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(key);
        return WithSignature(transaction, key.Sign(transaction.SigningHash()));
    }

    /// <summary>The wire bytes of <paramref name="transaction"/> with a signature made elsewhere over its signing hash.</summary>
    public static EvmRawTransaction WithSignature(EvmUnsignedTransaction transaction, EvmSignature signature)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var raw = transaction.EncodeSigned(signature);
        return new EvmRawTransaction(raw, new Hash32(Keccak256.Hash(raw)));
    }
}
