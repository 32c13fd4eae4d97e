using Microsoft.Extensions.Configuration;
using Sharemint.Compliance;
using Sharemint.Errors;

namespace Sharemint.Signers.Tests;

/// <summary>Tron addresses and configuration entries, checked without a node.</summary>
public sealed class TronConfigurationTests
{
    /// <summary>anvil's first account as Tron writes it (the local node's genesis account).</summary>
    private const string Genesis = "TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaG";

    private const string Key = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    [Fact]
    public void Tron_addresses_are_base58check_with_the_0x41_prefix()
    {
        Assert.Equal(ChainAddress.Family.Tron, ChainAddress.FamilyOf("tron"));
        Assert.Equal(Genesis, ChainAddress.Canonicalize("tron", Genesis));
        // A bad checksum, a valid base58check with Bitcoin's 0x00 prefix, hex, and garbage are refused.
        foreach (var bad in new[] { "TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaH", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "41f39fd6e51aad88f6f4ce6ab8827279cfffb92266", "T0O0Il", "" })
        {
            Assert.Equal(LedgerError.AddressInvalid, Assert.Throws<LedgerException>(() => ChainAddress.Canonicalize("tron", bad)).Error);
        }
        // A Tron address is no EVM address.
        Assert.Equal(LedgerError.AddressInvalid, Assert.Throws<LedgerException>(() => ChainAddress.Canonicalize("ethereum", Genesis)).Error);
    }

    [Fact]
    public void A_tron_entry_needs_the_tron_family_a_secp256k1_key_and_sane_limits()
    {
        static IReadOnlyDictionary<string, ChainOptions> Read(params (string Key, string Value)[] entries) =>
            ChainOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(
                entries.Select(e => KeyValuePair.Create<string, string?>("Sharemint:Chains:tron:" + e.Key, e.Value))).Build());

        var ok = Read(("Family", "tron"), ("RpcUrl", "http://127.0.0.1:18090"), ("PrivateKey", Key), ("FeeLimit", "50000000"));
        Assert.Equal(50_000_000, ok["tron"].FeeLimit);
        Assert.Equal(60, ok["tron"].TransactionLifetimeSeconds);
        Assert.Equal(ChainOptions.DefaultTronFeeLimit, Read(("Family", "tron"), ("RpcUrl", "http://127.0.0.1:18090"), ("PrivateKey", Key))["tron"].FeeLimit);

        foreach (var (entries, key) in new[]
        {
            (new[] { ("Family", "evm"), ("RpcUrl", "http://127.0.0.1:18090"), ("PrivateKey", Key) }, "Family"),
            (new[] { ("Family", "tron"), ("RpcUrl", "ftp://x"), ("PrivateKey", Key) }, "RpcUrl"),
            (new[] { ("Family", "tron"), ("RpcUrl", "http://127.0.0.1:18090"), ("PrivateKey", "12") }, "PrivateKey"),
            (new[] { ("Family", "tron"), ("RpcUrl", "http://127.0.0.1:18090"), ("PrivateKey", Key), ("FeeLimit", "0") }, "FeeLimit"),
            (new[] { ("Family", "tron"), ("RpcUrl", "http://127.0.0.1:18090"), ("PrivateKey", Key), ("TransactionLifetimeSeconds", "90000") }, "TransactionLifetimeSeconds"),
        })
        {
            var e = Assert.Throws<LedgerException>(() => Read(entries));
            Assert.Equal(LedgerError.InvalidArgument, e.Error);
            Assert.Contains($"Sharemint:Chains:tron:{key}", e.Message, StringComparison.Ordinal);
        }
    }
}
