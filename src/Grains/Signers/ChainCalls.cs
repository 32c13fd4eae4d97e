using Microsoft.Extensions.Logging;
using Sharemint.Chains.Evm;
using Sharemint.Chains.Solana;
using Sharemint.Chains.Tron;
using Sharemint.Errors;

namespace Sharemint.Signers;

/// <summary>How chain signers and readers turn chain client trouble into ledger errors (shared so both answer alike).</summary>
internal static class ChainCalls
{
    /// <summary>
    /// Runs a call, mapping chain trouble to ledger errors: an unreachable or erroring node is <c>ChainUnavailable</c> (the
    /// write, if any, stays recorded and a later check resumes it), as is an issuer that cannot pay fees (with the alert);
    /// other client errors are <c>ChainWriteFailed</c>.
    /// </summary>
    public static async Task<T> GuardAsync<T>(string chain, string operation, ILogger logger, Func<Task<T>> call)
    {
        try
        {
            var result = await call();
            if (operation is "submit" or "check")
            {
                // A write went through the node again: whatever starved the issuer is over.
                FeeMoneyAlerts.Restored(chain);
            }
            return result;
        }
        catch (LedgerException)
        {
            throw;
        }
        catch (Exception e) when (e is JsonRpcException && e.Message.Contains("insufficient funds", StringComparison.OrdinalIgnoreCase)
            || e is SolanaException { Kind: SolanaErrorKind.InsufficientLamports }
            || e is TronException { Code: TronErrorCode.InsufficientBalance })
        {
            // The issuer cannot pay the fee: the write stays recorded (and signed) and waits; operators get the alert.
            FeeMoneyAlerts.Starved(chain);
            logger.LogError(e, "The issuer on {Chain} cannot pay fees during {Operation}; chain writes wait until it is topped up", chain, operation);
            throw new LedgerException(LedgerError.ChainUnavailable, $"{chain}: {operation}: the issuer cannot pay fees: {e.Message}");
        }
        catch (Exception e) when (e is EvmRpcTransportException or JsonRpcException or HttpRequestException
            or EvmException { Code: EvmErrorCode.ReceiptTimeout or EvmErrorCode.NonceAlreadyUsed or EvmErrorCode.ChainIdMismatch or EvmErrorCode.SigningUnavailable }
            or SolanaException { Kind: SolanaErrorKind.RpcUnavailable or SolanaErrorKind.RpcError or SolanaErrorKind.BlockhashExpired or SolanaErrorKind.ConcurrentWriter }
            or TronException { Code: TronErrorCode.HttpStatus or TronErrorCode.Timeout or TronErrorCode.ConnectionFailed or TronErrorCode.MalformedResponse
                or TronErrorCode.NodeError or TronErrorCode.ConfirmationTimeout or TronErrorCode.InvalidTransaction or TronErrorCode.TransactionExpired }
            or TronBroadcastRefusedException { NodeCode: "TAPOS_ERROR" or "SERVER_BUSY" or "NOT_ENOUGH_EFFECTIVE_CONNECTION" })
        {
            logger.LogWarning(e, "Chain {Chain} unavailable during {Operation}", chain, operation);
            throw new LedgerException(LedgerError.ChainUnavailable, $"{chain}: {operation}: {e.Message}");
        }
        catch (Exception e) when (e is EvmException or SolanaException or TronException)
        {
            logger.LogWarning(e, "Chain {Chain} refused {Operation}", chain, operation);
            throw new LedgerException(LedgerError.ChainWriteFailed, $"{chain}: {operation}: {e.Message}");
        }
    }
}
