using System.Runtime.ExceptionServices;
using Sharemint.Chains.Tron;

namespace Sharemint.Signers;

/// <summary>
/// Deploys tokens on Tron many at a time. Each symbol's deployment is a transaction saved under <c>deploy:{symbol}</c>
/// before its first broadcast (the same key a single deployment uses), so a crash anywhere in a batch resumes it and no
/// symbol is ever deployed twice: a saved transaction still pending is offered again (same bytes), and a new one is signed
/// only once the last has expired or failed. Every missing deployment is signed against one head block and broadcast
/// before anything waits, so a batch lands in a block or two instead of a block per token.
/// </summary>
internal sealed class TronDeployments(
    TronClient client,
    ChainWriteLog.TronAttempts store,
    Func<TokenDeploymentRequest, TronCreateContract> contract,
    Func<TronRawTransaction, Task<TronSignedTransaction>> sign,
    long feeLimit,
    TimeSpan lifetime)
{
    /// <summary>Status reads, signatures and broadcasts in flight at once.</summary>
    private const int Concurrency = 16;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a pending deployment's saved bytes are offered again (a node may have dropped them).</summary>
    private static readonly TimeSpan Rebroadcast = TimeSpan.FromSeconds(3);

    private static string Key(TokenDeploymentRequest request) => $"deploy:{request.Symbol}";

    /// <summary>
    /// Signs, saves and broadcasts every deployment of <paramref name="requests"/> not signed yet, then waits until all are
    /// on chain or <paramref name="wait"/> has passed; returns, by symbol, those on chain (the others are on their way, and
    /// another call collects them). A deployment that failed on chain is signed again once per call; a second failure in
    /// the same call throws <see cref="TronTransactionFailedException"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, DeployedToken>> DeployAsync(IReadOnlyList<TokenDeploymentRequest> requests, TimeSpan wait)
    {
        var deadline = DateTime.UtcNow + wait;
        var landed = new Dictionary<string, DeployedToken>(StringComparer.Ordinal);
        var signedHere = new HashSet<string>(StringComparer.Ordinal);
        var lastSent = new Dictionary<string, DateTime>(StringComparer.Ordinal);
        while (true)
        {
            var remaining = requests.Where(r => !landed.ContainsKey(r.Symbol)).ToList();
            var toSign = new List<(TokenDeploymentRequest Request, int Attempt)>();
            var toResend = new List<TronSignedTransaction>();
            foreach (var (request, attempts, status) in await InParallelAsync(remaining, StandingAsync))
            {
                switch (status?.State)
                {
                    // Nothing signed yet, or the last transaction can never land (a failed deployment created nothing).
                    case null or TronTxState.Expired:
                    case TronTxState.Failed when !signedHere.Contains(request.Symbol):
                        toSign.Add((request, attempts.Count + 1));
                        break;
                    case TronTxState.Succeeded when status.ContractAddress is { } address:
                        landed[request.Symbol] = new DeployedToken(address.ToBase58(), TronFamilySigner.Decimals, (ulong)(status.BlockNumber ?? 0));
                        break;
                    case TronTxState.Pending:
                        if (DateTime.UtcNow - lastSent.GetValueOrDefault(attempts[^1].TxId) >= Rebroadcast)
                        {
                            toResend.Add(attempts[^1]);
                        }
                        break;
                    default:
                        throw new TronTransactionFailedException(status!.TxId, status.Result ?? "FAILED", status.ContractResult ?? []);
                }
            }
            if (toSign.Count > 0)
            {
                await SignAndSendAsync(toSign, signedHere, lastSent);
            }
            foreach (var (txId, sent) in await InParallelAsync(toResend, async signed => (signed.TxId, await BroadcastAsync(signed))))
            {
                if (sent)
                {
                    lastSent[txId] = DateTime.UtcNow;
                }
            }
            if (landed.Count == requests.Count || DateTime.UtcNow >= deadline)
            {
                return landed;
            }
            await Task.Delay(Poll);
        }
    }

    /// <summary>
    /// Signs the deployments one after another (the key holder's pace), then saves and broadcasts them a few at a time, each
    /// saved before its first broadcast. When the key holder fails part-way, what it did sign is still saved and sent before
    /// the failure is rethrown, so those deployments land and the next call finds them.
    /// </summary>
    private async Task SignAndSendAsync(IReadOnlyList<(TokenDeploymentRequest Request, int Attempt)> toSign,
        HashSet<string> signedHere, Dictionary<string, DateTime> lastSent)
    {
        // One head for the whole batch: the transactions are built here, so N deployments cost one node call, not N.
        var head = await client.GetNowBlockAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var signed = new List<(TokenDeploymentRequest Request, int Attempt, TronSignedTransaction Transaction)>();
        ExceptionDispatchInfo? cut = null;
        foreach (var (request, attempt) in toSign)
        {
            try
            {
                signed.Add((request, attempt, await sign(TronRawTransaction.Create(contract(request), head, lifetime, feeLimit, now))));
            }
            catch (Exception e)
            {
                cut = ExceptionDispatchInfo.Capture(e);
                break;
            }
        }
        foreach (var (transaction, sent) in await InParallelAsync(signed, async s =>
        {
            // Saved before its first broadcast: after a crash from here on, the next call finds and finishes it.
            await store.SaveAsync(Key(s.Request), s.Attempt, s.Transaction);
            return (s.Transaction, await BroadcastAsync(s.Transaction));
        }))
        {
            if (sent)
            {
                lastSent[transaction.TxId] = DateTime.UtcNow;
            }
        }
        foreach (var s in signed)
        {
            signedHere.Add(s.Request.Symbol);
        }
        cut?.Throw();
    }

    private async Task<(TokenDeploymentRequest Request, IReadOnlyList<TronSignedTransaction> Attempts, TronTxStatus? Status)> StandingAsync(TokenDeploymentRequest request)
    {
        var attempts = await store.GetAttemptsAsync(Key(request));
        var status = attempts.Count == 0 ? null : await client.GetStatusAsync(attempts[^1].TxId, attempts[^1].Expiration);
        return (request, attempts, status);
    }

    /// <summary>Broadcasts saved bytes; false when the node refused them as expired (the status check then reports Expired).</summary>
    private async Task<bool> BroadcastAsync(TronSignedTransaction signed)
    {
        try
        {
            await client.BroadcastAsync(signed);
            return true;
        }
        catch (TronBroadcastRefusedException e) when (e.Code == TronErrorCode.TransactionExpired)
        {
            return false;
        }
    }

    /// <summary>
    /// Runs <paramref name="step"/> over the items a few at a time, in order. The tasks start on the caller's scheduler (the
    /// signer grain's), so the steps interleave only at their awaits.
    /// </summary>
    private static async Task<List<TResult>> InParallelAsync<T, TResult>(IReadOnlyList<T> items, Func<T, Task<TResult>> step)
    {
        var results = new List<TResult>(items.Count);
        foreach (var chunk in items.Chunk(Concurrency))
        {
            results.AddRange(await Task.WhenAll(chunk.Select(step)));
        }
        return results;
    }
}
