using System.Security.Cryptography;
using System.Text.Json;
using Sharemint.Chains.Evm;

namespace Sharemint.Chains.Tron;

/// <summary>One of the system contracts a Tron transaction carries (exactly one per transaction here).</summary>
public abstract record TronContract(TronAddress Owner)
{
    /// <summary>Transaction.Contract.ContractType.</summary>
    internal abstract int TypeNumber { get; }
    internal abstract string TypeName { get; }
    internal abstract byte[] EncodeParameter();
}

/// <summary>TransferContract: moves <paramref name="Amount"/> sun (1 TRX = 1,000,000 sun).</summary>
public sealed record TronTransfer(TronAddress Owner, TronAddress To, long Amount) : TronContract(Owner)
{
    internal override int TypeNumber => 1;
    internal override string TypeName => "TransferContract";

    internal override byte[] EncodeParameter() =>
        new ProtoWriter().Bytes(1, Owner.ToBytes21()).Bytes(2, To.ToBytes21()).Varint(3, Amount).ToArray();
}

/// <summary>TriggerSmartContract: calls a contract with ABI-encoded <paramref name="Data"/>.</summary>
public sealed record TronTrigger(TronAddress Owner, TronAddress Contract, byte[] Data, long CallValue = 0) : TronContract(Owner)
{
    internal override int TypeNumber => 31;
    internal override string TypeName => "TriggerSmartContract";

    internal override byte[] EncodeParameter() =>
        new ProtoWriter().Bytes(1, Owner.ToBytes21()).Bytes(2, Contract.ToBytes21()).Varint(3, CallValue).Bytes(4, Data).ToArray();
}

/// <summary>CreateSmartContract: deploys <paramref name="Bytecode"/> (creation code with its ABI-encoded constructor arguments appended).</summary>
public sealed record TronCreateContract(TronAddress Owner, byte[] Bytecode, string Name, TronAbi? Abi, long ConsumeUserResourcePercent = 100,
    long OriginEnergyLimit = 10_000_000, long CallValue = 0) : TronContract(Owner)
{
    internal override int TypeNumber => 30;
    internal override string TypeName => "CreateSmartContract";

    internal override byte[] EncodeParameter()
    {
        var smart = new ProtoWriter().Bytes(1, Owner.ToBytes21());
        if (Abi is not null) smart.Message(3, Abi.Encode());
        smart.Bytes(4, Bytecode).Varint(5, CallValue).Varint(6, ConsumeUserResourcePercent).String(7, Name).Varint(8, OriginEnergyLimit);
        return new ProtoWriter().Bytes(1, Owner.ToBytes21()).Message(2, smart.ToArray()).ToArray();
    }
}

/// <summary>The ABI carried in a CreateSmartContract (SmartContract.ABI), built from a Solidity JSON ABI.</summary>
public sealed class TronAbi
{
    private static readonly string[] EntryTypes = ["", "constructor", "function", "event", "fallback", "receive", "error"];
    private static readonly string[] Mutabilities = ["", "pure", "view", "nonpayable", "payable"];
    private readonly byte[] _encoded;

    private TronAbi(byte[] encoded) => _encoded = encoded;

    public byte[] Encode() => [.. _encoded];

    /// <summary>Parses a Solidity JSON ABI (an array of entries); throws InvalidArgument for an unknown entry type.</summary>
    public static TronAbi FromJson(JsonElement abi)
    {
        if (abi.ValueKind != JsonValueKind.Array) throw new TronException(TronErrorCode.InvalidArgument, "an ABI is a JSON array");
        var all = new ProtoWriter();
        foreach (var entry in abi.EnumerateArray())
        {
            var e = new ProtoWriter()
                .Bool(1, Flag(entry, "anonymous"))
                .Bool(2, Flag(entry, "constant"))
                .String(3, Text(entry, "name"));
            foreach (var p in Params(entry, "inputs")) e.Message(4, p);
            foreach (var p in Params(entry, "outputs")) e.Message(5, p);
            var type = Text(entry, "type") ?? "function";
            var typeIndex = Array.IndexOf(EntryTypes, type);
            if (typeIndex <= 0) throw new TronException(TronErrorCode.InvalidArgument, $"unknown ABI entry type '{type}'");
            e.Varint(6, typeIndex).Bool(7, Flag(entry, "payable"));
            var mutability = Text(entry, "stateMutability");
            if (mutability is not null)
            {
                var m = Array.IndexOf(Mutabilities, mutability);
                if (m <= 0) throw new TronException(TronErrorCode.InvalidArgument, $"unknown stateMutability '{mutability}'");
                e.Varint(8, m);
            }
            all.Message(1, e.ToArray());
        }
        return new TronAbi(all.ToArray());
    }

    private static IEnumerable<byte[]> Params(JsonElement entry, string name)
    {
        if (!entry.TryGetProperty(name, out var list) || list.ValueKind != JsonValueKind.Array) yield break;
        foreach (var p in list.EnumerateArray())
        {
            yield return new ProtoWriter().Bool(1, Flag(p, "indexed")).String(2, Text(p, "name")).String(3, Text(p, "type")).ToArray();
        }
    }

    private static bool Flag(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;
    private static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>
/// TAPOS reference to a recent block: the low two bytes of its number and bytes 8..16 of its id. A transaction is valid
/// only while that block is among the node's last 65,536 and until its expiration.
/// </summary>
public sealed record TronBlockRef(long Number, string BlockId, long Timestamp)
{
    public byte[] RefBlockBytes
    {
        get
        {
            var number = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(number, Number);
            return number[6..8];
        }
    }

    public byte[] RefBlockHash => Convert.FromHexString(BlockId)[8..16];
}

/// <summary>Transaction.raw: the signed part of a Tron transaction. Its SHA-256 is the txID.</summary>
public sealed record TronRawTransaction(TronContract Contract, byte[] RefBlockBytes, byte[] RefBlockHash, long Expiration, long Timestamp, long FeeLimit, byte[]? Memo = null)
{
    /// <summary>Builds a raw transaction that references <paramref name="reference"/> and expires <paramref name="lifetime"/> after it (Tron allows up to 24 h).</summary>
    public static TronRawTransaction Create(TronContract contract, TronBlockRef reference, TimeSpan lifetime, long feeLimit, long? timestamp = null)
    {
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(reference);
        if (lifetime <= TimeSpan.Zero || lifetime > TimeSpan.FromHours(24))
            throw new TronException(TronErrorCode.InvalidArgument, $"a Tron transaction lives between 0 and 24 hours after its reference block, not {lifetime}");
        if (feeLimit < 0) throw new TronException(TronErrorCode.InvalidArgument, "the fee limit cannot be negative");
        return new TronRawTransaction(contract, reference.RefBlockBytes, reference.RefBlockHash, reference.Timestamp + (long)lifetime.TotalMilliseconds,
            timestamp ?? reference.Timestamp, feeLimit);
    }

    public byte[] Encode()
    {
        var any = new ProtoWriter().String(1, "type.googleapis.com/protocol." + Contract.TypeName).Bytes(2, Contract.EncodeParameter()).ToArray();
        var contract = new ProtoWriter().Varint(1, Contract.TypeNumber).Message(2, any).ToArray();
        return new ProtoWriter()
            .Bytes(1, RefBlockBytes)
            .Bytes(4, RefBlockHash)
            .Varint(8, Expiration)
            .Bytes(10, Memo ?? [])
            .Message(11, contract)
            .Varint(14, Timestamp)
            .Varint(18, FeeLimit)
            .ToArray();
    }

    /// <summary>Signs SHA-256(raw_data) with the owner's key (r || s || v, v = 27 + recovery id, as java-tron and TronWeb write it).</summary>
    public TronSignedTransaction Sign(EvmPrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (TronAddress.FromPublicKey(key.PublicKey) != Contract.Owner)
            throw new TronException(TronErrorCode.InvalidArgument, $"the key controls {TronAddress.FromPublicKey(key.PublicKey)}, the transaction's owner is {Contract.Owner}");
        return WithSignature(key.Sign(TxIdDigest()));
    }

    /// <summary>The digest every signer of this transaction signs: SHA-256(raw_data), which is also its txID.</summary>
    public byte[] TxIdDigest() => SHA256.HashData(Encode());

    /// <summary>
    /// This transaction with a signature made elsewhere (a KMS or HSM) over <see cref="TxIdDigest"/>. Refused with
    /// <see cref="TronErrorCode.InvalidArgument"/> unless the signature recovers to the contract's owner.
    /// </summary>
    public TronSignedTransaction WithSignature(EvmSignature signature)
    {
        var raw = Encode();
        var txId = SHA256.HashData(raw);
        byte[] sig = [.. signature.R.ToBigEndian32(), .. signature.S.ToBigEndian32(), (byte)(27 + signature.RecoveryId)];
        var signed = new TronSignedTransaction(raw, Convert.ToHexStringLower(txId), sig, Expiration);
        if (!signed.IsSignedBy(Contract.Owner))
            throw new TronException(TronErrorCode.InvalidArgument, $"the signature does not recover to the transaction's owner {Contract.Owner}");
        return signed;
    }
}

/// <summary>
/// A signed transaction, identified by its <see cref="TxId"/>. The same bytes may be rebroadcast until
/// <see cref="Expiration"/> (ms since the epoch, compared with block timestamps); after that it can never land.
/// </summary>
public sealed record TronSignedTransaction(byte[] RawData, string TxId, byte[] Signature, long Expiration)
{
    /// <summary>The whole Transaction protobuf (raw_data and signature) as /wallet/broadcasthex takes it.</summary>
    public byte[] ToProtobuf() => new ProtoWriter().Message(1, RawData).Bytes(2, Signature).ToArray();

    /// <summary>Checks that the signature recovers to <paramref name="owner"/> over SHA-256(raw_data).</summary>
    public bool IsSignedBy(TronAddress owner)
    {
        if (Signature.Length != 65) return false;
        var digest = SHA256.HashData(RawData);
        var v = Signature[64] >= 27 ? Signature[64] - 27 : Signature[64];
        try
        {
            var evm = Secp256k1.RecoverAddress(digest, new EvmSignature(UInt256.FromBigEndian(Signature.AsSpan(0, 32)), UInt256.FromBigEndian(Signature.AsSpan(32, 32)), (byte)v));
            return new TronAddress(evm) == owner;
        }
        catch (EvmException)
        {
            return false;
        }
    }
}
