using System.Net;
using System.Text;
using System.Text.Json;
using Sharemint.Fixtures;

namespace Sharemint.Api.Tests;

/// <summary>
/// A Tron wallet proves control the way TronLink and TronWeb sign messages (<c>signMessageV2</c>): the signature is made
/// by TronWeb, not by our code, and a wrong key, a wrong message or a malformed signature records nothing.
/// </summary>
public sealed class TronWalletProofTests(ApiSilo api) : IClassFixture<ApiSilo>
{
    [Fact]
    public async Task A_tron_wallet_is_proven_with_a_tronweb_sign_message_v2_signature_and_nothing_else()
    {
        var accountId = "partner-" + Guid.NewGuid().ToString("N")[..10];
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, "admin/v1/partners", $$"""{"accountId":"{{accountId}}","displayName":"Tron","jurisdiction":"DE"}"""), HttpStatusCode.Created);
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/kyc", """{"status":"approved"}"""));
        var issued = await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/keys", "{}"), HttpStatusCode.Created);
        var (keyId, secret) = (issued.GetProperty("key").GetProperty("keyId").GetString()!, issued.GetProperty("secret").GetString()!);
        async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? json)
        {
            using var request = ApiSilo.Signed(method, path, json, keyId, secret);
            return await api.Http.SendAsync(request);
        }

        var key = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var wallet = (await TronWebSignAsync("", key)).Address;
        await Problems.JsonAsync(await api.AdminAsync(HttpMethod.Post, $"admin/v1/partners/{accountId}/wallets", $$"""{"chain":"tron","address":"{{wallet}}"}"""));

        var challenge = await Problems.JsonAsync(await Send(HttpMethod.Get, $"v1/account/wallets/challenge?chain=tron&address={wallet}", null));
        Assert.Equal("tron-sign-message-v2", challenge.GetProperty("scheme").GetString());
        var message = challenge.GetProperty("message").GetString()!;
        Assert.Contains(wallet, message, StringComparison.Ordinal);
        var proof = await TronWebSignAsync(message, key);
        Assert.Equal(wallet, proof.Address);
        Assert.Equal(wallet, proof.Verified);

        // Another key's signature, a signature over another message, and malformed ones are refused and record nothing.
        var stranger = await TronWebSignAsync(message, Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
        var otherMessage = await TronWebSignAsync(message.Replace(accountId, "partner-demo", StringComparison.Ordinal), key);
        // An EIP-191 signature of the same message by the same key is another scheme's: not a Tron proof.
        var ethereumStyle = await TronWebSignAsync(message, key, ethereumPrefix: true);
        foreach (var bad in new[] { stranger.Signature, otherMessage.Signature, ethereumStyle.Signature, proof.Signature[..^2], "0x" + new string('0', 130), "not hex" })
        {
            await Problems.AssertAsync(await Send(HttpMethod.Post, "v1/account/wallets/proof", $$"""{"chain":"tron","address":"{{wallet}}","signature":"{{bad}}"}"""),
                HttpStatusCode.BadRequest, "wallet_proof_invalid");
        }
        var before = await Problems.JsonAsync(await Send(HttpMethod.Get, "v1/account", null));
        Assert.Equal(0, before.GetProperty("provenWallets").GetArrayLength());

        var proven = await Problems.JsonAsync(await Send(HttpMethod.Post, "v1/account/wallets/proof", $$"""{"chain":"tron","address":"{{wallet}}","signature":"{{proof.Signature}}"}"""));
        var entry = Assert.Single(proven.GetProperty("provenWallets").EnumerateArray());
        Assert.Equal(wallet, entry.GetProperty("address").GetString());
        Assert.Equal("tron", entry.GetProperty("chain").GetString());
    }

    /// <summary>
    /// Signs with TronWeb's <c>signMessageV2</c> (or, for the negative case, an EIP-191 signature by the same key) and
    /// checks it back with TronWeb's <c>verifyMessageV2</c>; returns the key's base58 address, the signature and the
    /// address TronWeb recovers.
    /// </summary>
    private static async Task<(string Address, string Signature, string Verified)> TronWebSignAsync(string message, string keyHex, bool ethereumPrefix = false)
    {
        const string script = """
            const [messageB64, keyHex, mode] = process.argv.slice(1);
            const { TronWeb, Trx } = require('tronweb');
            const message = Buffer.from(messageB64, 'base64').toString('utf8');
            const address = TronWeb.address.fromPrivateKey(keyHex);
            let signature;
            if (mode === 'eth') {
              const { secp256k1 } = require('@noble/curves/secp256k1');
              const { keccak_256 } = require('@noble/hashes/sha3');
              const bytes = Buffer.from(message, 'utf8');
              const sig = secp256k1.sign(keccak_256(Buffer.concat([Buffer.from('\x19Ethereum Signed Message:\n' + bytes.length), bytes])), keyHex);
              signature = '0x' + sig.toCompactHex() + (27 + sig.recovery).toString(16);
            } else {
              signature = Trx.signMessageV2(message, keyHex);
            }
            console.log(JSON.stringify({ address, signature, verified: Trx.verifyMessageV2(message, signature) }));
            """;
        var result = await ProcessRunner.RunAsync("node", ["-e", script, Convert.ToBase64String(Encoding.UTF8.GetBytes(message)), keyHex, ethereumPrefix ? "eth" : "tron"],
            TimeSpan.FromSeconds(30), workingDirectory: Path.Combine(RepositoryPaths.Root, "devnet"));
        using var doc = JsonDocument.Parse(result.StandardOutput);
        return (doc.RootElement.GetProperty("address").GetString()!, doc.RootElement.GetProperty("signature").GetString()!,
            doc.RootElement.GetProperty("verified").GetString()!);
    }
}
