using System.Numerics;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.Model;
using Nethereum.Signer;
using Sharemint.Chains.Evm;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>
/// Nethereum (a client we did not write) as an oracle: for generated transactions (legacy without chain id, EIP-155,
/// EIP-1559), the token's ABI calls and addresses, our RLP, signing hashes, signatures and ABI bytes equal Nethereum's.
/// </summary>
public sealed class NethereumDifferentialTests
{
    private static readonly SharemintTokenArtifact Artifact = SharemintTokenArtifact.Locate();

    private sealed record Case(EvmPrivateKey Key, string KeyHex, ulong ChainId, ulong Nonce, UInt256 GasPrice, UInt256 Tip, ulong GasLimit, EvmAddress? To, UInt256 Value, byte[] Data);

    private static UInt256 Big(System.Random r, int maxBytes)
    {
        var bytes = new byte[r.Next(0, maxBytes + 1)];
        r.NextBytes(bytes);
        return UInt256.FromBigEndian(bytes);
    }

    private static Case Make(int seed, byte[] data)
    {
        var r = new System.Random(seed);
        var keyBytes = new byte[32];
        EvmPrivateKey? key = null;
        string keyHex = "";
        while (key is null)
        {
            r.NextBytes(keyBytes);
            keyHex = Convert.ToHexStringLower(keyBytes);
            try
            {
                key = EvmPrivateKey.FromHex(keyHex);
            }
            catch (EvmException)
            {
                key = null;
            }
        }
        var to = new byte[20];
        r.NextBytes(to);
        ulong[] chains = [1, 56, 137, 8453, 31337, 728126428, (ulong)r.NextInt64(1, long.MaxValue)];
        return new Case(key, keyHex, chains[r.Next(chains.Length)], (ulong)r.NextInt64(0, long.MaxValue) >> r.Next(0, 63), Big(r, 12), Big(r, 10),
            (ulong)r.NextInt64(21_000, 30_000_000), r.Next(8) == 0 ? null : new EvmAddress(to), Big(r, 32), data);
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
    private static BigInteger B(UInt256 v) => v.Value;

    [Property(MaxTest = 300)]
    public void Eip155_legacy_transactions_equal_Nethereums(int seed, byte[]? data)
    {
        var c = Make(seed, data ?? []);
        var ours = new LegacyTransaction(c.ChainId, c.Nonce, c.GasPrice, c.GasLimit, c.To, c.Value, c.Data);
        var theirs = new Nethereum.Model.LegacyTransactionChainId(c.To?.ToString() ?? "", B(c.Value), c.Nonce, B(c.GasPrice), c.GasLimit, Hex(c.Data), c.ChainId);
        Assert.Equal(Hex(theirs.RawHash), Hex(ours.SigningHash()));
        var signed = new LegacyTransactionSigner().SignTransaction(c.KeyHex, new BigInteger(c.ChainId), c.To?.ToString() ?? "", B(c.Value), c.Nonce, B(c.GasPrice), c.GasLimit, Hex(c.Data));
        Assert.Equal(signed.Replace("0x", "", StringComparison.Ordinal), Hex(EvmRawTransaction.Sign(ours, c.Key).Raw));
    }

    [Property(MaxTest = 200)]
    public void Pre_eip155_legacy_signatures_equal_Nethereums(int seed, byte[]? data)
    {
        var c = Make(seed, data ?? []);
        // No chain id: six fields, v = 27 + recovery id. Our RLP and signer, put together by hand, against Nethereum's.
        var unsigned = new RlpItem[]
        {
            RlpItem.Integer(c.Nonce), RlpItem.Integer(c.GasPrice), RlpItem.Integer(c.GasLimit), c.To is { } to ? RlpItem.String(to.Span) : RlpItem.String([]),
            RlpItem.Integer(c.Value), RlpItem.String(c.Data),
        };
        var hash = Keccak256.Hash(Rlp.Encode(RlpItem.List(unsigned)));
        var signature = c.Key.Sign(hash);
        var ours = Rlp.Encode(RlpItem.List([.. unsigned, RlpItem.Integer((ulong)(27 + signature.RecoveryId)), RlpItem.Integer(signature.R), RlpItem.Integer(signature.S)]));
        var theirs = new Nethereum.Model.LegacyTransaction(c.To?.ToString() ?? "", B(c.Value), c.Nonce, B(c.GasPrice), c.GasLimit, Hex(c.Data));
        Assert.Equal(Hex(theirs.RawHash), Hex(hash));
        var signed = new LegacyTransactionSigner().SignTransaction(c.KeyHex, c.To?.ToString() ?? "", B(c.Value), c.Nonce, B(c.GasPrice), c.GasLimit, Hex(c.Data));
        Assert.Equal(signed.Replace("0x", "", StringComparison.Ordinal), Hex(ours));
    }

    [Property(MaxTest = 300)]
    public void Eip1559_transactions_equal_Nethereums(int seed, byte[]? data)
    {
        var c = Make(seed, data ?? []);
        var maxFee = c.GasPrice + c.Tip;
        var ours = new Eip1559Transaction(c.ChainId, c.Nonce, c.Tip, maxFee, c.GasLimit, c.To, c.Value, c.Data);
        var theirs = new Nethereum.Model.Transaction1559(c.ChainId, c.Nonce, B(c.Tip), B(maxFee), c.GasLimit, c.To?.ToString() ?? "", B(c.Value), Hex(c.Data), []);
        Assert.Equal(Hex(theirs.RawHash), Hex(ours.SigningHash()));
        var signed = new Transaction1559Signer().SignTransaction(c.KeyHex, theirs);
        Assert.Equal(signed.Replace("0x", "", StringComparison.Ordinal), Hex(EvmRawTransaction.Sign(ours, c.Key).Raw));
    }

    [Property(MaxTest = 300)]
    public void Token_abi_calls_and_addresses_equal_Nethereums(int seed, byte[]? opIdSeed, bool blocked)
    {
        var r = new System.Random(seed);
        var recipients = Enumerable.Range(0, r.Next(1, 6)).Select(_ => { var a = new byte[20]; r.NextBytes(a); return new EvmAddress(a); }).ToList();
        var amounts = recipients.Select(_ => Big(r, 32)).ToList();
        var opIdBytes = new byte[32];
        (opIdSeed ?? []).AsSpan(0, Math.Min(32, opIdSeed?.Length ?? 0)).CopyTo(opIdBytes);
        var opId = new Hash32(opIdBytes);
        var encoder = new FunctionCallEncoder();
        string Theirs(string function, (string Type, object Value)[] args)
        {
            var f = Artifact.Abi.Function(function);
            var parameters = args.Select((a, i) => new Parameter(a.Type, "p" + i, i + 1)).ToArray();
            return encoder.EncodeRequest(Hex(f.Selector), parameters, args.Select(a => a.Value).ToArray()).Replace("0x", "", StringComparison.Ordinal);
        }
        var to = recipients[0];
        var amount = amounts[0];

        Assert.Equal(Theirs("mint", [("address", to.ToString()), ("uint256", B(amount)), ("bytes32", opIdBytes)]),
            Hex(Artifact.Abi.Function("mint").EncodeCall(to, amount, opId)));
        Assert.Equal(Theirs("mintBatch", [("address[]", recipients.Select(x => x.ToString()).ToList()), ("uint256[]", amounts.Select(B).ToList()), ("bytes32", opIdBytes)]),
            Hex(Artifact.Abi.Function("mintBatch").EncodeCall(recipients.Cast<object>().ToList(), amounts.Cast<object>().ToList(), opId)));
        Assert.Equal(Theirs("burn", [("uint256", B(amount)), ("bytes32", opIdBytes)]), Hex(Artifact.Abi.Function("burn").EncodeCall(amount, opId)));
        Assert.Equal(Theirs("transfer", [("address", to.ToString()), ("uint256", B(amount))]), Hex(Artifact.Abi.Function("transfer").EncodeCall(to, amount)));
        Assert.Equal(Theirs("setBlocked", [("address", to.ToString()), ("bool", blocked)]), Hex(Artifact.Abi.Function("setBlocked").EncodeCall(to, blocked)));
        var activatesAt = (ulong)r.NextInt64();
        Assert.Equal(Theirs("setMultiplier", [("uint256", B(amount)), ("uint64", new BigInteger(activatesAt)), ("uint256", B(amounts[^1]))]),
            Hex(Artifact.Abi.Function("setMultiplier").EncodeCall(amount, activatesAt, amounts[^1])));

        // EIP-55 checksums, both ways.
        var checksummed = Nethereum.Util.AddressUtil.Current.ConvertToChecksumAddress(Hex(to.ToArray()));
        Assert.Equal(checksummed, to.ToString());
        Assert.Equal(to, EvmAddress.Parse(checksummed));
        Assert.Equal(Nethereum.Util.Sha3Keccack.Current.CalculateHash(to.ToArray()), Keccak256.Hash(to.ToArray()));
    }
}
