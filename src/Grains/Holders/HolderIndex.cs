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
/// Counts each deployment's holders (addresses with a non-zero balance) from the chain itself, never from the ledger, into
/// the <see cref="HolderStore"/>. EVM and Tron apply the token's Transfer events from its deployment block up to the
/// newest final block, the finality the deposit watchers use, incrementally behind a cursor stored with the balances (a
/// reorg under the EVM cursor replays the token from its deployment block), so a restarted silo goes on from where the
/// last pass stopped. Solana lists the mint's Token-2022 accounts (getProgramAccounts filtered on the mint) at finalized
/// commitment. One caller at a time (the silo holding the store's indexer lock).
/// </summary>
public sealed class HolderIndex(ConfiguredChains chains, IGrainFactory grains, HolderStore store)
{
    // Bounds one pass so a long-unsampled chain catches up over several samples rather than holding one up.
    private const int MaxEvmScansPerPass = 20;
    private const int MaxTronBlocksPerPass = 1_000;
    private const int TokenAccountSize = 165;
    private const byte AccountTypeAccount = 2;

    private readonly Dictionary<string, (SharemintToken Token, ulong FirstBlock)> _evm = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (TronToken Token, long FirstBlock)> _tron = new(StringComparer.Ordinal);

    /// <summary>Brings the count of <paramref name="symbol"/> on <paramref name="chain"/> up to the newest final state and records it.</summary>
    public async Task IndexAsync(string symbol, string chain, string tokenAddress, CancellationToken cancellationToken = default)
    {
        int? live = null;
        switch (ChainAddress.FamilyOf(chain))
        {
            case ChainAddress.Family.Evm:
                await IndexEvmAsync(chain, tokenAddress, cancellationToken);
                break;
            case ChainAddress.Family.Tron:
                await IndexTronAsync(chain, tokenAddress, cancellationToken);
                break;
            default:
                live = await CountSolanaAsync(chain, tokenAddress, cancellationToken);
                break;
        }
        await store.RecordCountAsync(symbol, chain, tokenAddress, live, cancellationToken);
    }

    private async Task IndexEvmAsync(string chain, string tokenAddress, CancellationToken cancellationToken)
    {
        var key = $"{chain}/{tokenAddress}";
        if (!_evm.TryGetValue(key, out var token))
        {
            var first = await grains.GetGrain<IChainSignerGrain>(chain).GetDeployedHeightAsync(tokenAddress);
            token = (new SharemintToken(chains.Evm(chain), chains.TokenArtifact, EvmAddress.Parse(tokenAddress)), first);
            _evm[key] = token;
        }
        var stored = await store.ReadCursorAsync(chain, tokenAddress, cancellationToken);
        var cursor = stored is null ? null : new EvmLogCursor((ulong)stored.Block, Hash32.Parse(stored.BlockHash!));
        var deltas = new Dictionary<string, BigInteger>(StringComparer.Ordinal);
        for (var i = 0; i < MaxEvmScansPerPass; i++)
        {
            var scan = await token.Token.ScanTransfersAsync(cursor, token.FirstBlock, cancellationToken);
            if (scan.ReorgDetected)
            {
                // Final blocks changed under the cursor: the balances may hold a dropped fork's transfers. Replay from the start.
                await store.ResetAsync(chain, tokenAddress, cancellationToken);
                (stored, cursor) = (null, null);
                deltas.Clear();
                continue;
            }
            foreach (var transfer in scan.Events)
            {
                Move(deltas, transfer.From == EvmAddress.Zero ? null : transfer.From.ToString(),
                    transfer.To == EvmAddress.Zero ? null : transfer.To.ToString(), transfer.Amount.Value);
            }
            if (scan.Cursor is null || scan.Cursor == cursor)
            {
                break;
            }
            cursor = scan.Cursor;
        }
        if (cursor is not null && (stored is null || (ulong)stored.Block != cursor.BlockNumber || stored.BlockHash != cursor.BlockHash.ToString()))
        {
            await ApplyAsync(chain, tokenAddress, deltas, stored, new HolderCursor((long)cursor.BlockNumber, cursor.BlockHash.ToString()), cancellationToken);
        }
    }

    private async Task IndexTronAsync(string chain, string tokenAddress, CancellationToken cancellationToken)
    {
        var key = $"{chain}/{tokenAddress}";
        var client = chains.Tron(chain);
        if (!_tron.TryGetValue(key, out var token))
        {
            var first = await grains.GetGrain<IChainSignerGrain>(chain).GetDeployedHeightAsync(tokenAddress);
            token = (new TronToken(client, chains.TokenArtifact, TronAddress.Parse(tokenAddress)), (long)first);
            _tron[key] = token;
        }
        var stored = await store.ReadCursorAsync(chain, tokenAddress, cancellationToken);
        var next = stored?.Block ?? token.FirstBlock;
        var solid = (await client.GetSolidBlockAsync(cancellationToken)).Number;
        var last = Math.Min(solid, next + MaxTronBlocksPerPass - 1);
        if (last < next)
        {
            return;
        }
        var deltas = new Dictionary<string, BigInteger>(StringComparer.Ordinal);
        for (var block = next; block <= last; block++)
        {
            foreach (var transfer in await token.Token.FinalTransfersInBlockAsync(block, cancellationToken: cancellationToken))
            {
                Move(deltas, transfer.From.ToEvm() == EvmAddress.Zero ? null : transfer.From.ToBase58(),
                    transfer.To.ToEvm() == EvmAddress.Zero ? null : transfer.To.ToBase58(), transfer.Amount.Value);
            }
        }
        await ApplyAsync(chain, tokenAddress, deltas, stored, new HolderCursor(last + 1, null), cancellationToken);
    }

    private async Task ApplyAsync(string chain, string token, Dictionary<string, BigInteger> deltas, HolderCursor? from, HolderCursor to,
        CancellationToken cancellationToken)
    {
        if (!await store.ApplyAsync(chain, token, deltas, from, to, cancellationToken))
        {
            // Another indexer moved the cursor first (it held the lock after this one lost it): its changes stand, this pass's go.
            throw new InvalidOperationException($"The holder cursor of {token} on {chain} moved under this pass; nothing was applied.");
        }
    }

    /// <summary>A transfer's effect on raw balances; a null side is a mint (from) or a burn (to).</summary>
    private static void Move(Dictionary<string, BigInteger> deltas, string? from, string? to, BigInteger amount)
    {
        if (from is not null)
        {
            deltas[from] = deltas.GetValueOrDefault(from) - amount;
        }
        if (to is not null)
        {
            deltas[to] = deltas.GetValueOrDefault(to) + amount;
        }
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
}
