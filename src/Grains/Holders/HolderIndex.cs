using System.Buffers.Binary;
using System.Numerics;
using System.Text.Json.Nodes;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tron;
using Sharemint.Compliance;
using Sharemint.Signers;

namespace Sharemint.Holders;

/// <summary>
/// Counts each deployment's holders (addresses with a non-zero balance) from the chain itself, never from the ledger. EVM
/// and Tron replay the token's Transfer events from its deployment block up to the newest final block, the finality the
/// deposit watchers use, incrementally behind a cursor (a reorg under the EVM cursor replays the token from its deployment
/// block). Solana lists the mint's Token-2022 accounts (getProgramAccounts filtered on the mint) at finalized commitment.
/// The index lives in this object's memory, so a restarted silo replays from the deployment blocks. One caller at a time.
/// </summary>
public sealed class HolderIndex(ConfiguredChains chains, IGrainFactory grains)
{
    // Bounds one pass so a long-unsampled chain catches up over several samples rather than holding one up.
    private const int MaxEvmScansPerPass = 20;
    private const int MaxTronBlocksPerPass = 1_000;
    private const int TokenAccountSize = 165;
    private const byte AccountTypeAccount = 2;

    private readonly Dictionary<string, EvmTokenHolders> _evm = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TronTokenHolders> _tron = new(StringComparer.Ordinal);

    /// <summary>Holders of the token at <paramref name="tokenAddress"/> on <paramref name="chain"/> in its newest final state seen.</summary>
    public Task<int> CountAsync(string chain, string tokenAddress, CancellationToken cancellationToken = default) => ChainAddress.FamilyOf(chain) switch
    {
        ChainAddress.Family.Evm => CountEvmAsync(chain, tokenAddress, cancellationToken),
        ChainAddress.Family.Tron => CountTronAsync(chain, tokenAddress, cancellationToken),
        _ => CountSolanaAsync(chain, tokenAddress, cancellationToken),
    };

    private async Task<int> CountEvmAsync(string chain, string tokenAddress, CancellationToken cancellationToken)
    {
        var key = $"{chain}/{tokenAddress}";
        if (!_evm.TryGetValue(key, out var index))
        {
            var first = await grains.GetGrain<IChainSignerGrain>(chain).GetDeployedHeightAsync(tokenAddress);
            index = new EvmTokenHolders(new SharemintToken(chains.Evm(chain), chains.TokenArtifact, EvmAddress.Parse(tokenAddress)), first);
            _evm[key] = index;
        }
        for (var i = 0; i < MaxEvmScansPerPass; i++)
        {
            var scan = await index.Token.ScanTransfersAsync(index.Cursor, index.FirstBlock, cancellationToken);
            if (scan.ReorgDetected)
            {
                // Final blocks changed under the cursor: the balances may hold a dropped fork's transfers. Replay from the start.
                index.Reset();
                continue;
            }
            foreach (var transfer in scan.Events)
            {
                index.Balances.Move(transfer.From == EvmAddress.Zero ? null : transfer.From.ToString(),
                    transfer.To == EvmAddress.Zero ? null : transfer.To.ToString(), transfer.Amount.Value);
            }
            if (scan.Cursor is null || scan.Cursor == index.Cursor)
            {
                break;
            }
            index.Cursor = scan.Cursor;
        }
        return index.Balances.Holders;
    }

    private async Task<int> CountTronAsync(string chain, string tokenAddress, CancellationToken cancellationToken)
    {
        var key = $"{chain}/{tokenAddress}";
        var client = chains.Tron(chain);
        if (!_tron.TryGetValue(key, out var index))
        {
            var first = await grains.GetGrain<IChainSignerGrain>(chain).GetDeployedHeightAsync(tokenAddress);
            index = new TronTokenHolders(new TronToken(client, chains.TokenArtifact, TronAddress.Parse(tokenAddress)), (long)first);
            _tron[key] = index;
        }
        var solid = (await client.GetSolidBlockAsync(cancellationToken)).Number;
        var last = Math.Min(solid, index.NextBlock + MaxTronBlocksPerPass - 1);
        for (var block = index.NextBlock; block <= last; block++)
        {
            foreach (var transfer in await index.Token.FinalTransfersInBlockAsync(block, cancellationToken: cancellationToken))
            {
                index.Balances.Move(transfer.From.ToEvm() == EvmAddress.Zero ? null : transfer.From.ToBase58(),
                    transfer.To.ToEvm() == EvmAddress.Zero ? null : transfer.To.ToBase58(), transfer.Amount.Value);
            }
            index.NextBlock = block + 1;
        }
        return index.Balances.Holders;
    }

    private async Task<int> CountSolanaAsync(string chain, string mintAddress, CancellationToken cancellationToken)
    {
        var mint = PublicKey.Parse(mintAddress);
        var config = new JsonObject
        {
            ["commitment"] = "finalized",
            ["encoding"] = "base64",
            ["filters"] = new JsonArray(new JsonObject { ["memcmp"] = new JsonObject { ["offset"] = 0, ["bytes"] = mint.ToString() } }),
        };
        var accounts = await chains.Solana(chain).CallAsync("getProgramAccounts", [ProgramIds.Token2022.ToString(), config], cancellationToken);
        var holders = 0;
        foreach (var account in accounts.EnumerateArray())
        {
            var data = Convert.FromBase64String(account.GetProperty("account").GetProperty("data")[0].GetString() ?? "");
            // A token account is 165 bytes, or longer with extensions and then typed at byte 165; the mint account itself is not one.
            var isTokenAccount = data.Length == TokenAccountSize || (data.Length > TokenAccountSize && data[TokenAccountSize] == AccountTypeAccount);
            if (isTokenAccount && BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(64, 8)) > 0)
            {
                holders++;
            }
        }
        return holders;
    }

    private sealed class EvmTokenHolders(SharemintToken token, ulong firstBlock)
    {
        public SharemintToken Token { get; } = token;
        public ulong FirstBlock { get; } = firstBlock;
        public EvmLogCursor? Cursor { get; set; }
        public Balances Balances { get; private set; } = new();

        public void Reset()
        {
            Cursor = null;
            Balances = new Balances();
        }
    }

    private sealed class TronTokenHolders(TronToken token, long firstBlock)
    {
        public TronToken Token { get; } = token;
        public long NextBlock { get; set; } = firstBlock;
        public Balances Balances { get; } = new();
    }

    /// <summary>Raw balances replayed from transfers; a null side is a mint (from) or a burn (to).</summary>
    private sealed class Balances
    {
        private readonly Dictionary<string, BigInteger> _raw = new(StringComparer.Ordinal);

        public int Holders { get; private set; }

        public void Move(string? from, string? to, BigInteger amount)
        {
            if (from is not null)
            {
                Add(from, -amount);
            }
            if (to is not null)
            {
                Add(to, amount);
            }
        }

        private void Add(string address, BigInteger delta)
        {
            var before = _raw.GetValueOrDefault(address);
            var after = before + delta;
            _raw[address] = after;
            Holders += (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
        }
    }
}
