using System.Numerics;
using Sharemint.Chains.Evm;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>Seeded random round trips: whatever we encode decodes to the same value, and arithmetic agrees with BigInteger.</summary>
public sealed class CodecRoundTripTests
{
    [Fact]
    public void Random_rlp_trees_round_trip()
    {
        var random = new Random(20260101);
        for (var i = 0; i < 500; i++)
        {
            var item = RandomItem(random, depth: 0);
            var encoded = Rlp.Encode(item);
            Assert.Equal(encoded, Rlp.Encode(Rlp.Decode(encoded)));
        }
    }

    [Fact]
    public void Random_abi_values_round_trip()
    {
        var random = new Random(7);
        var types = new[] { "uint256", "uint64", "uint8", "address", "bool", "bytes32", "bytes", "string", "address[]", "uint256[]" }
            .Select(AbiType.Parse).ToArray();
        for (var i = 0; i < 300; i++)
        {
            var chosen = Enumerable.Range(0, random.Next(1, 6)).Select(_ => types[random.Next(types.Length)]).ToList();
            var values = chosen.Select(t => RandomValue(random, t)).ToList();
            var decoded = AbiCodec.Decode(chosen, AbiCodec.Encode(chosen, values));
            for (var j = 0; j < chosen.Count; j++) AssertSame(values[j], decoded[j]);
        }
    }

    [Fact]
    public void UInt256_arithmetic_agrees_with_BigInteger_or_refuses()
    {
        var random = new Random(11);
        for (var i = 0; i < 2000; i++)
        {
            var a = RandomUInt(random);
            var b = RandomUInt(random);
            Check(() => a + b, a.Value + b.Value);
            Check(() => a - b, a.Value - b.Value);
            Check(() => a * b, a.Value * b.Value);
            if (!b.IsZero) Check(() => a / b, a.Value / b.Value);
            Assert.Equal(a, UInt256.Parse(a.ToString()));
            Assert.Equal(a, UInt256.FromBigEndian(a.ToBigEndian32()));
        }

        static void Check(Func<UInt256> operation, BigInteger exact)
        {
            if (exact.Sign >= 0 && exact <= UInt256.MaxBig) Assert.Equal(exact, operation().Value);
            else Assert.Equal(EvmErrorCode.Overflow, Assert.Throws<EvmException>(() => operation()).Code);
        }
    }

    [Fact]
    public void Random_keys_sign_and_recover()
    {
        for (var i = 0; i < 20; i++)
        {
            var key = EvmPrivateKey.Generate();
            var digest = Keccak256.Hash($"digest {i}");
            Assert.Equal(key.Address, Secp256k1.RecoverAddress(digest, key.Sign(digest)));
            Assert.Equal(key.Address, EvmAddress.Parse(key.Address.ToString()));
            Assert.Equal(key.Address, EvmAddress.Parse(key.Address.ToString().ToLowerInvariant()));
        }
    }

    private static RlpItem RandomItem(Random random, int depth)
    {
        if (depth < 3 && random.Next(3) == 0)
            return RlpItem.List(Enumerable.Range(0, random.Next(0, 5)).Select(_ => RandomItem(random, depth + 1)));
        var length = random.Next(4) switch { 0 => 0, 1 => 1, 2 => random.Next(2, 56), _ => random.Next(56, 300) };
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return RlpItem.String(bytes);
    }

    private static UInt256 RandomUInt(Random random)
    {
        var bytes = new byte[random.Next(0, 33)];
        random.NextBytes(bytes);
        return UInt256.FromBigEndian(bytes);
    }

    private static object RandomValue(Random random, AbiType type)
    {
        switch (type.Kind)
        {
            case AbiKind.UInt:
                var bytes = new byte[random.Next(0, type.Size / 8 + 1)];
                random.NextBytes(bytes);
                return UInt256.FromBigEndian(bytes);
            case AbiKind.Address:
                return EvmPrivateKey.Generate().Address;
            case AbiKind.Bool:
                return random.Next(2) == 1;
            case AbiKind.FixedBytes:
                var word = new byte[32];
                random.NextBytes(word);
                return new Hash32(word);
            case AbiKind.Bytes:
                var blob = new byte[random.Next(0, 100)];
                random.NextBytes(blob);
                return blob;
            case AbiKind.String:
                return new string(Enumerable.Range(0, random.Next(0, 40)).Select(_ => (char)random.Next(0x20, 0x2FF)).ToArray());
            default:
                return Enumerable.Range(0, random.Next(0, 6)).Select(_ => RandomValue(random, type.Element!)).ToList();
        }
    }

    private static void AssertSame(object expected, object actual)
    {
        switch (expected)
        {
            case byte[] bytes:
                Assert.Equal(bytes, Assert.IsType<byte[]>(actual));
                break;
            case List<object> list:
                var decoded = Assert.IsAssignableFrom<IReadOnlyList<object>>(actual);
                Assert.Equal(list.Count, decoded.Count);
                for (var i = 0; i < list.Count; i++) AssertSame(list[i], decoded[i]);
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }
}
