using System.Globalization;
using System.Text;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tron;
using Sharemint.Compliance;

namespace Sharemint.Accounts;

/// <summary>
/// Holder consent for burns through the API. On Solana the issuer is the mint's permanent delegate, and on EVM the token
/// lets the burner role burn from any holder, so an API redemption or move could take tokens from a wallet whose
/// holder never signed anything. The rule, the same on every chain: a partner may burn from a wallet through the API only
/// after it has proven control of that wallet by signing <see cref="Message"/> with the wallet's own key, once per
/// wallet. EVM: an EIP-191 <c>personal_sign</c> signature (65 bytes, hex); Solana: an Ed25519 signature of the message's
/// UTF-8 bytes (64 bytes, base58 or hex), as wallets' <c>signMessage</c> produce; Tron: TronWeb's <c>signMessageV2</c>
/// (TronLink's <c>signMessageV2</c>), a secp256k1 signature (65 bytes, hex) of Keccak-256 over
/// the byte 0x19, "TRON Signed Message:", a newline, the message's byte length in decimal, and the message.
/// </summary>
public static class WalletControlProof
{
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdefABCDEF");

    /// <summary>The text the holder signs; it names the account, chain and wallet, so a proof is good for nothing else.</summary>
    public static string Message(string accountId, string chain, string canonicalAddress) =>
        "Sharemint wallet control v1\n" +
        $"I control {canonicalAddress} on {chain} and consent to Sharemint burning tokens from it for redemptions and " +
        $"transfers requested by account {accountId}.";

    /// <summary>Whether <paramref name="signature"/> is the wallet's signature of <see cref="Message"/>; false for any malformed input.</summary>
    public static bool Verify(string accountId, string chain, string canonicalAddress, string signature)
    {
        if (signature is not { Length: > 0 and <= 200 })
        {
            return false;
        }
        var message = Encoding.UTF8.GetBytes(Message(accountId, chain, canonicalAddress));
        return ChainAddress.FamilyOf(chain) switch
        {
            ChainAddress.Family.Evm => VerifySecp256k1(PersonalSignDigest(message), canonicalAddress, signature),
            ChainAddress.Family.Tron => TronAddress.TryParse(canonicalAddress, out var tron)
                && VerifySecp256k1(TronMessageDigest(message), tron.ToEvm().ToString(), signature),
            _ => VerifySolana(message, canonicalAddress, signature),
        };
    }

    /// <summary>The EIP-191 digest a <c>personal_sign</c> signature covers.</summary>
    public static byte[] PersonalSignDigest(ReadOnlySpan<byte> message)
    {
        var prefix = Encoding.UTF8.GetBytes("\u0019Ethereum Signed Message:\n" + message.Length.ToString(CultureInfo.InvariantCulture));
        return Keccak256.Hash([.. prefix, .. message]);
    }

    /// <summary>The digest TronWeb's <c>signMessageV2</c> signs: EIP-191's shape with Tron's own header.</summary>
    public static byte[] TronMessageDigest(ReadOnlySpan<byte> message)
    {
        var prefix = Encoding.UTF8.GetBytes("\u0019TRON Signed Message:\n" + message.Length.ToString(CultureInfo.InvariantCulture));
        return Keccak256.Hash([.. prefix, .. message]);
    }

    /// <summary>Whether a 65-byte r ‖ s ‖ v signature (hex, v = 27/28 or 0/1) over <paramref name="digest"/> recovers to the EVM address.</summary>
    private static bool VerifySecp256k1(byte[] digest, string address, string signature)
    {
        var hex = signature.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? signature[2..] : signature;
        if (hex.Length != 130 || hex.AsSpan().ContainsAnyExcept(HexDigits))
        {
            return false;
        }
        var bytes = Convert.FromHexString(hex);
        var v = bytes[64];
        var recovery = v >= 27 ? v - 27 : v;
        if (recovery is not (0 or 1))
        {
            return false;
        }
        try
        {
            var recovered = Secp256k1.RecoverAddress(digest,
                new EvmSignature(UInt256.FromBigEndian(bytes.AsSpan(0, 32)), UInt256.FromBigEndian(bytes.AsSpan(32, 32)), (byte)recovery));
            return string.Equals(recovered.ToString(), address, StringComparison.OrdinalIgnoreCase);
        }
        catch (EvmException)
        {
            return false;
        }
    }

    private static bool VerifySolana(byte[] message, string address, string signature)
    {
        if (!PublicKey.TryParse(address, out var key))
        {
            return false;
        }
        byte[] bytes;
        if (signature.Length == 128 && !signature.AsSpan().ContainsAnyExcept(HexDigits))
        {
            bytes = Convert.FromHexString(signature);
        }
        else
        {
            try
            {
                bytes = Base58.Decode(signature);
            }
            catch (SolanaException)
            {
                return false;
            }
        }
        return Keypair.Verify(key, message, bytes);
    }
}
