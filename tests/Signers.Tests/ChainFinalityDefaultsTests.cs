using Microsoft.Extensions.Configuration;
using Sharemint.Signers;

namespace Sharemint.Signers.Tests;

/// <summary>Behaviour 10 of issue 11: no EVM chain is final at one confirmation unless told so (or a local dev chain).</summary>
public sealed class ChainFinalityDefaultsTests
{
    private static ChainOptions Read(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["Sharemint:Chains:bnb:Family"] = "evm",
            ["Sharemint:Chains:bnb:RpcUrl"] = "http://127.0.0.1:1/",
            ["Sharemint:Chains:bnb:PrivateKey"] = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
        };
        foreach (var (key, value) in settings)
        {
            values[$"Sharemint:Chains:bnb:{key}"] = value;
        }
        return ChainOptions.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build())["bnb"];
    }

    [Theory]
    [InlineData("1")]
    [InlineData("56")]
    [InlineData("8453")]
    public void A_real_chain_without_a_setting_waits_a_safe_depth(string chainId)
    {
        var options = Read(("ChainId", chainId));
        Assert.Equal(ChainOptions.SafeConfirmations, options.Confirmations);
        Assert.True(options.Confirmations > 1);
    }

    [Fact]
    public void A_local_development_chain_is_final_at_one_block_and_settings_win()
    {
        Assert.Equal(1, Read(("ChainId", "31337")).Confirmations);
        Assert.Equal(1, Read(("ChainId", "8453"), ("Confirmations", "1")).Confirmations);
        Assert.Equal(ChainOptions.FinalizedTag, Read(("ChainId", "1"), ("Finality", "finalized")).Finality);
    }
}
