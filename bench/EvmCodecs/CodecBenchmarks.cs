using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Sharemint.Chains.Evm;

namespace Sharemint.EvmCodecs;

/// <summary>
/// Each category has a baseline measured in the same run:
/// sign — plain BouncyCastle ECDSA (RFC 6979) on the same digest, vs our signature with low-S and recovery id, vs a whole EIP-1559 transaction;
/// rlp — System.Text.Json serialising the same transaction fields, vs our RLP encoding of the signed transaction;
/// abi — System.Text.Json serialising the same 250 recipients and amounts, vs our ABI encoding of mintBatch calldata (and its decoding).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CodecBenchmarks
{
    private readonly EvmPrivateKey _key = EvmPrivateKey.FromHex("0x4646464646464646464646464646464646464646464646464646464646464646");
    private readonly ECPrivateKeyParameters _bcKey;
    private readonly byte[] _digest = Keccak256.Hash("benchmark digest");
    private readonly Eip1559Transaction _transaction;
    private readonly EvmSignature _signature;
    private readonly AbiFunction _mintBatch;
    private readonly List<EvmAddress> _recipients;
    private readonly List<UInt256> _amounts;
    private readonly object[] _mintBatchArguments;
    private readonly byte[] _calldata;
    private readonly string[] _recipientsText;
    private readonly string[] _amountsText;

    public CodecBenchmarks()
    {
        var curve = CustomNamedCurves.GetByName("secp256k1");
        _bcKey = new ECPrivateKeyParameters(new Org.BouncyCastle.Math.BigInteger(1, Enumerable.Repeat((byte)0x46, 32).ToArray()),
            new ECDomainParameters(curve.Curve, curve.G, curve.N, curve.H));
        _recipients = Enumerable.Range(0, 250).Select(i => new EvmAddress(Keccak256.Hash($"holder {i}").AsSpan(12))).ToList();
        _amounts = Enumerable.Range(1, 250).Select(i => new UInt256((ulong)i) * SharemintToken.MultiplierOne).ToList();
        _mintBatch = ContractAbi.Parse("""
            [{"type":"function","name":"mintBatch","stateMutability":"nonpayable","outputs":[],
              "inputs":[{"name":"to","type":"address[]"},{"name":"amounts","type":"uint256[]"},{"name":"opId","type":"bytes32"}]}]
            """).Function("mintBatch");
        _mintBatchArguments = [_recipients.Cast<object>().ToList(), _amounts.Cast<object>().ToList(), Hash32.FromKey("op")];
        _calldata = _mintBatch.EncodeCall(_mintBatchArguments);
        _transaction = new Eip1559Transaction(8453, 42, new UInt256(1_000_000_000UL), new UInt256(30_000_000_000UL), 120_000,
            _recipients[0], UInt256.Zero, _mintBatch.EncodeCall([_recipients.Take(1).Cast<object>().ToList(), _amounts.Take(1).Cast<object>().ToList(), Hash32.FromKey("op")]));
        _signature = _key.Sign(_transaction.SigningHash());
        _recipientsText = _recipients.Select(r => r.ToString()).ToArray();
        _amountsText = _amounts.Select(a => a.ToString()).ToArray();
    }

    [Benchmark(Baseline = true, Description = "BouncyCastle ECDSA sign (baseline)"), BenchmarkCategory("sign")]
    public Org.BouncyCastle.Math.BigInteger[] BouncyCastleSign()
    {
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, _bcKey);
        return signer.GenerateSignature(_digest);
    }

    [Benchmark(Description = "secp256k1 sign, low-S + recovery id"), BenchmarkCategory("sign")]
    public EvmSignature Sign() => _key.Sign(_digest);

    [Benchmark(Description = "EIP-1559 tx: hash, sign, encode"), BenchmarkCategory("sign")]
    public EvmRawTransaction SignTransaction() => EvmRawTransaction.Sign(_transaction, _key);

    [Benchmark(Baseline = true, Description = "System.Text.Json of the tx fields (baseline)"), BenchmarkCategory("rlp")]
    public byte[] JsonTransaction() => JsonSerializer.SerializeToUtf8Bytes(new
    {
        chainId = _transaction.ChainId, nonce = _transaction.Nonce, maxPriorityFeePerGas = _transaction.MaxPriorityFeePerGas.ToString(),
        maxFeePerGas = _transaction.MaxFeePerGas.ToString(), gas = _transaction.GasLimit, to = _recipientsText[0], value = "0",
        input = Convert.ToHexString(_transaction.Data), r = _signature.R.ToString(), s = _signature.S.ToString(), v = _signature.RecoveryId,
    });

    [Benchmark(Description = "RLP encode signed EIP-1559 tx"), BenchmarkCategory("rlp")]
    public byte[] RlpTransaction() => _transaction.EncodeSigned(_signature);

    [Benchmark(Baseline = true, Description = "System.Text.Json of 250 recipients+amounts (baseline)"), BenchmarkCategory("abi")]
    public byte[] JsonBatch() => JsonSerializer.SerializeToUtf8Bytes(new { to = _recipientsText, amounts = _amountsText, opId = "op" });

    [Benchmark(Description = "ABI encode mintBatch(250)"), BenchmarkCategory("abi")]
    public byte[] AbiEncodeBatch() => _mintBatch.EncodeCall(_mintBatchArguments);

    [Benchmark(Description = "ABI decode mintBatch(250)"), BenchmarkCategory("abi")]
    public IReadOnlyList<object> AbiDecodeBatch() => AbiCodec.Decode(_mintBatch.Inputs.Select(p => p.Type).ToList(), _calldata.AsSpan(4));
}
