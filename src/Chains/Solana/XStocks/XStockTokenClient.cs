namespace Sharemint.Chains.Solana;

/// <summary>
/// The platform's face of an xStock on Solana: create the Token-2022 mint with its extensions,
/// mint (single or batched), burn, transfer, freeze/thaw, pause/resume, update the multiplier, read
/// supply and balances, and list deposits to a token account. Every write takes an operation id and
/// goes through <see cref="TransactionSender"/> (write-ahead, rebroadcast, safe re-sign), so repeating
/// a call with the same id has its effect at most once. Reads are at the client's read commitment.
/// </summary>
public sealed class XStockTokenClient
{
    private readonly SolanaRpcClient _rpc;
    private readonly TransactionSender _sender;
    private readonly Keypair _payer;

    /// <summary>Creates the client; <paramref name="feePayer"/> pays fees and rent for created accounts.</summary>
    public XStockTokenClient(SolanaRpcClient rpc, TransactionSender sender, Keypair feePayer)
    {
        _rpc = rpc;
        _sender = sender;
        _payer = feePayer;
    }

    /// <summary>Commitment for reads.</summary>
    public Commitment ReadCommitment { get; init; } = Commitment.Confirmed;

    /// <summary>Compute units budgeted per recipient in a batch mint (ATA create-idempotent + MintToChecked).</summary>
    public uint ComputeUnitsPerRecipient { get; init; } = 40_000;

    /// <summary>Priority fee in micro-lamports per compute unit (0 = none).</summary>
    public ulong ComputeUnitPrice { get; init; }

    /// <summary>Creates the mint account and initializes all extensions and metadata in one transaction.</summary>
    /// <exception cref="SolanaException">A typed kind; <see cref="SolanaErrorKind.InvalidTransaction"/> if <paramref name="mintAuthority"/> is not the spec's mint authority.</exception>
    public async Task<SendOutcome> CreateMintAsync(string operationId, XStockMintSpec spec, Keypair mint, Keypair mintAuthority, CancellationToken ct = default)
    {
        if (mintAuthority.PublicKey != spec.MintAuthority)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, "the signing mint authority is not the spec's mint authority");
        }
        var lamports = await _rpc.GetMinimumBalanceForRentExemptionAsync(spec.FinalSpace(mint.PublicKey), ct);
        var instructions = spec.BuildInstructions(_payer.PublicKey, mint.PublicKey, lamports);
        return await _sender.SendAsync(operationId, bh => Build(bh, instructions, null, mint, mintAuthority), ct);
    }

    /// <summary>Reads and decodes a mint.</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.AccountNotFound"/> or <see cref="SolanaErrorKind.InvalidAccountData"/>.</exception>
    public async Task<MintState> GetMintAsync(PublicKey mint, CancellationToken ct = default)
    {
        var info = await _rpc.GetAccountInfoAsync(mint, ReadCommitment, ct)
            ?? throw new SolanaException(SolanaErrorKind.AccountNotFound, $"mint {mint} does not exist");
        return MintState.Decode(info.Data, info.Owner);
    }

    /// <summary>Reads and decodes a token account; null when it does not exist.</summary>
    public async Task<TokenAccountState?> GetTokenAccountAsync(PublicKey account, CancellationToken ct = default)
    {
        var info = await _rpc.GetAccountInfoAsync(account, ReadCommitment, ct);
        return info is null ? null : TokenAccountState.Decode(info.Data, info.Owner);
    }

    /// <summary>The on-chain supply in base units.</summary>
    public async Task<ulong> GetSupplyAsync(PublicKey mint, CancellationToken ct = default) => (await GetMintAsync(mint, ct)).Supply;

    /// <summary>A wallet's balance of the mint in base units (0 when it has no associated token account).</summary>
    public async Task<ulong> GetBalanceAsync(PublicKey mint, PublicKey wallet, CancellationToken ct = default)
    {
        var account = await GetTokenAccountAsync(AssociatedTokenProgram.FindAddress(wallet, mint), ct);
        return account?.Amount ?? 0;
    }

    /// <summary>Mints to a wallet's associated token account (created if missing).</summary>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.AccountNotFound"/> (no such mint), <see cref="SolanaErrorKind.MintPaused"/>, <see cref="SolanaErrorKind.AccountFrozen"/>, <see cref="SolanaErrorKind.WrongSigner"/>, …</exception>
    public Task<SendOutcome> MintAsync(string operationId, PublicKey mint, Keypair mintAuthority, PublicKey wallet, ulong amount, CancellationToken ct = default) =>
        MintBatchAsync(operationId, mint, mintAuthority, [new MintRecipient(wallet, amount)], ct);

    /// <summary>
    /// Mints to several wallets in ONE transaction (create-idempotent ATA + MintToChecked each).
    /// Use <see cref="PlanBatches"/> to split a long list into transactions that fit.
    /// </summary>
    public async Task<SendOutcome> MintBatchAsync(string operationId, PublicKey mint, Keypair mintAuthority, IReadOnlyList<MintRecipient> recipients, CancellationToken ct = default)
    {
        if (recipients.Count == 0)
        {
            throw new SolanaException(SolanaErrorKind.InvalidTransaction, "a mint needs at least one recipient");
        }
        var state = await GetMintAsync(mint, ct);
        var instructions = MintInstructions(mint, mintAuthority.PublicKey, state.Decimals, recipients);
        return await _sender.SendAsync(operationId, bh => Build(bh, instructions, ComputeUnitsPerRecipient * (uint)recipients.Count, mintAuthority), ct);
    }

    /// <summary>
    /// Splits recipients into groups that each fit one transaction: at most <see cref="Transaction.MaxSize"/>
    /// bytes, the compute limit, and the account-lock limit. Pure; no RPC.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<MintRecipient>> PlanBatches(PublicKey mint, PublicKey mintAuthority, byte decimals, IReadOnlyList<MintRecipient> recipients)
    {
        const int maxAccounts = 64;
        var placeholder = Base58.Encode(new byte[32]);
        var batches = new List<IReadOnlyList<MintRecipient>>();
        var current = new List<MintRecipient>();
        foreach (var r in recipients)
        {
            current.Add(r);
            var units = ComputeUnitsPerRecipient * (uint)current.Count;
            var message = new TransactionBuilder().SetFeePayer(_payer.PublicKey).SetRecentBlockhash(placeholder)
                .SetComputeUnitLimit(units).AddRange(MintInstructions(mint, mintAuthority, decimals, current)).CompileMessage();
            var size = ShortVec.Size(message.Header.NumRequiredSignatures) + (64 * message.Header.NumRequiredSignatures) + message.Serialize().Length;
            if ((size > Transaction.MaxSize || units > ComputeBudgetProgram.MaxComputeUnitLimit || message.AccountKeys.Count > maxAccounts) && current.Count > 1)
            {
                current.RemoveAt(current.Count - 1);
                batches.Add(current);
                current = [r];
            }
        }
        if (current.Count > 0)
        {
            batches.Add(current);
        }
        return batches;
    }

    private List<TransactionInstruction> MintInstructions(PublicKey mint, PublicKey authority, byte decimals, IReadOnlyList<MintRecipient> recipients)
    {
        var list = new List<TransactionInstruction>(recipients.Count * 2);
        foreach (var r in recipients)
        {
            var ata = AssociatedTokenProgram.FindAddress(r.Wallet, mint);
            list.Add(AssociatedTokenProgram.CreateIdempotent(_payer.PublicKey, r.Wallet, mint));
            list.Add(Token2022Program.MintToChecked(mint, ata, authority, r.Amount, decimals));
        }
        return list;
    }

    /// <summary>Burns from a wallet's associated token account; <paramref name="owner"/> is the holder or the permanent delegate.</summary>
    public async Task<SendOutcome> BurnAsync(string operationId, PublicKey mint, PublicKey wallet, Keypair owner, ulong amount, CancellationToken ct = default)
    {
        var state = await GetMintAsync(mint, ct);
        var ata = AssociatedTokenProgram.FindAddress(wallet, mint);
        await RequireTokenAccountAsync(ata, ct);
        var ix = Token2022Program.BurnChecked(ata, mint, owner.PublicKey, amount, state.Decimals);
        return await _sender.SendAsync(operationId, bh => Build(bh, [ix], null, owner), ct);
    }

    /// <summary>Transfers between wallets' associated token accounts (destination created if missing); <paramref name="owner"/> owns the source.</summary>
    public async Task<SendOutcome> TransferAsync(string operationId, PublicKey mint, Keypair owner, PublicKey destinationWallet, ulong amount, CancellationToken ct = default)
    {
        var state = await GetMintAsync(mint, ct);
        var source = AssociatedTokenProgram.FindAddress(owner.PublicKey, mint);
        await RequireTokenAccountAsync(source, ct);
        var destination = AssociatedTokenProgram.FindAddress(destinationWallet, mint, allowOwnerOffCurve: true);
        TransactionInstruction[] ixs =
        [
            AssociatedTokenProgram.CreateIdempotent(_payer.PublicKey, destinationWallet, mint, allowOwnerOffCurve: true),
            Token2022Program.TransferChecked(source, mint, destination, owner.PublicKey, amount, state.Decimals),
        ];
        return await _sender.SendAsync(operationId, bh => Build(bh, ixs, null, owner), ct);
    }

    /// <summary>Freezes a wallet's associated token account.</summary>
    public Task<SendOutcome> FreezeAsync(string operationId, PublicKey mint, PublicKey wallet, Keypair freezeAuthority, CancellationToken ct = default) =>
        FreezeOrThawAsync(operationId, mint, wallet, freezeAuthority, freeze: true, ct);

    /// <summary>Thaws a wallet's associated token account.</summary>
    public Task<SendOutcome> ThawAsync(string operationId, PublicKey mint, PublicKey wallet, Keypair freezeAuthority, CancellationToken ct = default) =>
        FreezeOrThawAsync(operationId, mint, wallet, freezeAuthority, freeze: false, ct);

    private async Task<SendOutcome> FreezeOrThawAsync(string operationId, PublicKey mint, PublicKey wallet, Keypair authority, bool freeze, CancellationToken ct)
    {
        await GetMintAsync(mint, ct);
        var ata = AssociatedTokenProgram.FindAddress(wallet, mint);
        await RequireTokenAccountAsync(ata, ct);
        var ix = freeze ? Token2022Program.FreezeAccount(ata, mint, authority.PublicKey) : Token2022Program.ThawAccount(ata, mint, authority.PublicKey);
        return await _sender.SendAsync(operationId, bh => Build(bh, [ix], null, authority), ct);
    }

    /// <summary>Pauses the mint: no mints, burns or transfers until resumed.</summary>
    public async Task<SendOutcome> PauseAsync(string operationId, PublicKey mint, Keypair pauseAuthority, CancellationToken ct = default)
    {
        await GetMintAsync(mint, ct);
        var ix = Token2022Program.Pause(mint, pauseAuthority.PublicKey);
        return await _sender.SendAsync(operationId, bh => Build(bh, [ix], null, pauseAuthority), ct);
    }

    /// <summary>Resumes a paused mint.</summary>
    public async Task<SendOutcome> ResumeAsync(string operationId, PublicKey mint, Keypair pauseAuthority, CancellationToken ct = default)
    {
        await GetMintAsync(mint, ct);
        var ix = Token2022Program.Resume(mint, pauseAuthority.PublicKey);
        return await _sender.SendAsync(operationId, bh => Build(bh, [ix], null, pauseAuthority), ct);
    }

    /// <summary>Sets the scaled-UI multiplier from <paramref name="effectiveUnixTimestamp"/> (0 or past: immediately). The multiplier is given as 18-decimal fixed point (1.0 = 10^18) and stored as the nearest f64, as the chain requires.</summary>
    public async Task<SendOutcome> UpdateMultiplierAsync(string operationId, PublicKey mint, Keypair multiplierAuthority, System.Numerics.BigInteger multiplierFixed18, long effectiveUnixTimestamp, CancellationToken ct = default)
    {
        await GetMintAsync(mint, ct);
        var ix = Token2022Program.UpdateMultiplier(mint, multiplierAuthority.PublicKey, ScaledMultiplier.ToDouble(multiplierFixed18), effectiveUnixTimestamp);
        return await _sender.SendAsync(operationId, bh => Build(bh, [ix], null, multiplierAuthority), ct);
    }

    /// <summary>
    /// Deposits (positive balance changes) to <paramref name="tokenAccount"/> after <paramref name="cursor"/>
    /// (a signature returned earlier; null = from the beginning), oldest first, at most <paramref name="limit"/>
    /// signatures scanned. Pass the returned cursor next time. Failed transactions are skipped.
    /// </summary>
    public async Task<DepositPage> ListDepositsAsync(PublicKey tokenAccount, string? cursor, int limit = 100, Commitment commitment = Commitment.Finalized, CancellationToken ct = default)
    {
        // Page backwards from the newest until the cursor, then replay oldest first.
        var signatures = new List<SignatureInfo>();
        string? before = null;
        while (true)
        {
            var page = await _rpc.GetSignaturesForAddressAsync(tokenAccount, 1000, before, cursor, commitment, ct);
            signatures.AddRange(page);
            if (page.Count < 1000)
            {
                break;
            }
            before = page[^1].Signature;
        }
        signatures.Reverse();
        var hasMore = signatures.Count > limit;
        var deposits = new List<TokenDeposit>();
        string? last = cursor;
        foreach (var s in signatures.Take(limit))
        {
            if (s.Error is null)
            {
                var tx = await _rpc.GetTransactionAsync(s.Signature, commitment == Commitment.Processed ? Commitment.Confirmed : commitment, ct);
                if (tx is null)
                {
                    // Listed but not returned (a node still catching up, pruned history): stop here and ask again later,
                    // never step over a transaction whose transfers were not read.
                    return new DepositPage(deposits, last, true);
                }
                deposits.AddRange(TransfersInto(tokenAccount, tx, s));
            }
            last = s.Signature;
        }
        return new DepositPage(deposits, last, hasMore);
    }

    /// <summary>
    /// Every SPL Token / Token-2022 transfer (Transfer, TransferChecked) into <paramref name="tokenAccount"/> in one landed
    /// transaction, top-level and inner, with account indexes resolved through lookup-table addresses for v0 messages.
    /// </summary>
    public static IReadOnlyList<TokenDeposit> TransfersInto(PublicKey tokenAccount, TransactionDetails tx, SignatureInfo listed)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(listed);
        var keys = tx.AllAccountKeys;
        var found = new List<TokenDeposit>();
        var top = tx.Transaction.Message.Instructions;
        for (var i = 0; i < top.Count; i++)
        {
            Add(top[i], i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var group in tx.InnerInstructions.Where(g => g.Index == i))
            {
                for (var j = 0; j < group.Instructions.Count; j++)
                {
                    Add(group.Instructions[j], $"{i}.{j}");
                }
            }
        }
        return found;

        void Add(CompiledInstruction ix, string position)
        {
            if (ix.ProgramIdIndex >= keys.Count || (keys[ix.ProgramIdIndex] != ProgramIds.Token2022 && keys[ix.ProgramIdIndex] != ProgramIds.Token)
                || ix.Data.Length < 9)
            {
                return;
            }
            // Transfer: [source, destination, authority]; TransferChecked: [source, mint, destination, authority].
            var destinationSlot = ix.Data[0] switch { 3 => 1, 12 => 2, _ => -1 };
            if (destinationSlot < 0 || ix.AccountIndexes.Length <= destinationSlot)
            {
                return;
            }
            var source = ix.AccountIndexes[0];
            var destination = ix.AccountIndexes[destinationSlot];
            if (destination >= keys.Count || source >= keys.Count || keys[destination] != tokenAccount || keys[source] == tokenAccount)
            {
                return;
            }
            var amount = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(ix.Data.AsSpan(1, 8));
            var owner = tx.PreTokenBalances.FirstOrDefault(b => b.AccountIndex == source)?.Owner
                ?? tx.PostTokenBalances.FirstOrDefault(b => b.AccountIndex == source)?.Owner;
            found.Add(new TokenDeposit(listed.Signature, listed.Slot, listed.BlockTime, amount, owner, position, keys[source]));
        }
    }

    private async Task RequireTokenAccountAsync(PublicKey account, CancellationToken ct)
    {
        if (await GetTokenAccountAsync(account, ct) is null)
        {
            throw new SolanaException(SolanaErrorKind.AccountNotFound, $"token account {account} does not exist");
        }
    }

    private Transaction Build(LatestBlockhash blockhash, IReadOnlyList<TransactionInstruction> instructions, uint? computeUnits, params Keypair[] signers)
    {
        var builder = new TransactionBuilder().SetFeePayer(_payer.PublicKey).SetRecentBlockhash(blockhash.Blockhash).AddRange(instructions);
        if (computeUnits is { } cu)
        {
            builder.SetComputeUnitLimit(Math.Min(cu, ComputeBudgetProgram.MaxComputeUnitLimit));
        }
        if (ComputeUnitPrice > 0)
        {
            builder.SetComputeUnitPrice(ComputeUnitPrice);
        }
        var all = new List<Keypair> { _payer };
        all.AddRange(signers.Where(s => s.PublicKey != _payer.PublicKey));
        return builder.Build([.. all.DistinctBy(k => k.PublicKey)]);
    }
}
