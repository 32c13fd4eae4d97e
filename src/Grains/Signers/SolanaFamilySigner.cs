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
    private readonly TransactionSender _sender;
    private readonly XStockTokenClient _tokens;
    private bool _funded;

    public SolanaFamilySigner(string chain, ChainOptions options, ConfiguredChains chains, ChainWriteLog log)
    {
        _options = options;
        _rpc = chains.Solana(chain);
        _issuer = options.SolanaIssuer();
        _log = log;
        _store = log.SolanaStore();
        _sender = new TransactionSender(_rpc, _store, new TransactionSenderOptions
        {
            Commitment = Commitment.Finalized,
            PollInterval = TimeSpan.FromMilliseconds(100),
            Timeout = TimeSpan.FromSeconds(60),
        });
        _tokens = new XStockTokenClient(_rpc, _sender, _issuer);
        var issuer = _issuer.PublicKey.ToString();
        Info = new ChainSignerInfo(chain, "solana", issuer, issuer, MintLinesPerTransaction());
    }

    public ChainSignerInfo Info { get; }

    public string CanonicalAddress(string address) => Parse(address).ToString();

    public async Task<DeployedToken> DeployAsync(TokenDeploymentRequest request)
    {
        await EnsureFundedAsync();
        // The mint's key is derived from the issuer's secret and the symbol: a retry (even after losing every record) signs
        // for the same mint account, which the chain can create only once.
        var mint = Keypair.FromSeed(SHA256.HashData([.. Encoding.UTF8.GetBytes($"sharemint/solana-mint/{request.Symbol}/"), .. _issuer.SecretKey()]));
        var spec = new XStockMintSpec(request.Name, request.Symbol, "", Decimals, _issuer.PublicKey, _issuer.PublicKey)
        {
            InitialMultiplier = ScaledMultiplier.ToDouble(request.Multiplier.Raw),
            PermanentDelegate = _issuer.PublicKey,
        };
        var outcome = await _tokens.CreateMintAsync($"deploy:{request.Symbol}", spec, mint, _issuer);
        return new DeployedToken(mint.PublicKey.ToString(), Decimals, outcome.Slot);
    }

    public async Task<RecordedWrite> SubmitAsync(RecordedWrite write)
    {
        await EnsureFundedAsync();
        var payload = write.Payload;
        var mint = Parse(payload.TokenAddress);
        if (await AlreadyInStateAsync(payload, mint))
        {
            return await _log.UpdateAsync(write, ChainWriteState.Final, null);
        }
        var instructions = Instructions(payload, mint);
        SignedTransactionRecord record;
        try
        {
            record = await _sender.SubmitAsync(Key(write), bh => Build(bh, instructions));
        }
        catch (SolanaRpcException e) when (e.TransactionError is not null && e.Kind is not (SolanaErrorKind.BlockhashExpired or SolanaErrorKind.AlreadyProcessed))
        {
            if (await _store.GetAsync(Key(write), CancellationToken.None) is not { State: SignedTransactionState.Pending, Attempt: 1, AbandonedSignatures.Count: 0 })
            {
                throw;
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
        var payload = write.Payload;
        var instructions = Instructions(payload, Parse(payload.TokenAddress));
        SignedTransactionRecord record;
        try
        {
            record = await _sender.PollAsync(Key(write), bh => Build(bh, instructions));
        }
        catch (SolanaException e) when (e.Kind == SolanaErrorKind.BlockhashExpired)
        {
            return await _log.UpdateAsync(write, ChainWriteState.Failed, null, "blockhash_expired", e.Message);
        }
        return await Outcome(write, record);
    }

    private async Task<RecordedWrite> Outcome(RecordedWrite write, SignedTransactionRecord record) => record.State switch
    {
        SignedTransactionState.Succeeded => await _log.UpdateAsync(write, ChainWriteState.Final, record.Signature),
        SignedTransactionState.Failed => await _log.UpdateAsync(write, ChainWriteState.Failed, record.Signature,
            FailureCode(TransactionSender.FailureKind(record)), $"transaction {record.Signature} failed on chain: {record.ErrorJson}"),
        _ => write.TransactionId == record.Signature ? write : await _log.UpdateAsync(write, ChainWriteState.Pending, record.Signature),
    };

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
        // A credit with no debited source is a mint to the issuer, not a deposit.
        var deposits = page.Deposits.Where(d => d.SourceOwner is not null).Select(d => new TokenDeposit(
            $"{d.Signature}:0", d.SourceOwner!.Value.ToString(), d.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ChainUnits.Exact(d.Amount, decimals), d.Signature, (long)d.Slot,
            d.BlockTime is { } t ? DateTimeOffset.FromUnixTimeSeconds(t) : null)).ToList();
        return new DepositScan(deposits, page.Cursor);
    }

    private async Task<bool> AlreadyInStateAsync(StoredWrite payload, PublicKey mint)
    {
        var on = payload.Lines[0].Units > 0;
        switch (payload.Kind)
        {
            case ChainWriteKind.SetPaused:
                return (await _tokens.GetMintAsync(mint)).IsPaused == on;
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

    private Transaction Build(LatestBlockhash blockhash, List<TransactionInstruction> instructions)
    {
        var builder = new TransactionBuilder().SetFeePayer(_issuer.PublicKey).SetRecentBlockhash(blockhash.Blockhash);
        if (instructions.Count > 2)
        {
            builder.SetComputeUnitLimit(Math.Min(20_000u * (uint)instructions.Count, ComputeBudgetProgram.MaxComputeUnitLimit));
        }
        return builder.AddRange(instructions).Build(_issuer);
    }

    /// <summary>How many mint lines fit one transaction (size, compute and account limits), measured on distinct wallets.</summary>
    private int MintLinesPerTransaction()
    {
        var wallets = Enumerable.Range(0, 64).Select(_ => new MintRecipient(Keypair.Generate().PublicKey, ulong.MaxValue)).ToList();
        var batches = _tokens.PlanBatches(Keypair.Generate().PublicKey, _issuer.PublicKey, Decimals, wallets);
        // Our own message carries one compute-budget instruction like the planner's; keep one line of headroom.
        return Math.Max(1, batches[0].Count - 1);
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
