using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Sharemint.Chains.Solana;
using Sharemint.Errors;

namespace Sharemint.Signers;

/// <summary>
/// The issuer's wallet on Solana: fee payer, mint/freeze/pause authority and permanent delegate of every mint it creates.
/// Writes go through <see cref="TransactionSender"/> (write-ahead in the log, same bytes rebroadcast, re-signed only after
/// the blockhash expired at finalized height with no signature of the write known) and count as final at finalized.
/// </summary>
internal sealed class SolanaFamilySigner : IFamilySigner
{
    /// <summary>Token-2022 decimals of every xStock mint (the canonical 8: no dust on Solana).</summary>
    public const int Decimals = 8;

    private readonly ChainOptions _options;
    private readonly SolanaRpcClient _rpc;
    private readonly Keypair _issuer;
    private readonly ChainWriteLog _log;
    private readonly ISignedTransactionStore _store;
    private readonly SolanaMintKeys _mintKeys;
    private readonly TransactionSender _sender;
    private readonly XStockTokenClient _tokens;
    private bool _funded;
    private ulong? _guardRent;
    private bool _feeStarved;
    private ulong _price;
    private DateTime _priceRead = DateTime.MinValue;

    /// <summary>How long a price read from the market is reused (a pending write is checked far more often than this).</summary>
    private static readonly TimeSpan PriceLifetime = TimeSpan.FromSeconds(10);

    public SolanaFamilySigner(string chain, ChainOptions options, ConfiguredChains chains, ChainWriteLog log)
    {
        _options = options;
        _rpc = chains.Solana(chain);
        // An in-process key signs in place; a key held elsewhere (KMS, HSM) is asked by the sender before anything is stored.
        var holder = chains.Keys.Solana(chain, options);
        _issuer = holder is InProcessSolanaKeySigner local ? local.Key : Keypair.HeldElsewhere(holder.PublicKey);
        _log = log;
        _store = log.SolanaStore();
        _mintKeys = log.SolanaMintKeys();
        _sender = new TransactionSender(_rpc, _store, new TransactionSenderOptions
        {
            Commitment = Commitment.Finalized,
            PollInterval = TimeSpan.FromMilliseconds(100),
            Timeout = TimeSpan.FromSeconds(60),
            KeySigner = _issuer.HasSecret ? null : holder,
        });
        // The deploy (one transaction per asset) offers the fixed price when one is configured.
        _tokens = new XStockTokenClient(_rpc, _sender, _issuer) { ComputeUnitPrice = options.PriorityFees.Choose([]) };
        var issuer = _issuer.PublicKey.ToString();
        Info = new ChainSignerInfo(chain, "solana", issuer, issuer, MintLinesPerTransaction());
    }

    public ChainSignerInfo Info { get; }

    public string CanonicalAddress(string address) => Parse(address).ToString();

    public async Task<DeployedToken> DeployAsync(TokenDeploymentRequest request)
    {
        await EnsureFundedAsync();
        var mint = await MintKeyAsync(request.Symbol);
        if (await _store.GetAsync($"deploy:{request.Symbol}", CancellationToken.None) is null
            && await _rpc.GetAccountInfoAsync(mint.PublicKey, Commitment.Confirmed) is not null)
        {
            // The mint exists but this log never signed its creation (an earlier build's deploy whose records were lost):
            // keep it when it is the issuer's, rather than failing on an account the chain can create only once.
            var existing = await _tokens.GetMintAsync(mint.PublicKey);
            if (existing.MintAuthority != _issuer.PublicKey)
            {
                throw new LedgerException(LedgerError.ChainWriteFailed,
                    $"{Info.Chain}: the mint account {mint.PublicKey} of {request.Symbol} exists but its mint authority is not the issuer's");
            }
            return new DeployedToken(mint.PublicKey.ToString(), Decimals, await _rpc.GetSlotAsync(Commitment.Confirmed));
        }
        var spec = new XStockMintSpec(request.Name, request.Symbol, "", Decimals, _issuer.PublicKey, _issuer.PublicKey)
        {
            InitialMultiplier = ScaledMultiplier.ToDouble(request.Multiplier.Raw),
            PermanentDelegate = _issuer.PublicKey,
        };
        var outcome = await _tokens.CreateMintAsync($"deploy:{request.Symbol}", spec, mint, _issuer);
        return new DeployedToken(mint.PublicKey.ToString(), Decimals, outcome.Slot);
    }

    /// <summary>
    /// The mint account's key for <paramref name="symbol"/>: the stored one; else, for a deploy begun by a build that derived
    /// mint keys from the issuer's secret (its signed transaction is recorded, or its mint exists), that derived key, so
    /// existing deployments keep their mint; else a fresh random key. Stored before anything is signed, so retries and
    /// other activations sign for the same mint account, which the chain can create only once.
    /// </summary>
    private async Task<Keypair> MintKeyAsync(string symbol)
    {
        if (await _mintKeys.FindAsync(symbol) is { } stored)
        {
            return stored.Key;
        }
        if (!_issuer.HasSecret)
        {
            // The issuer's secret is held elsewhere, so no earlier build can have derived a mint key from it here.
            return (await _mintKeys.AddOrGetAsync(symbol, Keypair.Generate(), "generated")).Key;
        }
        var derived = Keypair.FromSeed(SHA256.HashData([.. Encoding.UTF8.GetBytes($"sharemint/solana-mint/{symbol}/"), .. _issuer.SecretKey()]));
        var record = await _store.GetAsync($"deploy:{symbol}", CancellationToken.None);
        var legacy = record is not null
            ? Transaction.Deserialize(record.WireTransaction).Message.AccountKeys.Contains(derived.PublicKey)
            : await _rpc.GetAccountInfoAsync(derived.PublicKey, Commitment.Confirmed) is not null;
        return legacy
            ? (await _mintKeys.AddOrGetAsync(symbol, derived, "derived")).Key
            : (await _mintKeys.AddOrGetAsync(symbol, Keypair.Generate(), "generated")).Key;
    }

    public async Task<RecordedWrite> SubmitAsync(RecordedWrite write)
    {
        await EnsureFundedAsync();
        await RequireFeeMoneyAsync();
        var payload = write.Payload;
        var mint = Parse(payload.TokenAddress);
        if (await AlreadyInStateAsync(payload, mint))
        {
            return await _log.UpdateAsync(write, ChainWriteState.Final, null);
        }
        var sign = await SigningAsync(write);
        SignedTransactionRecord record;
        try
        {
            record = await _sender.SubmitAsync(Key(write), sign);
        }
        catch (SolanaRpcException e) when (e.TransactionError is not null && e.Kind is not (SolanaErrorKind.BlockhashExpired or SolanaErrorKind.AlreadyProcessed))
        {
            if (await _store.GetAsync(Key(write), CancellationToken.None) is not { State: SignedTransactionState.Pending, Attempt: 1, AbandonedSignatures.Count: 0 } first)
            {
                throw;
            }
            if (e.Kind == SolanaErrorKind.InsufficientLamports || IsGuardShortOfLamports(e.TransactionError, first))
            {
                // The issuer cannot pay: the write waits (pending, same bytes) until someone tops the account up.
                throw FeeStarved(e.Message);
            }
            // The first and only broadcast of these bytes was refused at preflight: the node never took them and no copy
            // exists outside our store, so they cannot land; the write failed for good.
            return await _log.UpdateAsync(write, ChainWriteState.Failed, null, FailureCode(e.Kind), e.Message);
        }
        return await Outcome(write, record);
    }

    public async Task<RecordedWrite> CheckAsync(RecordedWrite write)
    {
        if (await _store.GetAsync(Key(write), CancellationToken.None) is null)
        {
            return await SubmitAsync(write);
        }
        // While the issuer cannot pay nothing new can land: do not spend attempts re-signing copies that would expire unseen.
        await RequireFeeMoneyAsync();
        SignedTransactionRecord record;
        try
        {
            record = await _sender.PollAsync(Key(write), await SigningAsync(write));
        }
        catch (SolanaException e) when (e.Kind == SolanaErrorKind.BlockhashExpired)
        {
            return await _log.UpdateAsync(write, ChainWriteState.Failed, null, "blockhash_expired", e.Message);
        }
        catch (SolanaException e) when (e.Kind == SolanaErrorKind.InsufficientLamports)
        {
            throw FeeStarved(e.Message);
        }
        return await Outcome(write, record);
    }

    private async Task<RecordedWrite> Outcome(RecordedWrite write, SignedTransactionRecord record)
    {
        if (record.State == SignedTransactionState.Failed && IsGuardInUse(record))
        {
            // The operation's replay guard already exists: a transaction of this very write landed (they are atomic), so the
            // effect happened exactly once; this copy was the refused duplicate.
            return await _log.UpdateAsync(write, ChainWriteState.Final, null);
        }
        return record.State switch
        {
            SignedTransactionState.Succeeded => await _log.UpdateAsync(write, ChainWriteState.Final, record.Signature),
            SignedTransactionState.Failed => await _log.UpdateAsync(write, ChainWriteState.Failed, record.Signature,
                FailureCode(TransactionSender.FailureKind(record)), $"transaction {record.Signature} failed on chain: {record.ErrorJson}"),
            _ => write.TransactionId == record.Signature ? write : await _log.UpdateAsync(write, ChainWriteState.Pending, record.Signature),
        };
    }

    /// <summary>
    /// The signing callback of a write. Mints and burns carry the operation's replay guard first (see <see cref="Guard"/>);
    /// a write recorded before guards existed keeps signing its recorded instructions, so its intent still matches.
    /// </summary>
    private async Task<Func<LatestBlockhash, Transaction>> SigningAsync(RecordedWrite write)
    {
        var payload = write.Payload;
        var mint = Parse(payload.TokenAddress);
        var plain = Instructions(payload, mint);
        // The price is no part of the write's intent: a copy re-signed after expiry offers what the market asks then.
        var price = await PriceAsync(mint);
        if (payload.Kind is not (ChainWriteKind.Mint or ChainWriteKind.BurnFromRedemption or ChainWriteKind.BurnFromHolder))
        {
            return bh => Build(bh, plain, price);
        }
        if (await _store.GetAsync(Key(write), CancellationToken.None) is { } stored
            && stored.IntentHash == TransactionSender.IntentHash(Build(new LatestBlockhash(stored.Blockhash, 0, 0), plain, price).Message))
        {
            return bh => Build(bh, plain, price);
        }
        List<TransactionInstruction> guarded = [await GuardAsync(write.WriteId), .. plain];
        return bh => Build(bh, guarded, price);
    }

    /// <summary>
    /// The priority fee for a write of <paramref name="mint"/>: the configured one, or the recent fees of transactions that
    /// wrote the mint (read at most every <see cref="PriceLifetime"/>), capped. A provider without the method offers the floor.
    /// </summary>
    private async Task<ulong> PriceAsync(PublicKey mint)
    {
        var policy = _options.PriorityFees;
        if (policy.FixedMicroLamports is not null || policy.MaxMicroLamports == 0)
        {
            return policy.Choose([]);
        }
        if (DateTime.UtcNow - _priceRead < PriceLifetime)
        {
            return _price;
        }
        IReadOnlyList<PrioritizationFee> recent;
        try
        {
            recent = await _rpc.GetRecentPrioritizationFeesAsync([mint]);
        }
        catch (SolanaRpcException)
        {
            // The node answered but does not serve recent fees: the write still goes, at the floor.
            recent = [];
        }
        _price = policy.Choose(recent);
        _priceRead = DateTime.UtcNow;
        return _price;
    }

    /// <summary>
    /// The on-chain replay guard of a write, the counterpart of the EVM token's operation-id check: the issuer creates the
    /// system account at (issuer, seed of the write id) in the same transaction, so a second transaction for the same
    /// write fails on-chain ("already in use") whoever signed it and whatever blockhash it used.
    /// </summary>
    private async Task<TransactionInstruction> GuardAsync(string writeId)
    {
        _guardRent ??= await _rpc.GetMinimumBalanceForRentExemptionAsync(0);
        return SystemProgram.CreateAccountWithSeed(_issuer.PublicKey, _issuer.PublicKey, GuardSeed(writeId), _guardRent.Value, 0, ProgramIds.System);
    }

    /// <summary>32 hex characters of SHA-256 of the write id (a seed is at most 32 bytes).</summary>
    internal static string GuardSeed(string writeId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(writeId)))[..32];

    /// <summary>The guard address of a write of this issuer.</summary>
    internal static PublicKey GuardAddress(PublicKey issuer, string writeId) => PublicKey.CreateWithSeed(issuer, GuardSeed(writeId), ProgramIds.System);

    private static bool IsGuardInUse(SignedTransactionRecord record)
    {
        if (record.ErrorJson is null)
        {
            return false;
        }
        using var doc = System.Text.Json.JsonDocument.Parse(record.ErrorJson);
        return TransactionError.Parse(doc.RootElement) is { InstructionIndex: { } index, CustomCode: 0 }
            && IsSystemInstruction(Transaction.Deserialize(record.WireTransaction), index);
    }

    /// <summary>The System program's "insufficient lamports" (custom 1) in the guard: the issuer cannot fund it.</summary>
    private static bool IsGuardShortOfLamports(TransactionError? error, SignedTransactionRecord record) =>
        error is { InstructionIndex: { } index, CustomCode: 1 } && IsSystemInstruction(Transaction.Deserialize(record.WireTransaction), index);

    private static bool IsSystemInstruction(Transaction tx, int index) =>
        index < tx.Message.Instructions.Count && tx.Message.AccountKeys[tx.Message.Instructions[index].ProgramIdIndex] == ProgramIds.System;

    /// <summary>Refuses to go on while the issuer is known to be short of fee money and still is (one balance read).</summary>
    private async Task RequireFeeMoneyAsync()
    {
        if (!_feeStarved)
        {
            return;
        }
        _guardRent ??= await _rpc.GetMinimumBalanceForRentExemptionAsync(0);
        var balance = await _rpc.GetBalanceAsync(_issuer.PublicKey);
        if (balance < _guardRent.Value + MinimumFeeLamports)
        {
            throw FeeStarved($"balance {balance} lamports");
        }
        _feeStarved = false;
        FeeMoneyAlerts.Restored(Info.Chain);
    }

    private LedgerException FeeStarved(string detail)
    {
        _feeStarved = true;
        FeeMoneyAlerts.Starved(Info.Chain);
        return new LedgerException(LedgerError.ChainUnavailable, $"{Info.Chain}: the issuer {Info.IssuerAddress} cannot pay fees ({detail}); chain writes wait");
    }

    /// <summary>Fees of a few signatures: below this (plus a guard's rent) no write can land.</summary>
    private const ulong MinimumFeeLamports = 20_000;

    public async Task<(BigInteger Raw, long Height)> SupplyAsync(string tokenAddress)
    {
        var supply = await _rpc.GetTokenSupplyAsync(Parse(tokenAddress), Commitment.Confirmed);
        return (supply.Amount, (long)await _rpc.GetSlotAsync(Commitment.Confirmed));
    }

    public async Task<(BigInteger Raw, long Height)> BalanceAsync(string tokenAddress, string address)
    {
        var balance = await _tokens.GetBalanceAsync(Parse(tokenAddress), Parse(address));
        return (balance, (long)await _rpc.GetSlotAsync(Commitment.Confirmed));
    }

    public async Task<DepositScan> ScanDepositsAsync(string tokenAddress, int decimals, string? cursor, int limit, ulong firstHeight)
    {
        var account = AssociatedTokenProgram.FindAddress(_issuer.PublicKey, Parse(tokenAddress));
        var page = await _tokens.ListDepositsAsync(account, string.IsNullOrEmpty(cursor) ? null : cursor, limit, Commitment.Finalized);
        // One deposit per transfer instruction: the id names the transaction and the transfer's position in it. A sender
        // whose owner the node did not report is named by its token account (an unknown sender: held for operators).
        var deposits = page.Deposits.Where(d => d.Amount > 0).Select(d => new TokenDeposit(
            $"{d.Signature}:{d.Position}", (d.SourceOwner ?? d.SourceAccount ?? PublicKey.Default).ToString(),
            d.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ChainUnits.Exact(d.Amount, decimals), d.Signature, (long)d.Slot,
            d.BlockTime is { } t ? DateTimeOffset.FromUnixTimeSeconds(t) : null)).ToList();
        return new DepositScan(deposits, page.Cursor);
    }

    public async Task<OnChainMultiplier> MultiplierAsync(string tokenAddress)
    {
        var state = await _tokens.GetMintAsync(Parse(tokenAddress));
        var scaled = state.ScaledUiAmount
            ?? throw new LedgerException(LedgerError.DeploymentNotFound, $"{tokenAddress} has no scaled-UI-amount extension.");
        // Which value is current follows the wall clock, which the cluster clock tracks within seconds.
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var latestAt = scaled.NewMultiplierEffectiveTimestamp;
        return new OnChainMultiplier(Info.Chain, tokenAddress,
            ScaledMultiplier.ToFixed18(scaled.MultiplierAt(now)).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ScaledMultiplier.ToFixed18(scaled.NewMultiplier).ToString(System.Globalization.CultureInfo.InvariantCulture), latestAt, -1);
    }

    private async Task<bool> AlreadyInStateAsync(StoredWrite payload, PublicKey mint)
    {
        var on = payload.Lines[0].Units > 0;
        switch (payload.Kind)
        {
            case ChainWriteKind.SetPaused:
                return (await _tokens.GetMintAsync(mint)).IsPaused == on;
            case ChainWriteKind.SetMultiplier:
                // The update sets an absolute value: one already shown needs no second transaction.
                return StoredMultiplier.Of(payload).IsShownBy(await MultiplierAsync(payload.TokenAddress));
            case ChainWriteKind.SetBlocked:
                var account = await _tokens.GetTokenAccountAsync(AssociatedTokenProgram.FindAddress(Parse(payload.Lines[0].Address), mint));
                return account is null ? !on : account.IsFrozen == on;
            default:
                return false;
        }
    }

    private List<TransactionInstruction> Instructions(StoredWrite payload, PublicKey mint)
    {
        var issuer = _issuer.PublicKey;
        var decimals = (byte)payload.Decimals;
        var list = new List<TransactionInstruction>();
        if (payload.Kind == ChainWriteKind.SetMultiplier)
        {
            var multiplier = StoredMultiplier.Of(payload);
            list.Add(Token2022Program.UpdateMultiplier(mint, issuer, ScaledMultiplier.ToDouble(multiplier.Raw), multiplier.EffectiveAt));
            return list;
        }
        foreach (var line in payload.Lines)
        {
            var amount = ulong.Parse(line.ChainUnits, System.Globalization.CultureInfo.InvariantCulture);
            switch (payload.Kind)
            {
                case ChainWriteKind.Mint:
                    var wallet = Parse(line.Address);
                    list.Add(AssociatedTokenProgram.CreateIdempotent(issuer, wallet, mint));
                    list.Add(Token2022Program.MintToChecked(mint, AssociatedTokenProgram.FindAddress(wallet, mint), issuer, amount, decimals));
                    break;
                case ChainWriteKind.BurnFromRedemption:
                    list.Add(Token2022Program.BurnChecked(AssociatedTokenProgram.FindAddress(issuer, mint), mint, issuer, amount, decimals));
                    break;
                case ChainWriteKind.BurnFromHolder:
                    // The issuer signs as the mint's permanent delegate.
                    list.Add(Token2022Program.BurnChecked(AssociatedTokenProgram.FindAddress(Parse(line.Address), mint), mint, issuer, amount, decimals));
                    break;
                case ChainWriteKind.SetBlocked:
                    var holder = Parse(line.Address);
                    var holderAccount = AssociatedTokenProgram.FindAddress(holder, mint);
                    list.Add(AssociatedTokenProgram.CreateIdempotent(issuer, holder, mint));
                    list.Add(line.Units > 0 ? Token2022Program.FreezeAccount(holderAccount, mint, issuer) : Token2022Program.ThawAccount(holderAccount, mint, issuer));
                    break;
                case ChainWriteKind.SetPaused:
                    list.Add(line.Units > 0 ? Token2022Program.Pause(mint, issuer) : Token2022Program.Resume(mint, issuer));
                    break;
                default:
                    throw new LedgerException(LedgerError.InvalidArgument, $"Unknown chain write kind {payload.Kind}.");
            }
        }
        return list;
    }

    private Transaction Build(LatestBlockhash blockhash, List<TransactionInstruction> instructions, ulong price)
    {
        var builder = new TransactionBuilder().SetFeePayer(_issuer.PublicKey).SetRecentBlockhash(blockhash.Blockhash);
        if (instructions.Count > 2)
        {
            builder.SetComputeUnitLimit(Math.Min(20_000u * (uint)instructions.Count, ComputeBudgetProgram.MaxComputeUnitLimit));
        }
        else if (price > 0)
        {
            // A priority fee is paid on the requested units: request what the runtime would grant anyway, no more.
            builder.SetComputeUnitLimit(200_000u * (uint)instructions.Count);
        }
        if (price > 0)
        {
            builder.SetComputeUnitPrice(price);
        }
        return builder.AddRange(instructions).Build(_issuer);
    }

    /// <summary>How many mint lines fit one transaction (size, compute and account limits), measured on distinct wallets.</summary>
    private int MintLinesPerTransaction()
    {
        var wallets = Enumerable.Range(0, 64).Select(_ => new MintRecipient(Keypair.Generate().PublicKey, ulong.MaxValue)).ToList();
        var batches = _tokens.PlanBatches(Keypair.Generate().PublicKey, _issuer.PublicKey, Decimals, wallets);
        // Our own message carries one compute-budget instruction like the planner's and the replay guard (about one line's
        // bytes); keep two lines of headroom.
        return Math.Max(1, batches[0].Count - 2);
    }

    private async Task EnsureFundedAsync()
    {
        if (_funded || _options.AirdropLamports == 0)
        {
            return;
        }
        if (await _rpc.GetBalanceAsync(_issuer.PublicKey) < _options.AirdropLamports)
        {
            await _rpc.RequestAirdropAsync(_issuer.PublicKey, _options.AirdropLamports);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await _rpc.GetBalanceAsync(_issuer.PublicKey) < _options.AirdropLamports)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new SolanaException(SolanaErrorKind.RpcUnavailable, "the airdrop to the fee payer did not arrive within 30 s");
                }
                await Task.Delay(100);
            }
        }
        _funded = true;
    }

    private static string Key(RecordedWrite write) => $"write:{write.WriteId}";

    private static PublicKey Parse(string address) =>
        PublicKey.TryParse(address, out var key) ? key : throw new LedgerException(LedgerError.AddressInvalid, $"'{address}' is not a Solana address.");

    internal static string FailureCode(SolanaErrorKind kind) => kind switch
    {
        SolanaErrorKind.MintPaused => "token_paused",
        SolanaErrorKind.AccountFrozen => "address_blocked",
        SolanaErrorKind.InsufficientFunds => "insufficient_balance",
        SolanaErrorKind.WrongSigner => "missing_role",
        SolanaErrorKind.AccountNotFound => "account_not_found",
        SolanaErrorKind.InsufficientLamports => "insufficient_fee_balance",
        _ => EvmFamilySigner.SnakeCase(kind.ToString()),
    };
}
