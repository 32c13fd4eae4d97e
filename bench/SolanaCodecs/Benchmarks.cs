using BenchmarkDotNet.Attributes;
using Org.BouncyCastle.Math.EC.Rfc8032;
using Sharemint.Chains.Solana;

namespace Sharemint.SolanaCodecs;

/// <summary>
/// Building, signing and serializing a batched mint transaction (10 holders) against the baseline of
/// a bare Ed25519 signature over the same message bytes: the difference is our compile/serialize cost.
/// </summary>
[MemoryDiagnoser]
public class SigningBenchmarks
{
    private Keypair _payer = null!;
    private byte[] _seed = null!;
    private byte[] _publicKey = null!;
    private TransactionInstruction[] _instructions = null!;
    private byte[] _messageBytes = null!;
    private byte[] _wire = null!;
    private string _blockhash = null!;

    [GlobalSetup]
    public void Setup()
    {
        _seed = Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        _payer = Keypair.FromSeed(_seed);
        _publicKey = _payer.PublicKey.Bytes.ToArray();
        _blockhash = "EETubP5AKHgjPAhzPAFcb8BAY1hMH639CWCFTqi3hq1k";
        var mint = Keypair.Generate().PublicKey;
        _instructions = Enumerable.Range(0, 10).SelectMany(_ =>
        {
            var wallet = Keypair.Generate().PublicKey;
            return new[]
            {
                AssociatedTokenProgram.CreateIdempotent(_payer.PublicKey, wallet, mint),
                Token2022Program.MintToChecked(mint, AssociatedTokenProgram.FindAddress(wallet, mint), _payer.PublicKey, 100_000_000, 8),
            };
        }).ToArray();
        var tx = Build();
        _messageBytes = tx.MessageBytes;
        _wire = tx.Serialize();
    }

    private Transaction Build() => new TransactionBuilder().SetFeePayer(_payer.PublicKey).SetRecentBlockhash(_blockhash)
        .SetComputeUnitLimit(400_000).Add(_instructions).Build(_payer);

    [Benchmark(Baseline = true, Description = "Ed25519 sign only (BouncyCastle)")]
    public byte[] SignOnly()
    {
        var sig = new byte[64];
        Ed25519.Sign(_seed, 0, _publicKey, 0, _messageBytes, 0, _messageBytes.Length, sig, 0);
        return sig;
    }

    [Benchmark(Description = "compile + sign + serialize (10-holder batch)")]
    public byte[] BuildSignSerialize() => Build().Serialize();

    [Benchmark(Description = "deserialize + verify")]
    public bool DeserializeVerify() => Transaction.Deserialize(_wire).VerifySignatures();
}

/// <summary>Address codecs: base58 and associated-token-account derivation (SHA-256 + off-curve check per bump).</summary>
[MemoryDiagnoser]
public class AddressBenchmarks
{
    private readonly PublicKey _wallet = PublicKey.Parse("FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z");
    private readonly PublicKey _mint = PublicKey.Parse("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
    private readonly string _text = "FVen3X669xLzsi6N2V91DoiyzHzg1uAgqiT8jZ9nS96Z";

    [Benchmark(Baseline = true, Description = "hex encode 32 bytes (baseline)")]
    public string HexEncode() => Convert.ToHexString(_wallet.Bytes);

    [Benchmark(Description = "base58 encode 32 bytes")]
    public string Base58Encode() => Base58.Encode(_wallet.Bytes);

    [Benchmark(Description = "base58 decode 32 bytes")]
    public byte[] Base58Decode() => Base58.Decode(_text);

    [Benchmark(Description = "associated token address")]
    public PublicKey Ata() => AssociatedTokenProgram.FindAddress(_wallet, _mint);
}
