using System.Numerics;
using System.Text;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Sharemint.Chains.Evm;
using Xunit;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>Codecs against published vectors (Keccak, RLP wiki, EIP-55, EIP-155, RFC 6979, Solidity ABI spec).</summary>
public sealed class CodecVectorTests
{
    [Theory]
    [InlineData("", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")]
    [InlineData("abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")]
    [InlineData("The quick brown fox jumps over the lazy dog", "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")]
    public void Keccak256_matches_known_digests(string input, string expected)
    {
        Assert.Equal(expected, Convert.ToHexStringLower(Keccak256.Hash(input)));
    }

    [Fact]
    public void Keccak256_gives_the_erc20_transfer_topic()
    {
        Assert.Equal("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", Convert.ToHexStringLower(Keccak256.Hash("Transfer(address,address,uint256)")));
    }

    public static TheoryData<string, string> RlpVectors()
    {
        var lorem = "Lorem ipsum dolor sit amet, consectetur adipisicing elit";
        return new TheoryData<string, string>
        {
            { "dog", "83646f67" },
            { "", "80" },
            { "\u000f", "0f" },
            { lorem, "b838" + Convert.ToHexStringLower(Encoding.ASCII.GetBytes(lorem)) },
        };
    }

    [Theory]
    [MemberData(nameof(RlpVectors))]
    public void Rlp_encodes_strings_like_the_spec_examples(string text, string expectedHex)
    {
        var encoded = Rlp.Encode(RlpItem.String(Encoding.ASCII.GetBytes(text)));
        Assert.Equal(expectedHex, Convert.ToHexStringLower(encoded));
        var decoded = Assert.IsType<RlpString>(Rlp.Decode(encoded));
        Assert.Equal(text, Encoding.ASCII.GetString(decoded.Bytes));
    }

    [Fact]
    public void Rlp_encodes_lists_integers_and_nested_empty_lists()
    {
        Assert.Equal("c88363617483646f67", Hex(Rlp.Encode(RlpItem.List(Str("cat"), Str("dog")))));
        Assert.Equal("c0", Hex(Rlp.Encode(RlpItem.List())));
        Assert.Equal("80", Hex(Rlp.Encode(RlpItem.Integer(0))));
        Assert.Equal("0f", Hex(Rlp.Encode(RlpItem.Integer(15))));
        Assert.Equal("820400", Hex(Rlp.Encode(RlpItem.Integer(1024))));
        // The set-theoretical representation of three: [ [], [[]], [ [], [[]] ] ]
        var three = RlpItem.List(RlpItem.List(), RlpItem.List(RlpItem.List()), RlpItem.List(RlpItem.List(), RlpItem.List(RlpItem.List())));
        Assert.Equal("c7c0c1c0c3c0c1c0", Hex(Rlp.Encode(three)));
        var decoded = Assert.IsType<RlpList>(Rlp.Decode(Convert.FromHexString("c7c0c1c0c3c0c1c0")));
        Assert.Equal(3, decoded.Items.Count);
        Assert.Equal(new UInt256(1024), Assert.IsType<RlpString>(Rlp.Decode(Convert.FromHexString("820400"))).AsInteger());
    }

    [Theory]
    [InlineData("8100")]          // single byte < 0x80 wrapped in a prefix
    [InlineData("83646f")]        // truncated
    [InlineData("83646f6700")]    // trailing byte
    [InlineData("b80100")]        // long form for a short length
    [InlineData("c3836f")]        // list payload runs short
    [InlineData("")]
    public void Rlp_refuses_non_canonical_or_truncated_input(string hex)
    {
        var error = Assert.Throws<EvmException>(() => Rlp.Decode(Convert.FromHexString(hex)));
        Assert.Equal(EvmErrorCode.InvalidRlp, error.Code);
    }

    [Theory]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    [InlineData("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")]
    [InlineData("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb")]
    [InlineData("0x52908400098527886E0F7030069857D2E4169EE7")]
    [InlineData("0x8617E340B3D01FA5F11F306F4090FD50E238070D")]
    [InlineData("0xde709f2102306220921060314715629080e2fb77")]
    [InlineData("0x27b1fdb04752bbc536007a920d24acb045561c26")]
    public void Eip55_examples_parse_and_checksum(string text)
    {
        var address = EvmAddress.Parse(text);
        var checksummed = address.ToString();
        Assert.Equal(text.ToLowerInvariant(), checksummed.ToLowerInvariant());
        if (text.Any(char.IsLower) && text[2..].Any(char.IsUpper)) Assert.Equal(text, checksummed);
        Assert.Equal(address, EvmAddress.Parse(checksummed));
    }

    [Fact]
    public void Eip55_mixed_case_with_a_wrong_checksum_is_an_error()
    {
        // One letter's case flipped in the first EIP-55 example.
        var error = Assert.Throws<EvmException>(() => EvmAddress.Parse("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));
        Assert.Equal(EvmErrorCode.InvalidAddressChecksum, error.Code);
        Assert.False(EvmAddress.TryParse("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", out _));
    }

    [Theory]
    [InlineData("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg")]
    [InlineData("")]
    public void Malformed_addresses_are_refused(string text)
    {
        Assert.Equal(EvmErrorCode.InvalidAddress, Assert.Throws<EvmException>(() => EvmAddress.Parse(text)).Code);
    }

    [Fact]
    public void UInt256_is_checked_at_both_ends()
    {
        Assert.Equal(EvmErrorCode.Overflow, Assert.Throws<EvmException>(() => UInt256.MaxValue + UInt256.One).Code);
        Assert.Equal(EvmErrorCode.Overflow, Assert.Throws<EvmException>(() => UInt256.Zero - UInt256.One).Code);
        Assert.Equal(EvmErrorCode.Overflow, Assert.Throws<EvmException>(() => new UInt256(BigInteger.One << 256)).Code);
        Assert.Equal(EvmErrorCode.Overflow, Assert.Throws<EvmException>(() => UInt256.Parse("115792089237316195423570985008687907853269984665640564039457584007913129639936")).Code);
        Assert.Equal(EvmErrorCode.InvalidArgument, Assert.Throws<EvmException>(() => UInt256.Parse("-1")).Code);
        Assert.Equal(EvmErrorCode.InvalidArgument, Assert.Throws<EvmException>(() => UInt256.Parse("1e18")).Code);
        var max = UInt256.Parse("115792089237316195423570985008687907853269984665640564039457584007913129639935");
        Assert.Equal(UInt256.MaxValue, max);
        Assert.Equal(max, UInt256.FromBigEndian(max.ToBigEndian32()));
        // 10^27 survives exactly (a double would not).
        Assert.Equal("1000000000000000000000000001", (UInt256.Parse("1000000000000000000000000000") + UInt256.One).ToString());
    }

    [Fact]
    public void Eip155_example_transaction_signs_to_the_published_bytes()
    {
        var key = EvmPrivateKey.FromHex("0x4646464646464646464646464646464646464646464646464646464646464646");
        var tx = new LegacyTransaction(1, 9, new UInt256(20_000_000_000UL), 21000,
            EvmAddress.Parse("0x3535353535353535353535353535353535353535"), UInt256.Parse("1000000000000000000"), []);
        Assert.Equal("daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53", Hex(tx.SigningHash()));
        var signed = EvmRawTransaction.Sign(tx, key);
        Assert.Equal(
            "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83",
            Hex(signed.Raw));
        Assert.Equal(EvmAddress.Parse("0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"), key.Address);
    }

    [Fact]
    public void Rfc6979_nonce_generation_matches_the_rfc_p256_sha256_vectors()
    {
        // RFC 6979 A.2.5, curve P-256, SHA-256, messages "sample" and "test".
        var p256 = Org.BouncyCastle.Asn1.Nist.NistNamedCurves.GetByName("P-256");
        var domain = new ECDomainParameters(p256.Curve, p256.G, p256.N, p256.H);
        var d = new BcBigInteger("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721", 16);
        var (r1, s1, _) = Secp256k1.SignDeterministic(domain, d, Sha256("sample"));
        Assert.Equal("efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716", r1.ToString(16).PadLeft(64, '0'));
        Assert.Equal("f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8", s1.ToString(16).PadLeft(64, '0'));
        var (r2, s2, _) = Secp256k1.SignDeterministic(domain, d, Sha256("test"));
        Assert.Equal("f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367", r2.ToString(16).PadLeft(64, '0'));
        Assert.Equal("019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083", s2.ToString(16).PadLeft(64, '0'));
    }

    [Fact]
    public void Secp256k1_signatures_are_deterministic_low_s_and_recoverable()
    {
        var key = EvmPrivateKey.FromHex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        Assert.Equal(EvmAddress.Parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"), key.Address);
        var halfN = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber) / 2;
        for (var i = 0; i < 32; i++)
        {
            var digest = Keccak256.Hash($"message {i}");
            var signature = key.Sign(digest);
            Assert.Equal(signature, key.Sign(digest));
            Assert.True(signature.S.Value <= halfN, "S must be in the lower half of the order");
            Assert.Equal(key.Address, Secp256k1.RecoverAddress(digest, signature));
            var flipped = signature with { RecoveryId = (byte)(1 - signature.RecoveryId) };
            Assert.NotEqual(key.Address, Secp256k1.RecoverAddress(digest, flipped));
        }
        Assert.Equal(EvmErrorCode.InvalidSignature,
            Assert.Throws<EvmException>(() => Secp256k1.RecoverPublicKey(new byte[32], new EvmSignature(UInt256.Zero, UInt256.One, 0))).Code);
    }

    [Fact]
    public void Secp256k1_matches_the_widely_published_satoshi_nakamoto_vector()
    {
        // Private key 1, SHA-256("Satoshi Nakamoto"): the RFC 6979 secp256k1 vector used across Bitcoin libraries.
        var key = EvmPrivateKey.FromHex("0x0000000000000000000000000000000000000000000000000000000000000001");
        var signature = key.Sign(Sha256("Satoshi Nakamoto"));
        Assert.Equal("934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8", Hex(signature.R.ToBigEndian32()));
        Assert.Equal("2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5", Hex(signature.S.ToBigEndian32()));
    }

    [Fact]
    public void Eip1559_transaction_recovers_to_its_signer()
    {
        var key = EvmPrivateKey.FromHex("0x4646464646464646464646464646464646464646464646464646464646464646");
        var tx = new Eip1559Transaction(8453, 3, new UInt256(1_000_000_000UL), new UInt256(30_000_000_000UL), 60000,
            EvmAddress.Parse("0x3535353535353535353535353535353535353535"), UInt256.One, [1, 2, 3]);
        var signed = EvmRawTransaction.Sign(tx, key);
        Assert.Equal(0x02, signed.Raw[0]);
        var fields = Assert.IsType<RlpList>(Rlp.Decode(signed.Raw.AsSpan(1)));
        Assert.Equal(12, fields.Items.Count);
        Assert.Equal(new UInt256(8453), ((RlpString)fields.Items[0]).AsInteger());
        var signature = new EvmSignature(((RlpString)fields.Items[10]).AsInteger(), ((RlpString)fields.Items[11]).AsInteger(),
            (byte)((RlpString)fields.Items[9]).AsInteger().ToUInt64());
        Assert.Equal(key.Address, Secp256k1.RecoverAddress(tx.SigningHash(), signature));
        Assert.Equal(new Hash32(Keccak256.Hash(signed.Raw)), signed.Hash);
    }

    [Fact]
    public void Abi_encodes_the_solidity_spec_examples()
    {
        var baz = AbiCodec.Encode([AbiType.Parse("uint32"), AbiType.Parse("bool")], [69, true]);
        Assert.Equal("cdcd77c0", Hex(Keccak256.Hash("baz(uint32,bool)")[..4]));
        Assert.Equal(new string('0', 62) + "45" + new string('0', 63) + "1", Hex(baz));

        var sam = AbiCodec.Encode([AbiType.Parse("bytes"), AbiType.Parse("bool"), AbiType.Parse("uint256[]")],
            [Encoding.ASCII.GetBytes("dave"), true, new object[] { 1, 2, 3 }]);
        var expected =
            "0000000000000000000000000000000000000000000000000000000000000060" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "00000000000000000000000000000000000000000000000000000000000000a0" +
            "0000000000000000000000000000000000000000000000000000000000000004" +
            "6461766500000000000000000000000000000000000000000000000000000000" +
            "0000000000000000000000000000000000000000000000000000000000000003" +
            "0000000000000000000000000000000000000000000000000000000000000001" +
            "0000000000000000000000000000000000000000000000000000000000000002" +
            "0000000000000000000000000000000000000000000000000000000000000003";
        Assert.Equal(expected, Hex(sam));
        var decoded = AbiCodec.Decode([AbiType.Parse("bytes"), AbiType.Parse("bool"), AbiType.Parse("uint256[]")], Convert.FromHexString(expected));
        Assert.Equal("dave", Encoding.ASCII.GetString((byte[])decoded[0]));
        Assert.True((bool)decoded[1]);
        Assert.Equal(new object[] { new UInt256(1), new UInt256(2), new UInt256(3) }, ((IReadOnlyList<object>)decoded[2]).ToArray());
    }

    [Fact]
    public void Abi_round_trips_strings_addresses_and_arrays_and_refuses_bad_values()
    {
        var types = new[] { AbiType.Parse("string"), AbiType.Parse("address[]"), AbiType.Parse("bytes32"), AbiType.Parse("uint64") };
        var who = EvmAddress.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        var op = Hash32.FromKey("op-1");
        var data = AbiCodec.Encode(types, ["Tesla xStock", new object[] { who, who }, op, ulong.MaxValue]);
        var values = AbiCodec.Decode(types, data);
        Assert.Equal("Tesla xStock", values[0]);
        Assert.Equal(new object[] { who, who }, ((IReadOnlyList<object>)values[1]).ToArray());
        Assert.Equal(op, values[2]);
        Assert.Equal(new UInt256(ulong.MaxValue), values[3]);

        Assert.Equal(EvmErrorCode.Overflow, Assert.Throws<EvmException>(() => AbiCodec.Encode([AbiType.Parse("uint64")], [new UInt256(BigInteger.One << 64)])).Code);
        Assert.Equal(EvmErrorCode.Overflow, Assert.Throws<EvmException>(() => AbiCodec.Encode([AbiType.Parse("uint256")], [-1])).Code);
        Assert.Equal(EvmErrorCode.InvalidAbi, Assert.Throws<EvmException>(() => AbiCodec.Encode([AbiType.Parse("address")], [42])).Code);
        Assert.Equal(EvmErrorCode.InvalidAbi, Assert.Throws<EvmException>(() => AbiCodec.Decode(types, data.AsSpan(0, 40))).Code);
        Assert.Equal(EvmErrorCode.InvalidAbi, Assert.Throws<EvmException>(() => AbiType.Parse("int256")).Code);
        var dirtyBool = new byte[32];
        dirtyBool[31] = 2;
        Assert.Equal(EvmErrorCode.InvalidAbi, Assert.Throws<EvmException>(() => AbiCodec.Decode([AbiType.Parse("bool")], dirtyBool)).Code);
    }

    [Fact]
    public void Revert_payloads_decode_to_error_string_panic_and_custom_errors()
    {
        var abi = ContractAbi.Parse("""
            [{"type":"error","name":"OperationAlreadyApplied","inputs":[{"name":"opId","type":"bytes32"}]}]
            """, SharemintTokenErrors.Translate);
        var reason = abi.Decode([.. Keccak256.Hash("Error(string)")[..4], .. AbiCodec.Encode([AbiType.Parse("string")], ["not allowed"])], null);
        Assert.Equal("Error", reason.ErrorName);
        Assert.Equal("not allowed", reason.Reason);

        var panic = abi.Decode([.. Keccak256.Hash("Panic(uint256)")[..4], .. new UInt256(0x11).ToBigEndian32()], null);
        Assert.Equal("Panic", panic.ErrorName);
        Assert.Equal(new UInt256(0x11), panic.Arguments[0]);

        var op = Hash32.FromKey("op");
        var custom = abi.Decode([.. Keccak256.Hash("OperationAlreadyApplied(bytes32)")[..4], .. op.ToArray()], "0xabc");
        var typed = Assert.IsType<OperationAlreadyAppliedException>(custom);
        Assert.Equal(op, typed.OperationId);
        Assert.Equal(EvmErrorCode.Reverted, typed.Code);

        var unknown = abi.Decode([1, 2, 3, 4, 5], null);
        Assert.Equal("unknown", unknown.ErrorName);
        Assert.Equal("empty", abi.Decode([], null).ErrorName);
    }

    [Fact]
    public void Hex_and_quantities_are_strict()
    {
        Assert.Equal(EvmErrorCode.InvalidHex, Assert.Throws<EvmException>(() => EvmHex.Decode("0x123")).Code);
        Assert.Equal(EvmErrorCode.InvalidHex, Assert.Throws<EvmException>(() => EvmHex.Decode("0xzz")).Code);
        Assert.Equal(EvmErrorCode.InvalidHex, Assert.Throws<EvmException>(() => EvmHex.DecodeQuantity("12")).Code);
        Assert.Equal("0x0", EvmHex.EncodeQuantity(BigInteger.Zero));
        Assert.Equal("0x400", EvmHex.EncodeQuantity(new BigInteger(1024)));
        Assert.Equal(new BigInteger(1024), EvmHex.DecodeQuantity("0x400"));
        Assert.Equal(EvmErrorCode.InvalidKey, Assert.Throws<EvmException>(() => EvmPrivateKey.FromHex("0x" + new string('0', 64))).Code);
        Assert.Equal(EvmErrorCode.InvalidKey, Assert.Throws<EvmException>(() => EvmPrivateKey.FromHex("0x01")).Code);
    }

    private static RlpItem Str(string s) => RlpItem.String(Encoding.ASCII.GetBytes(s));
    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static byte[] Sha256(string text)
    {
        var digest = new Sha256Digest();
        var input = Encoding.ASCII.GetBytes(text);
        digest.BlockUpdate(input, 0, input.Length);
        var output = new byte[32];
        digest.DoFinal(output, 0);
        return output;
    }
}
