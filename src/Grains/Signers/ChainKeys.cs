using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;

namespace Sharemint.Signers;

/// <summary>
/// Where chain signers get the issuer's signing keys. The default, <see cref="InProcessChainKeys"/>, holds them in this
/// process (from <c>Sharemint:Chains:{chain}:PrivateKey</c>); register another implementation in the silo's services (a
/// KMS or HSM adapter) and every signer signs through it instead. The signers persist, broadcast and track transactions
/// themselves; the key holder only signs digests.
/// </summary>
public interface IChainKeySource
{
    /// <summary>The issuer's key on an EVM chain. Called when a signer or reader activates: keep it cheap (no remote call).</summary>
    IEvmKeySigner Evm(string chain, ChainOptions options);

    /// <summary>The issuer's key on a Tron chain (secp256k1; it signs each transaction's txID, SHA-256 of raw_data). Keep it cheap.</summary>
    IEvmKeySigner Tron(string chain, ChainOptions options);

    /// <summary>The issuer's Ed25519 key on a Solana chain (it signs serialized transaction messages). Keep it cheap.</summary>
    ISolanaKeySigner Solana(string chain, ChainOptions options);
}

/// <summary>The default key source: the configured private keys, in process.</summary>
public sealed class InProcessChainKeys : IChainKeySource
{
    public IEvmKeySigner Evm(string chain, ChainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new InProcessEvmKeySigner(EvmPrivateKey.FromHex(options.PrivateKey!));
    }

    public IEvmKeySigner Tron(string chain, ChainOptions options) => Evm(chain, options);

    public ISolanaKeySigner Solana(string chain, ChainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new InProcessSolanaKeySigner(options.SolanaIssuer());
    }
}
