using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sharemint.Chains.Solana;

/// <summary>How <see cref="SolanaRpcClient"/> treats several providers and providers under load.</summary>
public sealed record SolanaRpcClientOptions
{
    /// <summary>
    /// Further endpoints of the same cluster (other providers). A transport failure (no connection, no answer in time, an
    /// HTTP error status) or a provider that keeps refusing moves the client to the next one, for this call and later ones.
    /// </summary>
    public IReadOnlyList<Uri> FallbackEndpoints { get; init; } = [];

    /// <summary>Extra attempts after a transport failure for methods that may be repeated (see <see cref="RepeatableMethods"/>).</summary>
    public int ReadRetries { get; init; } = 2;

    /// <summary>Pause before such a retry.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Extra attempts after HTTP 429 (any method: the provider refused the request unprocessed) or 503 (repeatable methods),
    /// each after the provider's Retry-After or an exponential backoff with jitter, whichever is longer.
    /// </summary>
    public int RateLimitRetries { get; init; } = 4;

    /// <summary>The first backoff after a 429/503 without Retry-After; it doubles per attempt, jittered by ±50 %.</summary>
    public TimeSpan RateLimitBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest single wait for a rate limit, whatever Retry-After asks.</summary>
    public TimeSpan MaxRateLimitWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Methods that may be sent again after an unknown outcome. <c>sendTransaction</c> is deliberately absent (as on EVM): a
    /// lost reply is the sender's to resolve, by reading the signature's status and rebroadcasting its recorded bytes;
    /// <c>requestAirdrop</c> too (each call is a new transfer). A 429 is retried for every method: it was refused unprocessed.
    /// </summary>
    public IReadOnlySet<string> RepeatableMethods { get; init; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "getHealth", "getVersion", "getSlot", "getBlockHeight", "getLatestBlockhash", "isBlockhashValid",
        "getMinimumBalanceForRentExemption", "getBalance", "getAccountInfo", "getMultipleAccounts", "getTokenSupply",
        "getTokenAccountBalance", "getTokenAccountsByOwner", "getProgramAccounts", "getSignatureStatuses",
        "getSignaturesForAddress", "getTransaction", "simulateTransaction", "getFeeForMessage", "getEpochInfo",
        "getRecentPrioritizationFees",
    };
}

/// <summary>
/// A Solana JSON-RPC 2.0 client over HTTP. Thread-safe. Every call has a timeout
/// (<see cref="SolanaErrorKind.RpcUnavailable"/> when it passes or the node cannot be reached)
/// and honours the caller's cancellation token (which surfaces as <see cref="OperationCanceledException"/>).
/// Node errors become <see cref="SolanaRpcException"/> with the code and message kept. With several endpoints a transport
/// failure moves to the next one; HTTP 429 is waited out (Retry-After honoured, jittered backoff) for any method and 503
/// for repeatable ones, a bounded number of times.
/// </summary>
public sealed class SolanaRpcClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly RpcEndpointSet _endpoints;
    private long _nextId;
    private long _rateLimited;

    /// <summary>Creates a client for <paramref name="endpoint"/>; <paramref name="httpClient"/> is used as given (not disposed) when supplied.</summary>
    public SolanaRpcClient(Uri endpoint, TimeSpan? timeout = null, HttpClient? httpClient = null, SolanaRpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Options = options ?? new SolanaRpcClientOptions();
        _endpoints = new RpcEndpointSet(endpoint, Options.FallbackEndpoints);
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        Timeout = timeout ?? TimeSpan.FromSeconds(30);
    }

    /// <summary>The per-request timeout.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Failover and rate-limit settings.</summary>
    public SolanaRpcClientOptions Options { get; }

    /// <summary>The configured first endpoint.</summary>
    public Uri Endpoint => _endpoints.Primary;

    /// <summary>The endpoint calls go to now (moves on after transport failures and repeated refusals).</summary>
    public Uri CurrentEndpoint => _endpoints.Current;

    /// <summary>Requests answered 429/503 and waited out since this client was made.</summary>
    public long RateLimitedRequests => Interlocked.Read(ref _rateLimited);

    /// <summary>Times this client moved to the next endpoint.</summary>
    public long Failovers => _endpoints.Failovers;

    /// <summary>Calls any method and returns its result element (cloned, safe to keep).</summary>
    /// <exception cref="SolanaRpcException">The node answered with an error.</exception>
    /// <exception cref="SolanaException"><see cref="SolanaErrorKind.RpcUnavailable"/> on timeout, connection failure, refusals past the retries or a malformed answer.</exception>
    public async Task<JsonElement> CallAsync(string method, JsonArray parameters, CancellationToken cancellationToken = default)
    {
        var repeatable = Options.RepeatableMethods.Contains(method);
        // With several endpoints a repeatable call gets at least one try on each.
        var attempts = repeatable ? 1 + Math.Max(Math.Max(0, Options.ReadRetries), _endpoints.Count - 1) : 1;
        var waits = 0;
        for (var attempt = 1; ; attempt++)
        {
            var index = _endpoints.Position;
            try
            {
                return await CallOnceAsync(_endpoints.At(index), method, parameters, cancellationToken);
            }
            catch (SolanaTransportException e) when (e.HttpStatus is 429 || (e.HttpStatus is 503 && repeatable))
            {
                // Refused unprocessed: wait as asked (or back off) and ask again, on the next endpoint when there is one.
                if (waits >= Options.RateLimitRetries)
                {
                    throw;
                }
                waits++;
                attempt--;
                Interlocked.Increment(ref _rateLimited);
                _endpoints.MoveOn(index);
                await Task.Delay(RpcEndpointSet.RateLimitWait(waits, e.RetryAfter, Options.RateLimitBackoff, Options.MaxRateLimitWait), cancellationToken);
            }
            catch (SolanaTransportException)
            {
                _endpoints.MoveOn(index);
                if (attempt >= attempts)
                {
                    throw;
                }
                await Task.Delay(Options.RetryDelay, cancellationToken);
            }
        }
    }


    private async Task<JsonElement> CallOnceAsync(Uri endpoint, string method, JsonArray parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var body = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters.DeepClone() };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        string text;
        try
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _http.PostAsync(endpoint, content, timeout.Token);
            text = await response.Content.ReadAsStringAsync(timeout.Token);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode && (status is 429 or 503 || !text.TrimStart().StartsWith('{')))
            {
                var hinted = response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
                throw new SolanaTransportException($"{method}: HTTP {status} from {endpoint}")
                {
                    HttpStatus = status,
                    RetryAfter = hinted is { } h && h > TimeSpan.Zero ? h : null,
                };
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SolanaTransportException($"{method}: no answer from {endpoint} within {Timeout.TotalSeconds}s", e);
        }
        catch (HttpRequestException e)
        {
            throw new SolanaTransportException($"{method}: cannot reach {endpoint}: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new SolanaTransportException($"{method}: connection to {endpoint} dropped: {e.Message}", e);
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new SolanaTransportException($"{method}: malformed JSON from {endpoint}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                throw ToException(error);
            }
            if (!root.TryGetProperty("result", out var result))
            {
                throw new SolanaTransportException($"{method}: answer from {endpoint} has neither result nor error");
            }
            return result.Clone();
        }
    }

    private static SolanaRpcException ToException(JsonElement error)
    {
        var code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var ci) ? ci : 0;
        var message = error.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
        string? dataJson = null;
        TransactionError? txError = null;
        var logs = new List<string>();
        if (error.TryGetProperty("data", out var data) && data.ValueKind != JsonValueKind.Null)
        {
            dataJson = data.GetRawText();
            if (data.ValueKind == JsonValueKind.Object)
            {
                if (data.TryGetProperty("err", out var err))
                {
                    txError = TransactionError.Parse(err);
                }
                if (data.TryGetProperty("logs", out var l) && l.ValueKind == JsonValueKind.Array)
                {
                    logs.AddRange(l.EnumerateArray().Select(x => x.GetString() ?? ""));
                }
            }
        }
        var kind = code switch
        {
            -32003 => SolanaErrorKind.SignatureVerificationFailed,
            -32002 when txError is not null => txError.Kind,
            _ => SolanaErrorKind.RpcError,
        };
        return new SolanaRpcException(kind, code, message, dataJson, txError, logs);
    }

    private static JsonObject Config(Commitment? commitment, params (string Key, JsonNode? Value)[] extra)
    {
        var o = new JsonObject();
        if (commitment is { } c)
        {
            o["commitment"] = Name(c);
        }
        foreach (var (k, v) in extra)
        {
            if (v is not null)
            {
                o[k] = v;
            }
        }
        return o;
    }

    internal static string Name(Commitment c) => c switch
    {
        Commitment.Processed => "processed",
        Commitment.Confirmed => "confirmed",
        _ => "finalized",
    };

    private static Commitment? ParseCommitment(JsonElement e) => e.ValueKind != JsonValueKind.String ? null : e.GetString() switch
    {
        "processed" => Commitment.Processed,
        "confirmed" => Commitment.Confirmed,
        "finalized" => Commitment.Finalized,
        _ => null,
    };

    private static ulong U64(JsonElement e) => e.ValueKind == JsonValueKind.String
        ? ulong.Parse(e.GetString()!, CultureInfo.InvariantCulture)
        : e.GetUInt64();

    /// <summary>getHealth: "ok" when the node is healthy.</summary>
    public async Task<string> GetHealthAsync(CancellationToken ct = default) =>
        (await CallAsync("getHealth", [], ct)).GetString() ?? "";

    /// <summary>getVersion: the node's "solana-core" version string.</summary>
    public async Task<string> GetVersionAsync(CancellationToken ct = default) =>
        (await CallAsync("getVersion", [], ct)).GetProperty("solana-core").GetString() ?? "";

    /// <summary>getSlot at a commitment.</summary>
    public async Task<ulong> GetSlotAsync(Commitment commitment = Commitment.Confirmed, CancellationToken ct = default) =>
        (await CallAsync("getSlot", [Config(commitment)], ct)).GetUInt64();

    /// <summary>getBlockHeight at a commitment.</summary>
    public async Task<ulong> GetBlockHeightAsync(Commitment commitment = Commitment.Confirmed, CancellationToken ct = default) =>
        (await CallAsync("getBlockHeight", [Config(commitment)], ct)).GetUInt64();

    /// <summary>getBlockHeight evaluated by a node whose state is at least <paramref name="minContextSlot"/> (it refuses otherwise).</summary>
    public async Task<ulong> GetBlockHeightAsync(Commitment commitment, ulong minContextSlot, CancellationToken ct = default) =>
        (await CallAsync("getBlockHeight", [Config(commitment, ("minContextSlot", minContextSlot))], ct)).GetUInt64();

    /// <summary>getSignatureStatuses with the slot of the node state that answered (<c>context.slot</c>).</summary>
    public async Task<(ulong ContextSlot, IReadOnlyList<SignatureStatus?> Statuses)> GetSignatureStatusesInContextAsync(IReadOnlyList<string> signatures,
        CancellationToken ct = default)
    {
        var sigs = new JsonArray(signatures.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        var r = await CallAsync("getSignatureStatuses", [sigs, new JsonObject { ["searchTransactionHistory"] = true }], ct);
        return (r.GetProperty("context").GetProperty("slot").GetUInt64(), ParseStatuses(r));
    }

    /// <summary>getLatestBlockhash with its last valid block height.</summary>
    public async Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment commitment = Commitment.Confirmed, CancellationToken ct = default)
    {
        var r = await CallAsync("getLatestBlockhash", [Config(commitment)], ct);
        var v = r.GetProperty("value");
        return new LatestBlockhash(v.GetProperty("blockhash").GetString()!, v.GetProperty("lastValidBlockHeight").GetUInt64(),
            r.GetProperty("context").GetProperty("slot").GetUInt64());
    }

    /// <summary>
    /// getRecentPrioritizationFees: per recent slot, the lowest priority fee (micro-lamports per compute unit) paid by a
    /// transaction that landed there and write-locked every one of <paramref name="writableAccounts"/> (any transaction when none).
    /// </summary>
    public async Task<IReadOnlyList<PrioritizationFee>> GetRecentPrioritizationFeesAsync(IReadOnlyList<PublicKey>? writableAccounts = null, CancellationToken ct = default)
    {
        var keys = new JsonArray((writableAccounts ?? []).Select(a => (JsonNode?)JsonValue.Create(a.ToString())).ToArray());
        var r = await CallAsync("getRecentPrioritizationFees", [keys], ct);
        return r.EnumerateArray().Select(e => new PrioritizationFee(e.GetProperty("slot").GetUInt64(), U64(e.GetProperty("prioritizationFee")))).ToList();
    }

    /// <summary>isBlockhashValid: false once the blockhash is past its last valid block height (or unknown).</summary>
    public async Task<bool> IsBlockhashValidAsync(string blockhash, Commitment commitment = Commitment.Processed, CancellationToken ct = default) =>
        (await CallAsync("isBlockhashValid", [blockhash, Config(commitment)], ct)).GetProperty("value").GetBoolean();

    /// <summary>getMinimumBalanceForRentExemption for an account of <paramref name="dataLength"/> bytes.</summary>
    public async Task<ulong> GetMinimumBalanceForRentExemptionAsync(int dataLength, CancellationToken ct = default) =>
        (await CallAsync("getMinimumBalanceForRentExemption", [dataLength], ct)).GetUInt64();

    /// <summary>getBalance in lamports (0 for an unknown account).</summary>
    public async Task<ulong> GetBalanceAsync(PublicKey account, Commitment commitment = Commitment.Confirmed, CancellationToken ct = default) =>
        (await CallAsync("getBalance", [account.ToString(), Config(commitment)], ct)).GetProperty("value").GetUInt64();

    /// <summary>requestAirdrop; returns the airdrop's signature (dev and test clusters only).</summary>
    public async Task<string> RequestAirdropAsync(PublicKey account, ulong lamports, CancellationToken ct = default) =>
        (await CallAsync("requestAirdrop", [account.ToString(), lamports], ct)).GetString()!;

    /// <summary>getAccountInfo (base64); null when the account does not exist.</summary>
    public async Task<AccountInfo?> GetAccountInfoAsync(PublicKey account, Commitment commitment = Commitment.Confirmed, CancellationToken ct = default)
    {
        var r = await CallAsync("getAccountInfo", [account.ToString(), Config(commitment, ("encoding", "base64"))], ct);
        return ParseAccount(r.GetProperty("value"));
    }

    /// <summary>getMultipleAccounts (base64), in the order asked; null entries for missing accounts.</summary>
    public async Task<IReadOnlyList<AccountInfo?>> GetMultipleAccountsAsync(IReadOnlyList<PublicKey> accounts, Commitment commitment = Commitment.Confirmed, CancellationToken ct = default)
    {
        var keys = new JsonArray(accounts.Select(a => (JsonNode?)JsonValue.Create(a.ToString())).ToArray());
        var r = await CallAsync("getMultipleAccounts", [keys, Config(commitment, ("encoding", "base64"))], ct);
        return r.GetProperty("value").EnumerateArray().Select(ParseAccount).ToList();
    }

    private static AccountInfo? ParseAccount(JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        var data = v.GetProperty("data");
        var bytes = data.ValueKind == JsonValueKind.Array
            ? data[1].GetString() == "base58" ? Base58.Decode(data[0].GetString()!) : Convert.FromBase64String(data[0].GetString()!)
            : Base58.Decode(data.GetString()!);
        var space = v.TryGetProperty("space", out var s) ? s.GetUInt64() : (ulong)bytes.Length;
        return new AccountInfo(v.GetProperty("lamports").GetUInt64(), PublicKey.Parse(v.GetProperty("owner").GetString()!), bytes,
            v.GetProperty("executable").GetBoolean(), space);
    }

    /// <summary>getTokenSupply of a mint.</summary>
    /// <exception cref="SolanaRpcException">-32602 when the mint does not exist or is not a mint.</exception>
    public async Task<TokenAmount> GetTokenSupplyAsync(PublicKey mint, Commitment commitment = Commitment.Confirmed, CancellationToken ct = default) =>
        ParseTokenAmount((await CallAsync("getTokenSupply", [mint.ToString(), Config(commitment)], ct)).GetProperty("value"));

    /// <summary>getTokenAccountBalance of a token account.</summary>
    public async Task<TokenAmount> GetTokenAccountBalanceAsync(PublicKey tokenAccount, Commitment commitment = Commitment.Confirmed, CancellationToken ct = default) =>
        ParseTokenAmount((await CallAsync("getTokenAccountBalance", [tokenAccount.ToString(), Config(commitment)], ct)).GetProperty("value"));

    private static TokenAmount ParseTokenAmount(JsonElement v) =>
        new(U64(v.GetProperty("amount")), v.GetProperty("decimals").GetByte(), v.GetProperty("uiAmountString").GetString() ?? "");

    /// <summary>getTokenAccountsByOwner filtered by mint (or, when <paramref name="mint"/> is null, by <paramref name="tokenProgram"/>).</summary>
    public async Task<IReadOnlyList<KeyedAccount>> GetTokenAccountsByOwnerAsync(PublicKey owner, PublicKey? mint, PublicKey? tokenProgram = null, Commitment commitment = Commitment.Confirmed, CancellationToken ct = default)
    {
        var filter = mint is { } m ? new JsonObject { ["mint"] = m.ToString() } : new JsonObject { ["programId"] = (tokenProgram ?? ProgramIds.Token2022).ToString() };
        var r = await CallAsync("getTokenAccountsByOwner", [owner.ToString(), filter, Config(commitment, ("encoding", "base64"))], ct);
        return r.GetProperty("value").EnumerateArray()
            .Select(e => new KeyedAccount(PublicKey.Parse(e.GetProperty("pubkey").GetString()!), ParseAccount(e.GetProperty("account"))!))
            .ToList();
    }

    /// <summary>sendTransaction (base64 wire bytes); returns the signature the node reports.</summary>
    /// <exception cref="SolanaRpcException">Preflight failure (-32002, with <see cref="SolanaRpcException.TransactionError"/> and logs), signature failure (-32003), malformed transaction (-32602).</exception>
    public async Task<string> SendTransactionAsync(byte[] wireTransaction, SendOptions? options = null, CancellationToken ct = default)
    {
        var o = options ?? new SendOptions();
        var cfg = Config(null, ("encoding", "base64"), ("skipPreflight", o.SkipPreflight), ("preflightCommitment", Name(o.PreflightCommitment)),
            ("maxRetries", o.MaxRetries is { } mr ? JsonValue.Create(mr) : null));
        return (await CallAsync("sendTransaction", [Convert.ToBase64String(wireTransaction), cfg], ct)).GetString()!;
    }

    /// <summary>sendTransaction for a signed transaction.</summary>
    public Task<string> SendTransactionAsync(Transaction transaction, SendOptions? options = null, CancellationToken ct = default) =>
        SendTransactionAsync(transaction.Serialize(), options, ct);

    /// <summary>simulateTransaction (signatures verified; blockhash not replaced).</summary>
    public async Task<SimulationResult> SimulateTransactionAsync(Transaction transaction, Commitment commitment = Commitment.Confirmed, CancellationToken ct = default)
    {
        var cfg = Config(commitment, ("encoding", "base64"), ("sigVerify", true));
        var v = (await CallAsync("simulateTransaction", [Convert.ToBase64String(transaction.Serialize()), cfg], ct)).GetProperty("value");
        var logs = v.TryGetProperty("logs", out var l) && l.ValueKind == JsonValueKind.Array ? l.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
        var units = v.TryGetProperty("unitsConsumed", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetUInt64() : 0;
        return new SimulationResult(TransactionError.Parse(v.GetProperty("err")), logs, units);
    }

    /// <summary>getSignatureStatuses (at most 256 per call); null entries for signatures the node does not know.</summary>
    public async Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<string> signatures, bool searchTransactionHistory = true, CancellationToken ct = default)
    {
        var sigs = new JsonArray(signatures.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        var r = await CallAsync("getSignatureStatuses", [sigs, new JsonObject { ["searchTransactionHistory"] = searchTransactionHistory }], ct);
        return ParseStatuses(r);
    }

    private static List<SignatureStatus?> ParseStatuses(JsonElement r) =>
        r.GetProperty("value").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : new SignatureStatus(
            v.GetProperty("slot").GetUInt64(),
            v.GetProperty("confirmations").ValueKind == JsonValueKind.Null ? null : v.GetProperty("confirmations").GetUInt64(),
            TransactionError.Parse(v.GetProperty("err")),
            ParseCommitment(v.GetProperty("confirmationStatus")))).ToList();

    /// <summary>getSignaturesForAddress, newest first; page backwards with <paramref name="before"/> (exclusive) and stop at <paramref name="until"/> (exclusive).</summary>
    public async Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(PublicKey address, int limit = 1000, string? before = null, string? until = null, Commitment commitment = Commitment.Confirmed, CancellationToken ct = default)
    {
        var cfg = Config(commitment, ("limit", limit), ("before", before), ("until", until));
        var r = await CallAsync("getSignaturesForAddress", [address.ToString(), cfg], ct);
        return r.EnumerateArray().Select(v => new SignatureInfo(
            v.GetProperty("signature").GetString()!,
            v.GetProperty("slot").GetUInt64(),
            TransactionError.Parse(v.GetProperty("err")),
            v.TryGetProperty("blockTime", out var bt) && bt.ValueKind == JsonValueKind.Number ? bt.GetInt64() : null,
            v.TryGetProperty("confirmationStatus", out var cs) ? ParseCommitment(cs) : null)).ToList();
    }

    /// <summary>getTransaction (base64, v0 supported); null when the node does not have it at that commitment.</summary>
    public async Task<TransactionDetails?> GetTransactionAsync(string signature, Commitment commitment = Commitment.Confirmed, CancellationToken ct = default)
    {
        var cfg = Config(commitment, ("encoding", "base64"), ("maxSupportedTransactionVersion", 0));
        var r = await CallAsync("getTransaction", [signature, cfg], ct);
        if (r.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        var meta = r.GetProperty("meta");
        var tx = Transaction.Deserialize(Convert.FromBase64String(r.GetProperty("transaction")[0].GetString()!));
        return new TransactionDetails(signature, r.GetProperty("slot").GetUInt64(),
            r.TryGetProperty("blockTime", out var bt) && bt.ValueKind == JsonValueKind.Number ? bt.GetInt64() : null,
            TransactionError.Parse(meta.GetProperty("err")), meta.GetProperty("fee").GetUInt64(), tx,
            meta.TryGetProperty("logMessages", out var lm) && lm.ValueKind == JsonValueKind.Array ? lm.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [],
            TokenBalances(meta, "preTokenBalances"), TokenBalances(meta, "postTokenBalances"),
            meta.TryGetProperty("computeUnitsConsumed", out var cu) && cu.ValueKind == JsonValueKind.Number ? cu.GetUInt64() : null)
        {
            LoadedAddresses = LoadedAddresses(meta),
            InnerInstructions = InnerInstructionsOf(meta),
        };
    }

    private static List<PublicKey> LoadedAddresses(JsonElement meta)
    {
        if (!meta.TryGetProperty("loadedAddresses", out var loaded) || loaded.ValueKind != JsonValueKind.Object)
        {
            return [];
        }
        var keys = new List<PublicKey>();
        foreach (var part in new[] { "writable", "readonly" })
        {
            if (loaded.TryGetProperty(part, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                keys.AddRange(list.EnumerateArray().Select(k => PublicKey.Parse(k.GetString()!)));
            }
        }
        return keys;
    }

    private static List<InnerInstructions> InnerInstructionsOf(JsonElement meta)
    {
        if (!meta.TryGetProperty("innerInstructions", out var inner) || inner.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        return inner.EnumerateArray().Select(group => new InnerInstructions(
            group.GetProperty("index").GetInt32(),
            group.GetProperty("instructions").EnumerateArray().Select(ix => new CompiledInstruction(
                (byte)ix.GetProperty("programIdIndex").GetInt32(),
                ix.GetProperty("accounts").EnumerateArray().Select(a => (byte)a.GetInt32()).ToArray(),
                Base58.Decode(ix.GetProperty("data").GetString()!))).ToList())).ToList();
    }

    private static List<TransactionTokenBalance> TokenBalances(JsonElement meta, string name)
    {
        if (!meta.TryGetProperty(name, out var arr) || arr.ValueKind != JsonValueKind.Array)
        {
            return [];
        }
        return arr.EnumerateArray().Select(b => new TransactionTokenBalance(
            b.GetProperty("accountIndex").GetInt32(),
            PublicKey.Parse(b.GetProperty("mint").GetString()!),
            b.TryGetProperty("owner", out var o) && o.ValueKind == JsonValueKind.String ? PublicKey.Parse(o.GetString()!) : null,
            U64(b.GetProperty("uiTokenAmount").GetProperty("amount")),
            b.GetProperty("uiTokenAmount").GetProperty("decimals").GetByte())).ToList();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
