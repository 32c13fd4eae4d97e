using Org.BouncyCastle.Crypto.Digests;

namespace Sharemint.Chains.Evm;

/// <summary>Keccak-256 as Ethereum uses it (original Keccak padding, not NIST SHA3-256). Thread-safe.</summary>
public static class Keccak256
{
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var digest = new KeccakDigest(256);
        digest.BlockUpdate(data);
        var output = new byte[32];
        digest.DoFinal(output, 0);
        return output;
    }

    public static byte[] Hash(string utf8Text) => Hash(System.Text.Encoding.UTF8.GetBytes(utf8Text));
}
