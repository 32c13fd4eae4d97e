using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;

namespace Sharemint.Silo.Telemetry;

/// <summary>The issuer's public address on a chain, derived from the signing key of its <c>Sharemint:Chains:{chain}</c> section.</summary>
public static class IssuerAccount
{
    /// <summary>
    /// An explicit <c>IssuerAccount</c> wins; otherwise the address of <c>PrivateKey</c> (EVM, Tron) or <c>Keypair</c> (Solana).
    /// Null when the section names neither or the key does not parse (the signer reports bad keys; the probe just skips the balance).
    /// </summary>
    public static string? From(IConfigurationSection chain)
    {
        if (!string.IsNullOrWhiteSpace(chain["IssuerAccount"]))
        {
            return chain["IssuerAccount"]!.Trim();
        }
        try
        {
            if (!string.IsNullOrWhiteSpace(chain["PrivateKey"]))
            {
                var key = EvmPrivateKey.FromHex(chain["PrivateKey"]!.Trim());
                // Tron: the same secp256k1 key, its account written as Tron writes it (base58check, 0x41 prefix).
                return string.Equals(chain["Family"], "tron", StringComparison.OrdinalIgnoreCase)
                    ? Sharemint.Chains.Tron.TronAddress.FromPublicKey(key.PublicKey).ToBase58()
                    : key.Address.ToString();
            }
            var keypair = chain["Keypair"]?.Trim();
            if (!string.IsNullOrEmpty(keypair))
            {
                var key = keypair.StartsWith('[') ? Keypair.FromJson(keypair) : Keypair.FromSecretKey(Base58.Decode(keypair));
                return key.PublicKey.ToString();
            }
        }
        catch (Exception ex) when (ex is EvmException or SolanaException or FormatException)
        {
            return null;
        }
        return null;
    }
}
