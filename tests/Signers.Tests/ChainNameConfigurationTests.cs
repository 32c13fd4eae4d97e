using Microsoft.Extensions.Configuration;
using Sharemint.Compliance;
using Sharemint.Errors;

namespace Sharemint.Signers.Tests;

/// <summary>Chain names beyond the well-known ones are declared by configuration; a name never changes family.</summary>
public sealed class ChainNameConfigurationTests
{
    private const string Key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    private static IReadOnlyDictionary<string, ChainOptions> Read(string chain, string family, params (string Key, string Value)[] more) =>
        ChainOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Sharemint:Chains:{chain}:Family"] = family,
            [$"Sharemint:Chains:{chain}:RpcUrl"] = "http://127.0.0.1:8545",
            [$"Sharemint:Chains:{chain}:ChainId"] = "5000",
            [$"Sharemint:Chains:{chain}:PrivateKey"] = Key,
        }.Concat(more.Select(m => KeyValuePair.Create<string, string?>($"Sharemint:Chains:{chain}:{m.Key}", m.Value)))).Build());

    [Fact]
    public void A_configured_evm_chain_name_becomes_known_with_its_family_and_its_addresses()
    {
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => ChainAddress.FamilyOf("zora-local")).Error);
        Assert.Equal(5000UL, Read("zora-local", "evm")["zora-local"].ChainId);
        Assert.Equal(ChainAddress.Family.Evm, ChainAddress.FamilyOf("zora-local"));
        Assert.Equal("0x70997970c51812dc3a010c7d01b50e0d17dc79c8", ChainAddress.Canonicalize("zora-local", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
        Assert.Equal(LedgerError.AddressInvalid, Assert.Throws<LedgerException>(() => ChainAddress.Canonicalize("zora-local", "TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaG")).Error);
        // Reading the same configuration again is fine: registration is idempotent.
        Assert.Single(Read("zora-local", "evm"));
    }

    [Fact]
    public void A_name_keeps_its_family_and_a_bad_name_or_family_is_refused_naming_the_entry()
    {
        // A well-known name cannot be declared as another family, nor can a configured one change family.
        var wellKnown = Assert.Throws<LedgerException>(() => Read("solana", "evm"));
        Assert.Contains("Sharemint:Chains:solana:Family", wellKnown.Message, StringComparison.Ordinal);
        Read("scroll-local", "evm");
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => ChainAddress.Register("scroll-local", ChainAddress.Family.Solana)).Error);
        Assert.Equal(ChainAddress.Family.Evm, ChainAddress.FamilyOf("scroll-local"));
        // An unknown name with no family (or a family that does not exist) stays unknown.
        var cosmos = Assert.Throws<LedgerException>(() => Read("linea-local", "cosmos"));
        Assert.Equal(LedgerError.InvalidArgument, cosmos.Error);
        Assert.Contains("Sharemint:Chains:linea-local:Family", cosmos.Message, StringComparison.Ordinal);
        Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => ChainAddress.FamilyOf("linea-local")).Error);
        // Names are lower-case letters, digits and '-', as the API and the metrics labels carry them.
        foreach (var bad in new[] { "Ink", "ink sepolia", "ink/1", "", new string('a', 33) })
        {
            Assert.Equal(LedgerError.InvalidArgument, Assert.Throws<LedgerException>(() => ChainAddress.Register(bad, ChainAddress.Family.Evm)).Error);
        }
    }

    [Fact]
    public void Fallback_rpc_urls_and_a_fee_cap_are_read_and_validated_naming_the_entry()
    {
        var options = Read("bnb", "evm", ("FallbackRpcUrls", "https://bsc-a.example/rpc, https://bsc-b.example/"), ("MaxFeePerGasGwei", "3.5"), ("MaxFeeReplacements", "4"))["bnb"];
        Assert.Equal(4, options.MaxFeeReplacements);
        Assert.Equal([new Uri("https://bsc-a.example/rpc"), new Uri("https://bsc-b.example/")], options.FallbackEndpoints);
        Assert.Equal(Sharemint.Chains.Evm.UInt256.Parse("3500000000"), options.MaxFeePerGasCap);
        var plain = Read("bnb", "evm")["bnb"];
        Assert.Empty(plain.FallbackEndpoints);
        Assert.Null(plain.MaxFeePerGasCap);
        Assert.Equal(ChainOptions.DefaultMaxFeeReplacements, plain.MaxFeeReplacements);

        foreach (var (key, value) in new[] { ("FallbackRpcUrls", "https://ok.example/,ftp://bad"), ("MaxFeePerGasGwei", "0"), ("MaxFeePerGasGwei", "lots"), ("MaxFeeReplacements", "-1"), ("MaxFeeReplacements", "many") })
        {
            var e = Assert.Throws<LedgerException>(() => Read("bnb", "evm", (key, value)));
            Assert.Equal(LedgerError.InvalidArgument, e.Error);
            Assert.Contains($"Sharemint:Chains:bnb:{key}", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Solana_priority_fees_and_fallback_urls_are_read_capped_and_refused_elsewhere_naming_the_entry()
    {
        var secret = Sharemint.Chains.Solana.Base58.Encode(Sharemint.Chains.Solana.Keypair.Generate().SecretKey());
        var solana = Read("solana", "solana", ("Keypair", secret), ("ComputeUnitPriceMicroLamports", "3000"), ("MaxComputeUnitPriceMicroLamports", "2000"),
            ("FallbackRpcUrls", "https://sol-b.example/"))["solana"];
        Assert.Equal(2000UL, solana.PriorityFees.Choose([]));
        Assert.Equal([new Uri("https://sol-b.example/")], solana.FallbackEndpoints);
        var market = Read("solana", "solana", ("Keypair", secret))["solana"];
        Assert.Null(market.ComputeUnitPriceMicroLamports);
        Assert.Equal(Sharemint.Chains.Solana.PriorityFeePolicy.DefaultMaxMicroLamports, market.MaxComputeUnitPriceMicroLamports);

        foreach (var (key, value) in new[] { ("ComputeUnitPriceMicroLamports", "-1"), ("MaxComputeUnitPriceMicroLamports", "lots") })
        {
            var e = Assert.Throws<LedgerException>(() => Read("solana", "solana", ("Keypair", secret), (key, value)));
            Assert.Contains($"Sharemint:Chains:solana:{key}", e.Message, StringComparison.Ordinal);
        }
        var evm = Assert.Throws<LedgerException>(() => Read("bnb", "evm", ("ComputeUnitPriceMicroLamports", "10")));
        Assert.Contains("Sharemint:Chains:bnb:ComputeUnitPriceMicroLamports", evm.Message, StringComparison.Ordinal);
    }
}
