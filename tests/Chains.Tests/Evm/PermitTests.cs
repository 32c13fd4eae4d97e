using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Sharemint.Chains.Evm;
using Xunit;

namespace Sharemint.Chains.Tests.Evm;

/// <summary>
/// ERC-2612 permit on the token with EIP-712 signatures made by cast (our code never hashes or signs the typed data):
/// a holder without gas approves, a relayer submits; expired, forged and replayed permits are refused and change nothing.
/// </summary>
[Collection(AnvilCollection.Name)]
public sealed class PermitTests(AnvilFixture fixture)
{
    [Fact]
    public async Task A_permit_signed_by_cast_sets_the_allowance_without_the_holder_paying_gas_and_cannot_be_replayed()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var (ownerHex, owner) = NewKey();
        var (spender, spenderSender) = await h.OtherAccountAsync();
        await h.Token.MintAsync(h.Sender, owner.Address, TokenHarness.Tokens(10), Hash32.FromKey("owner"));
        var deadline = (await h.Client.GetLatestBlockAsync()).Timestamp + 3600;
        var value = TokenHarness.Tokens(4);

        Assert.Equal(UInt256.Zero, await h.Token.PermitNonceAsync(owner.Address));
        var signature = await SignPermitAsync(h, ownerHex, owner.Address, spender.Address, value, UInt256.Zero, deadline);
        var permit = h.Token.PermitRequest(owner.Address, spender.Address, value, new UInt256(deadline), signature.V, signature.R, signature.S);
        await h.Sender.SendAsync(permit, "permit-1"); // the relayer (issuer) pays the gas

        Assert.Equal(value, await h.Token.AllowanceAsync(owner.Address, spender.Address));
        Assert.Equal(UInt256.One, await h.Token.PermitNonceAsync(owner.Address));
        Assert.Equal(UInt256.Zero, await h.Client.GetBalanceAsync(owner.Address));
        Assert.Equal("1", await CastRunner.FirstTokenAsync(fixture.CastBinary, "call", h.Token.Address.ToString(), "nonces(address)(uint256)",
            owner.Address.ToString(), "--rpc-url", fixture.NodeA.RpcUrl.ToString()));

        // The spender uses the allowance like any approve.
        await h.Token.TransferFromAsync(spenderSender, owner.Address, spender.Address, TokenHarness.Tokens(3), "pull");
        Assert.Equal(TokenHarness.Tokens(3), await h.Token.BalanceOfAsync(spender.Address));
        Assert.Equal(TokenHarness.Tokens(1), await h.Token.AllowanceAsync(owner.Address, spender.Address));

        // Replaying the same signature: the nonce moved on, so it recovers to someone else and is refused.
        var replay = await Assert.ThrowsAsync<ContractRevertedException>(() => h.Sender.SendAsync(permit, "permit-replay"));
        Assert.Equal("ERC2612InvalidSigner", replay.ErrorName);
        Assert.Equal(TokenHarness.Tokens(1), await h.Token.AllowanceAsync(owner.Address, spender.Address));
        Assert.Equal(UInt256.One, await h.Token.PermitNonceAsync(owner.Address));
    }

    [Fact]
    public async Task Expired_and_wrongly_signed_permits_are_refused_and_change_nothing()
    {
        using var h = await TokenHarness.CreateAsync(fixture);
        var (ownerHex, owner) = NewKey();
        var (intruderHex, _) = NewKey();
        var spender = EvmPrivateKey.Generate().Address;
        var now = (await h.Client.GetLatestBlockAsync()).Timestamp;
        var value = TokenHarness.Tokens(5);

        var expiredAt = now - 1;
        var expired = await SignPermitAsync(h, ownerHex, owner.Address, spender, value, UInt256.Zero, expiredAt);
        var expiredError = await Assert.ThrowsAsync<ContractRevertedException>(() =>
            h.Sender.SendAsync(h.Token.PermitRequest(owner.Address, spender, value, new UInt256(expiredAt), expired.V, expired.R, expired.S), "expired"));
        Assert.Equal("ERC2612ExpiredSignature", expiredError.ErrorName);

        // Signed by another key for the owner's address.
        var deadline = now + 3600;
        var forged = await SignPermitAsync(h, intruderHex, owner.Address, spender, value, UInt256.Zero, deadline);
        var forgedError = await Assert.ThrowsAsync<ContractRevertedException>(() =>
            h.Sender.SendAsync(h.Token.PermitRequest(owner.Address, spender, value, new UInt256(deadline), forged.V, forged.R, forged.S), "forged"));
        Assert.Equal("ERC2612InvalidSigner", forgedError.ErrorName);

        // A genuine signature with a different value than the one submitted is also someone else's signature.
        var genuine = await SignPermitAsync(h, ownerHex, owner.Address, spender, value, UInt256.Zero, deadline);
        var tampered = await Assert.ThrowsAsync<ContractRevertedException>(() =>
            h.Sender.SendAsync(h.Token.PermitRequest(owner.Address, spender, value + UInt256.One, new UInt256(deadline), genuine.V, genuine.R, genuine.S), "tampered"));
        Assert.Equal("ERC2612InvalidSigner", tampered.ErrorName);

        Assert.Equal(UInt256.Zero, await h.Token.AllowanceAsync(owner.Address, spender));
        Assert.Equal(UInt256.Zero, await h.Token.PermitNonceAsync(owner.Address));
        Assert.DoesNotContain(h.Store.All, t => t.OperationKey is "expired" or "forged" or "tampered");

        // The untampered one still works once.
        await h.Sender.SendAsync(h.Token.PermitRequest(owner.Address, spender, value, new UInt256(deadline), genuine.V, genuine.R, genuine.S), "genuine");
        Assert.Equal(value, await h.Token.AllowanceAsync(owner.Address, spender));
    }

    private static (string Hex, EvmPrivateKey Key) NewKey()
    {
        var hex = "0x" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        return (hex, EvmPrivateKey.FromHex(hex));
    }

    /// <summary>cast builds the EIP-712 digest from the JSON typed data and signs it; returns (v, r, s).</summary>
    private async Task<(byte V, Hash32 R, Hash32 S)> SignPermitAsync(TokenHarness h, string privateKeyHex, EvmAddress owner, EvmAddress spender,
        UInt256 value, UInt256 nonce, ulong deadline)
    {
        var typedData = new
        {
            types = new Dictionary<string, object[]>
            {
                ["EIP712Domain"] = [Field("name", "string"), Field("version", "string"), Field("chainId", "uint256"), Field("verifyingContract", "address")],
                ["Permit"] = [Field("owner", "address"), Field("spender", "address"), Field("value", "uint256"), Field("nonce", "uint256"), Field("deadline", "uint256")],
            },
            primaryType = "Permit",
            domain = new { name = await h.Token.NameAsync(), version = "1", chainId = h.Client.Config.ChainId, verifyingContract = h.Token.Address.ToString() },
            message = new
            {
                owner = owner.ToString(),
                spender = spender.ToString(),
                value = value.ToString(),
                nonce = nonce.ToString(),
                deadline = deadline.ToString(CultureInfo.InvariantCulture),
            },
        };
        var signature = await CastRunner.RunAsync(fixture.CastBinary, "wallet", "sign", "--private-key", privateKeyHex, "--data", JsonSerializer.Serialize(typedData));
        var bytes = Convert.FromHexString(signature[2..]);
        Assert.Equal(65, bytes.Length);
        return (bytes[64], new Hash32(bytes.AsSpan(0, 32)), new Hash32(bytes.AsSpan(32, 32)));
    }

    private static object Field(string name, string type) => new { name, type };
}
