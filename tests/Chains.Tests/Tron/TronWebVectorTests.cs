using System.Diagnostics;
using System.Text.Json;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Tests.Solana;
using Sharemint.Chains.Tron;
using Xunit;

namespace Sharemint.Chains.Tests.Tron;

/// <summary>
/// Transactions built and signed offline by TronWeb (devnet/tron/check/vectors.js) must equal ours byte for byte:
/// raw_data, txID and the 65-byte signature, for TransferContract, TriggerSmartContract and the token's CreateSmartContract.
/// </summary>
public sealed class TronWebVectorTests
{
    [Fact]
    public async Task Our_transactions_equal_TronWebs_byte_for_byte()
    {
        var artifactPath = Path.Combine(SolanaDevnet.RepoRoot, "contracts", "out", SharemintTokenArtifact.FileName);
        var vectors = await RunVectorsAsync("--count", "60", "--seed", "13", "--artifact", artifactPath);
        Assert.Equal(61, vectors.GetArrayLength());
        var artifact = SharemintTokenArtifact.Load(artifactPath);
        var artifactJson = await File.ReadAllTextAsync(artifactPath);
        var kinds = new HashSet<string>();
        foreach (var v in vectors.EnumerateArray())
        {
            var kind = v.GetProperty("kind").GetString()!;
            kinds.Add(kind);
            var key = EvmPrivateKey.FromHex(v.GetProperty("privateKey").GetString()!);
            var owner = TronAddress.Parse(v.GetProperty("owner").GetString()!);
            Assert.Equal(owner, TronAddress.FromPublicKey(key.PublicKey));
            var input = v.GetProperty("input");
            var header = v.GetProperty("blockHeader");
            TronContract contract;
            long feeLimit = 0;
            switch (kind)
            {
                case "transfer":
                    contract = new TronTransfer(owner, TronAddress.Parse(input.GetProperty("to").GetString()!), input.GetProperty("amount").GetInt64());
                    break;
                case "trigger":
                    feeLimit = input.GetProperty("feeLimit").GetInt64();
                    contract = new TronTrigger(owner, TronAddress.Parse(input.GetProperty("contract").GetString()!), Convert.FromHexString(input.GetProperty("data").GetString()!));
                    break;
                case "trigger-selector":
                {
                    feeLimit = input.GetProperty("feeLimit").GetInt64();
                    var mint = input.GetProperty("mint");
                    var data = artifact.Abi.Function("mint").EncodeCall(TronAddress.Parse(mint.GetProperty("to").GetString()!).ToEvm(),
                        UInt256.Parse(mint.GetProperty("amount").GetString()!), Hash32.Parse(mint.GetProperty("opId").GetString()!));
                    contract = new TronTrigger(owner, TronAddress.Parse(input.GetProperty("contract").GetString()!), data);
                    break;
                }
                case "create":
                {
                    feeLimit = input.GetProperty("feeLimit").GetInt64();
                    contract = TronToken.DeployContract(artifact, artifactJson, owner, "Tesla xStock", "TSLAx", TronAddress.Parse(input.GetProperty("admin").GetString()!),
                        SharemintToken.MultiplierOne);
                    break;
                }
                default:
                    throw new InvalidOperationException(kind);
            }
            var raw = new TronRawTransaction(contract, Convert.FromHexString(header.GetProperty("ref_block_bytes").GetString()!),
                Convert.FromHexString(header.GetProperty("ref_block_hash").GetString()!), header.GetProperty("expiration").GetInt64(),
                header.GetProperty("timestamp").GetInt64(), feeLimit);
            Assert.Equal(v.GetProperty("rawDataHex").GetString(), Convert.ToHexStringLower(raw.Encode()));
            var signed = raw.Sign(key);
            Assert.Equal(v.GetProperty("txID").GetString(), signed.TxId);
            Assert.Equal(v.GetProperty("signature").GetString()!.ToLowerInvariant(), Convert.ToHexStringLower(signed.Signature));
            Assert.True(signed.IsSignedBy(owner));
        }
        Assert.Equal(["create", "transfer", "trigger", "trigger-selector"], kinds.Order());
    }

    [Fact]
    public void Addresses_round_trip_and_bad_ones_are_refused_with_their_reason()
    {
        var address = TronAddress.Parse("TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaG");
        Assert.Equal("41f39fd6e51aad88f6f4ce6ab8827279cfffb92266", address.ToHex());
        Assert.Equal(address, TronAddress.Parse("41f39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
        Assert.Equal(address, TronAddress.FromPublicKey(TronDevnet.GenesisKey.PublicKey));
        Assert.Equal(EvmAddress.Parse("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"), address.ToEvm());

        // One character changed: the checksum no longer matches.
        var typo = Assert.Throws<TronException>(() => TronAddress.Parse("TYBNgWfhGuNzdLtjKtxXTfskAhTbMcqbaH"));
        Assert.Equal(TronErrorCode.InvalidAddressChecksum, typo.Code);
        // An Ethereum-style 0x00-prefixed 21-byte address is not a Tron address.
        var prefix = Assert.Throws<TronException>(() => TronAddress.Parse("00f39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
        Assert.Equal(TronErrorCode.InvalidAddressPrefix, prefix.Code);
        var garbage = Assert.Throws<TronException>(() => TronAddress.Parse("T0O0Il"));
        Assert.Equal(TronErrorCode.InvalidAddress, garbage.Code);
    }

    internal static async Task<JsonElement> RunVectorsAsync(params string[] arguments)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = SolanaDevnet.RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(SolanaDevnet.RepoRoot, "devnet", "tron", "check", "vectors.js"));
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        Assert.True(process.ExitCode == 0, $"vectors.js failed: {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement.Clone();
    }
}
