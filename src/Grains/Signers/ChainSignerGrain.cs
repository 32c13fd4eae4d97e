using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Compliance;
using Sharemint.Errors;
using Sharemint.Ledger;
using Sharemint.Units;

namespace Sharemint.Signers;

/// <inheritdoc cref="IChainSignerGrain"/>
/// <remarks>
/// Writes are recorded (request and fingerprint) in PostgreSQL before anything is signed, and each signed transaction before
/// it is broadcast (tables of migration 0008), so grain state stays small however many writes a chain sees; the state holds
/// only the deployments. One activation per chain and Orleans' one-call-at-a-time execution serialize nonce use.
/// </remarks>
[GrainType("sharemint.chain-signer")]
public sealed class ChainSignerGrain(
    [PersistentState("signer", LedgerStorage.Name)] IPersistentState<ChainSignerState> state,
    ILogger<ChainSignerGrain> logger)
    : Grain, IChainSignerGrain
{
    /// <summary>Longest write id accepted.</summary>
    public const int MaxWriteIdLength = 200;

    /// <summary>Most requests one <see cref="DeployTokensAsync"/> call takes.</summary>
    public const int MaxDeployBatch = 100;

    /// <summary>
    /// How long one batch call waits for its deployments: well within a grain call's 30 s timeout, and short, so the chain's
    /// other writes (a first mint while the catalogue deploys in the background) queue behind it only briefly.
    /// </summary>
    private static readonly TimeSpan DeployBatchWait = TimeSpan.FromSeconds(2);

    private static readonly JsonSerializerOptions FingerprintJson = new(JsonSerializerDefaults.Web);

    private IFamilySigner? _family;
    private ChainWriteLog? _log;

    private string Chain => this.GetPrimaryKeyString();

    public Task<ChainSignerInfo> GetInfoAsync() => Guard("info", () => Task.FromResult(Family().Info));

    public Task<TokenDeployment> DeployTokenAsync(TokenDeploymentRequest request) => Guard("deploy", async () =>
    {
        var family = Family();
        RequireValid(request);
        if (!state.State.Deployments.TryGetValue(request.Symbol, out var deployed))
        {
            // The deploy transaction is write-ahead under a key of the symbol: a retry after a crash finds and finishes it.
            deployed = await family.DeployAsync(request);
            state.State.Deployments[request.Symbol] = deployed;
            await state.WriteStateAsync();
        }
        return new TokenDeployment(Chain, deployed.TokenAddress, deployed.Decimals);
    });

    public Task<IReadOnlyDictionary<string, TokenDeployment>> DeployTokensAsync(IReadOnlyList<TokenDeploymentRequest> requests) => Guard("deploy_batch", async () =>
    {
        var family = Family();
        if (requests is null || requests.Count is 0 or > MaxDeployBatch)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"A deployment batch holds 1-{MaxDeployBatch} requests.");
        }
        foreach (var request in requests)
        {
            RequireValid(request);
        }
        if (requests.Select(r => r.Symbol).Distinct(StringComparer.Ordinal).Count() != requests.Count)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A deployment batch names each symbol once.");
        }
        var missing = requests.Where(r => !state.State.Deployments.ContainsKey(r.Symbol)).ToList();
        if (missing.Count > 0)
        {
            // Each symbol's transaction is write-ahead under its own key: a batch cut short resumes where it stopped.
            var landed = await family.DeployManyAsync(missing, DeployBatchWait);
            foreach (var (symbol, token) in landed)
            {
                state.State.Deployments[symbol] = token;
            }
            if (landed.Count > 0)
            {
                await state.WriteStateAsync();
            }
        }
        return (IReadOnlyDictionary<string, TokenDeployment>)requests
            .Where(r => state.State.Deployments.ContainsKey(r.Symbol))
            .ToDictionary(r => r.Symbol, r => new TokenDeployment(Chain, state.State.Deployments[r.Symbol].TokenAddress, state.State.Deployments[r.Symbol].Decimals),
                StringComparer.Ordinal);
    });

    public Task<ChainWriteStatus> SubmitAsync(ChainWrite write) => Guard("submit", async () =>
    {
        var family = Family();
        var (payload, fingerprint) = Normalize(family, write);
        var recorded = await Log().FindAsync(write.WriteId);
        if (recorded is null)
        {
            recorded = await Log().RecordAsync(write.WriteId, fingerprint, payload);
        }
        if (recorded.Fingerprint != fingerprint)
        {
            throw new LedgerException(LedgerError.IdempotencyConflict, $"Chain write '{write.WriteId}' was recorded with a different request.");
        }
        if (recorded.State != ChainWriteState.Pending)
        {
            return recorded.Status;
        }
        // A write with nothing signed yet is signed and sent; one already signed is advanced (same bytes again), never signed anew.
        return (await family.CheckAsync(recorded)).Status;
    });

    public Task<ChainWriteStatus> CheckAsync(string writeId) => Guard("check", async () =>
    {
        var family = Family();
        if (string.IsNullOrEmpty(writeId))
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A write id is required.");
        }
        var recorded = await Log().FindAsync(writeId)
            ?? throw new LedgerException(LedgerError.InvalidArgument, $"No chain write '{writeId}' was submitted on {Chain}.");
        return recorded.State == ChainWriteState.Pending ? (await family.CheckAsync(recorded)).Status : recorded.Status;
    });

    public Task<OnChainSupply> GetSupplyAsync(string tokenAddress, int decimals) => Guard("supply", async () =>
    {
        var family = Family();
        var token = family.CanonicalAddress(tokenAddress);
        RequireDecimals(decimals);
        var (raw, height) = await family.SupplyAsync(token);
        var (amount, dust) = ChainUnits.Truncate(raw, decimals);
        return new OnChainSupply(Chain, token, raw.ToString(System.Globalization.CultureInfo.InvariantCulture), amount, dust, height);
    });

    public Task<OnChainSupply> GetBalanceAsync(string tokenAddress, int decimals, string address) => Guard("balance", async () =>
    {
        var family = Family();
        var token = family.CanonicalAddress(tokenAddress);
        var holder = family.CanonicalAddress(address);
        RequireDecimals(decimals);
        var (raw, height) = await family.BalanceAsync(token, holder);
        var (amount, dust) = ChainUnits.Truncate(raw, decimals);
        return new OnChainSupply(Chain, token, raw.ToString(System.Globalization.CultureInfo.InvariantCulture), amount, dust, height);
    });

    public Task<DepositScan> ScanDepositsAsync(string tokenAddress, int decimals, string? cursor, int limit) => Guard("scan_deposits", async () =>
    {
        var family = Family();
        var token = family.CanonicalAddress(tokenAddress);
        RequireDecimals(decimals);
        if (limit is < 1 or > 1000)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"A deposit page holds 1-1000 deposits (asked {limit}).");
        }
        var first = state.State.Deployments.Values.FirstOrDefault(d => d.TokenAddress == token)?.Height ?? 0;
        return await family.ScanDepositsAsync(token, decimals, cursor, limit, first);
    });

    public Task<ulong> GetDeployedHeightAsync(string tokenAddress) => Guard("deployed_height", () =>
    {
        var token = Family().CanonicalAddress(tokenAddress);
        return Task.FromResult(state.State.Deployments.Values.FirstOrDefault(d => d.TokenAddress == token)?.Height ?? 0);
    });

    private IFamilySigner Family()
    {
        if (_family is not null)
        {
            return _family;
        }
        var chains = ServiceProvider.GetService<ConfiguredChains>()
            ?? throw new LedgerException(LedgerError.DeploymentNotFound, $"No chains are configured on this silo (call AddSharemintChains); '{Chain}' is unavailable.");
        var options = chains.Get(Chain);
        _family = ChainAddress.FamilyOf(Chain) switch
        {
            ChainAddress.Family.Evm => new EvmFamilySigner(Chain, options, chains, Log()),
            ChainAddress.Family.Tron => new TronFamilySigner(Chain, options, chains, Log()),
            _ => (IFamilySigner)new SolanaFamilySigner(Chain, options, chains, Log()),
        };
        return _family;
    }

    private ChainWriteLog Log() => _log ??= new ChainWriteLog(ServiceProvider.GetRequiredService<NpgsqlDataSource>(), Chain);

    /// <summary>Validates a write and returns its normalized form and fingerprint; nothing is recorded for a bad write.</summary>
    private static (StoredWrite Payload, string Fingerprint) Normalize(IFamilySigner family, ChainWrite write)
    {
        if (write is null)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A chain write is required.");
        }
        if (string.IsNullOrWhiteSpace(write.WriteId) || write.WriteId.Length > MaxWriteIdLength)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"A write id of 1-{MaxWriteIdLength} characters is required.");
        }
        if (!Enum.IsDefined(write.Kind))
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Unknown chain write kind {(int)write.Kind}.");
        }
        RequireDecimals(write.Decimals);
        var token = family.CanonicalAddress(write.TokenAddress ?? "");
        if (write.Kind == ChainWriteKind.SetMultiplier)
        {
            return NormalizeMultiplier(write, token);
        }
        var lines = write.Lines ?? [];
        if (lines.Count == 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A chain write needs at least one line.");
        }
        if (write.Kind == ChainWriteKind.Mint && lines.Count > family.Info.MaxMintBatch)
        {
            throw new LedgerException(LedgerError.LimitExceeded,
                $"A mint on {family.Info.Chain} carries at most {family.Info.MaxMintBatch} lines (got {lines.Count}).");
        }
        if (write.Kind != ChainWriteKind.Mint && lines.Count != 1)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"A {write.Kind} write has exactly one line (got {lines.Count}).");
        }
        var stored = new List<StoredLine>(lines.Count);
        foreach (var line in lines)
        {
            if (line is null)
            {
                throw new LedgerException(LedgerError.InvalidArgument, "A chain write line is missing.");
            }
            switch (write.Kind)
            {
                case ChainWriteKind.Mint or ChainWriteKind.BurnFromRedemption or ChainWriteKind.BurnFromHolder:
                    if (line.Amount.Units <= 0)
                    {
                        throw new LedgerException(LedgerError.InvalidAmount, $"A {write.Kind} amount must be positive.");
                    }
                    var units = line.Amount.ToChainUnits(write.Decimals);
                    if (family.Info.Family == "solana" && units > ulong.MaxValue)
                    {
                        throw new LedgerException(LedgerError.AmountOverflow, $"{line.Amount} does not fit a Solana token amount.");
                    }
                    // Burning from the redemption address needs no address: it is always the issuer's.
                    var address = write.Kind == ChainWriteKind.BurnFromRedemption ? family.Info.RedemptionAddress : family.CanonicalAddress(line.Address ?? "");
                    stored.Add(new StoredLine(address, line.Amount.Units, units.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                case ChainWriteKind.SetBlocked:
                    stored.Add(new StoredLine(family.CanonicalAddress(line.Address ?? ""), line.Amount.Units > 0 ? 1 : 0, "0"));
                    break;
                default:
                    // Pausing concerns the token, not an address.
                    stored.Add(new StoredLine("", line.Amount.Units > 0 ? 1 : 0, "0"));
                    break;
            }
        }
        var payload = new StoredWrite(write.Kind, token, write.Decimals, stored);
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(payload, FingerprintJson))));
        return (payload, fingerprint);
    }

    /// <summary>
    /// A multiplier write is stored as one line: the effective time in the units column and "raw:nonce" as its chain units,
    /// so the write-ahead log's format stays the same for every kind.
    /// </summary>
    private static (StoredWrite Payload, string Fingerprint) NormalizeMultiplier(ChainWrite write, string token)
    {
        if (write.Lines is { Count: > 0 })
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A SetMultiplier write carries its value in Multiplier, not in lines.");
        }
        var multiplier = write.Multiplier
            ?? throw new LedgerException(LedgerError.InvalidArgument, "A SetMultiplier write needs its multiplier.");
        if (!System.Numerics.BigInteger.TryParse(multiplier.Raw, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var raw)
            || raw.IsZero || raw.GetBitLength() > 256)
        {
            throw new LedgerException(LedgerError.AmountOverflow, $"A multiplier must be a positive 256-bit integer (got '{multiplier.Raw}').");
        }
        if (multiplier.EffectiveAt < 0 || multiplier.ExpectedNonce < 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A multiplier's effective time and nonce cannot be negative.");
        }
        var line = new StoredLine("", multiplier.EffectiveAt,
            $"{raw.ToString(System.Globalization.CultureInfo.InvariantCulture)}:{multiplier.ExpectedNonce.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        var payload = new StoredWrite(write.Kind, token, write.Decimals, [line]);
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(payload, FingerprintJson))));
        return (payload, fingerprint);
    }

    private static void RequireValid(TokenDeploymentRequest? request)
    {
        if (request is null || string.IsNullOrWhiteSpace(request.Symbol) || request.Symbol.Length > 10 || string.IsNullOrWhiteSpace(request.Name))
        {
            throw new LedgerException(LedgerError.InvalidArgument, "A deployment needs a symbol (at most 10 characters) and a name.");
        }
        if (request.Multiplier.Value <= 0)
        {
            throw new LedgerException(LedgerError.InvalidArgument, "The initial multiplier must be positive.");
        }
    }

    private static void RequireDecimals(int decimals)
    {
        if (decimals is < 0 or > 36)
        {
            throw new LedgerException(LedgerError.InvalidArgument, $"Token decimals must be 0-36 (got {decimals}).");
        }
    }

    private Task<T> Guard<T>(string operation, Func<Task<T>> call) => ChainCalls.GuardAsync(Chain, operation, logger, call);
}
