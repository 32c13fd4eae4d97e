using System.Globalization;
using System.Text.Json.Nodes;
using Sharemint.Chains.Evm;

namespace Sharemint.Chains.Tron;

public enum TronTxState
{
    /// <summary>Not in a final block yet and not provably dead: rebroadcast the same bytes, never re-sign.</summary>
    Pending = 0,
    /// <summary>In a final (solidified) block and succeeded.</summary>
    Succeeded = 1,
    /// <summary>In a final block and failed (REVERT, OUT_OF_ENERGY …): it consumed fees and changed nothing else.</summary>
    Failed = 2,
    /// <summary>Not in any final block and the final head is past its expiration: it can never land, a new one may be signed.</summary>
    Expired = 3,
}

/// <summary>An event log of a landed transaction (addresses as Tron addresses, topics and data as the EVM has them).</summary>
public sealed record TronLog(TronAddress Address, IReadOnlyList<Hash32> Topics, byte[] Data, string TxId, long BlockNumber, int LogIndex);

/// <summary>Where a transaction stands. For Succeeded/Failed the block, energy, fee, result bytes and logs are filled.</summary>
public sealed record TronTxStatus(TronTxState State, string TxId, long? BlockNumber = null, string? Result = null, long EnergyUsed = 0, long Fee = 0,
    byte[]? ContractResult = null, TronAddress? ContractAddress = null, IReadOnlyList<TronLog>? Logs = null);

public sealed record TronAccount(TronAddress Address, long Balance);

/// <summary>
/// A Tron full node's HTTP API, for a signer: build and sign a raw transaction against a recent reference block,
/// broadcast its bytes (idempotent: a duplicate is not an error), and ask its status (pending, landed with success or
/// failure, or provably expired) from the solidified chain. Tron has no nonces: a write is identified by its txID.
/// </summary>
public sealed class TronClient
{
    private readonly TronHttpClient _http;

    public TronClient(TronHttpClient http) => _http = http ?? throw new ArgumentNullException(nameof(http));

    public TronHttpClient Http => _http;

    // ------------------------------------------------------------------ blocks

    /// <summary>The head block (unconfirmed) — what new transactions should reference.</summary>
    public Task<TronBlockRef> GetNowBlockAsync(CancellationToken cancellationToken = default) => BlockAsync("wallet/getnowblock", cancellationToken);

    /// <summary>The latest solidified (final) block.</summary>
    public Task<TronBlockRef> GetSolidBlockAsync(CancellationToken cancellationToken = default) => BlockAsync("walletsolidity/getnowblock", cancellationToken);

    private async Task<TronBlockRef> BlockAsync(string path, CancellationToken cancellationToken)
    {
        var block = await _http.PostAsync(path, new { }, cancellationToken);
        var raw = block["block_header"]?["raw_data"] ?? throw Malformed(path, "no block_header.raw_data");
        var id = block["blockID"]?.GetValue<string>() ?? throw Malformed(path, "no blockID");
        return new TronBlockRef(raw["number"]?.GetValue<long>() ?? 0, id, raw["timestamp"]?.GetValue<long>() ?? throw Malformed(path, "no timestamp"));
    }

    // ------------------------------------------------------------------ writes

    /// <summary>Builds a raw transaction referencing the current head, expiring <paramref name="lifetime"/> (default 60 s) after it.</summary>
    public async Task<TronRawTransaction> BuildAsync(TronContract contract, long feeLimit, TimeSpan? lifetime = null, CancellationToken cancellationToken = default)
    {
        var head = await GetNowBlockAsync(cancellationToken);
        return TronRawTransaction.Create(contract, head, lifetime ?? TimeSpan.FromSeconds(60), feeLimit, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    /// <summary>
    /// Sends the signed bytes (/wallet/broadcasthex). Safe to call again with the same transaction until it expires: a
    /// node that already has it answers DUP_TRANSACTION_ERROR, which is returned as success. Other refusals throw
    /// <see cref="TronBroadcastRefusedException"/> (TransactionExpired once past expiration).
    /// </summary>
    public async Task<string> BroadcastAsync(TronSignedTransaction transaction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var answer = await _http.PostAsync("wallet/broadcasthex", new { transaction = Convert.ToHexStringLower(transaction.ToProtobuf()) }, cancellationToken);
        if (answer["result"]?.GetValue<bool>() == true) return transaction.TxId;
        var code = answer["code"]?.GetValue<string>() ?? "UNKNOWN";
        if (code == "DUP_TRANSACTION_ERROR") return transaction.TxId;
        throw new TronBroadcastRefusedException(transaction.TxId, code, HexText(answer["message"]?.GetValue<string>()));
    }

    /// <summary>
    /// The state of <paramref name="txId"/> in the final chain. Expired is reported only when the solidified head's
    /// timestamp has reached <paramref name="expiration"/> and no final block holds the transaction: then it can never land.
    /// </summary>
    public async Task<TronTxStatus> GetStatusAsync(string txId, long expiration, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(txId);
        // Read the solid head first: if the info is absent afterwards, no block up to that head holds the transaction.
        var solid = await GetSolidBlockAsync(cancellationToken);
        var info = await _http.PostAsync("walletsolidity/gettransactioninfobyid", new { value = txId }, cancellationToken);
        if (info["id"] is not null) return ParseInfo(info);
        return solid.Timestamp >= expiration ? new TronTxStatus(TronTxState.Expired, txId) : new TronTxStatus(TronTxState.Pending, txId);
    }

    /// <summary>
    /// Broadcasts and waits until the transaction is final or provably expired, rebroadcasting the same bytes every
    /// <paramref name="rebroadcastEvery"/> while pending (a node may have dropped it). Never signs anything.
    /// </summary>
    public async Task<TronTxStatus> SendAndWaitAsync(TronSignedTransaction transaction, TimeSpan? pollInterval = null, TimeSpan? rebroadcastEvery = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var poll = pollInterval ?? TimeSpan.FromMilliseconds(200);
        var rebroadcast = rebroadcastEvery ?? TimeSpan.FromSeconds(3);
        await BroadcastAsync(transaction, cancellationToken);
        var lastBroadcast = DateTime.UtcNow;
        while (true)
        {
            var status = await GetStatusAsync(transaction.TxId, transaction.Expiration, cancellationToken);
            if (status.State != TronTxState.Pending) return status;
            if (DateTime.UtcNow - lastBroadcast >= rebroadcast)
            {
                try
                {
                    await BroadcastAsync(transaction, cancellationToken);
                }
                catch (TronBroadcastRefusedException e) when (e.Code == TronErrorCode.TransactionExpired)
                {
                    // The head passed its expiration; the status check above decides once the solid head has too.
                }
                lastBroadcast = DateTime.UtcNow;
            }
            await Task.Delay(poll, cancellationToken);
        }
    }

    // ------------------------------------------------------------------ reads

    /// <summary>Runs a call without a transaction (/wallet/triggerconstantcontract). A revert throws the decoder's typed error (a <see cref="ContractRevertedException"/>), else <see cref="TronTransactionFailedException"/>.</summary>
    public async Task<(byte[] Output, long EnergyUsed)> CallAsync(TronAddress? owner, TronAddress contract, byte[] data, IRevertDecoder? decoder = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var body = new Dictionary<string, object> { ["contract_address"] = contract.ToHex(), ["data"] = Convert.ToHexStringLower(data) };
        if (owner is { } o) body["owner_address"] = o.ToHex();
        var answer = await _http.PostAsync("wallet/triggerconstantcontract", body, cancellationToken);
        var output = Convert.FromHexString(answer["constant_result"]?[0]?.GetValue<string>() ?? "");
        var energy = answer["energy_used"]?.GetValue<long>() ?? 0;
        if (answer["result"]?["result"]?.GetValue<bool>() == true) return (output, energy);
        // A decodable revert surfaces as the contract's typed error (as on EVM), before anything is signed.
        if (decoder is not null && output.Length >= 4) throw decoder.Decode(output, null);
        var message = HexText(answer["result"]?["message"]?.GetValue<string>());
        throw new TronTransactionFailedException("(call)", $"REVERT: {message}", output);
    }

    public async Task<TronAccount?> GetAccountAsync(TronAddress address, CancellationToken cancellationToken = default)
    {
        var answer = await _http.PostAsync("wallet/getaccount", new { address = address.ToHex() }, cancellationToken);
        if (answer["address"] is null) return null;
        return new TronAccount(address, answer["balance"]?.GetValue<long>() ?? 0);
    }

    /// <summary>The energy price in sun (chain parameter getEnergyFee).</summary>
    public async Task<long> GetEnergyPriceAsync(CancellationToken cancellationToken = default)
    {
        var answer = await _http.PostAsync("wallet/getchainparameters", new { }, cancellationToken);
        foreach (var p in answer["chainParameter"]?.AsArray() ?? [])
        {
            if (p?["key"]?.GetValue<string>() == "getEnergyFee") return p["value"]?.GetValue<long>() ?? 0;
        }
        throw Malformed("wallet/getchainparameters", "no getEnergyFee");
    }

    /// <summary>The infos (with logs) of every transaction in final block <paramref name="number"/>; empty when the block is not final yet.</summary>
    public Task<IReadOnlyList<TronTxStatus>> GetFinalBlockInfosAsync(long number, CancellationToken cancellationToken = default) =>
        GetBlockInfosAsync(number, true, cancellationToken);

    /// <summary>
    /// The infos (with logs) of every transaction in block <paramref name="number"/>: from the solidified chain when
    /// <paramref name="final"/>, else from the node's head view (blocks not final yet included). Empty past that head.
    /// </summary>
    public async Task<IReadOnlyList<TronTxStatus>> GetBlockInfosAsync(long number, bool final, CancellationToken cancellationToken = default)
    {
        var path = final ? "walletsolidity/gettransactioninfobyblocknum" : "wallet/gettransactioninfobyblocknum";
        var answer = await _http.PostAsync(path, new { num = number }, cancellationToken);
        if (answer is not JsonArray list) return [];
        return list.Where(n => n is not null).Select(n => ParseInfo(n!)).ToList();
    }

    private static TronTxStatus ParseInfo(JsonNode info)
    {
        var txId = info["id"]!.GetValue<string>();
        var block = info["blockNumber"]?.GetValue<long>() ?? 0;
        var result = info["receipt"]?["result"]?.GetValue<string>() ?? "SUCCESS";
        var failed = info["result"]?.GetValue<string>() == "FAILED" || result != "SUCCESS";
        var logs = new List<TronLog>();
        var index = 0;
        foreach (var log in info["log"]?.AsArray() ?? [])
        {
            if (log is null) continue;
            logs.Add(new TronLog(TronAddress.Parse("41" + log["address"]!.GetValue<string>()),
                (log["topics"]?.AsArray() ?? []).Select(t => new Hash32(Convert.FromHexString(t!.GetValue<string>()))).ToList(),
                Convert.FromHexString(log["data"]?.GetValue<string>() ?? ""), txId, block, log["logIndex"]?.GetValue<int>() ?? index));
            index++;
        }
        var contract = info["contract_address"]?.GetValue<string>();
        return new TronTxStatus(failed ? TronTxState.Failed : TronTxState.Succeeded, txId, block, result,
            info["receipt"]?["energy_usage_total"]?.GetValue<long>() ?? 0, info["fee"]?.GetValue<long>() ?? 0,
            Convert.FromHexString(info["contractResult"]?[0]?.GetValue<string>() ?? ""), contract is null ? null : TronAddress.Parse(contract), logs);
    }

    internal static string HexText(string? hex)
    {
        if (string.IsNullOrEmpty(hex)) return "";
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromHexString(hex));
        }
        catch (FormatException)
        {
            return hex;
        }
    }

    private static TronException Malformed(string path, string what) =>
        new(TronErrorCode.MalformedResponse, string.Create(CultureInfo.InvariantCulture, $"{path}: {what}"));
}
