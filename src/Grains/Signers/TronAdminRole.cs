using Sharemint.Chains.Evm;
using Sharemint.Chains.Tron;

namespace Sharemint.Signers;

/// <summary>
/// Keys by role on Tron, as on EVM: with <see cref="ChainOptions.AdminAddress"/> set, the token's admin role (which grants
/// and revokes every role) and a pauser role of its own go to that address after deployment, and the hot signing key
/// renounces the admin role, keeping only the roles the platform signs with. Each step is its own saved transaction under
/// <c>deploy:{symbol}:{step}</c> and is skipped once the chain shows it done, so a deploy retried after a crash finishes the
/// handover without signing anything twice.
/// </summary>
internal sealed partial class TronFamilySigner
{
    private TronAddress? Admin => _options.AdminAddress is { } admin ? TronAddress.Parse(admin) : null;

    private async Task HandOverAdminRoleAsync(TronAddress tokenAddress, string symbol)
    {
        if (Admin is not { } admin)
        {
            return;
        }
        var token = new TronToken(_client, _artifact, tokenAddress);
        if (!await token.HasRoleAsync(SharemintToken.DefaultAdminRole, admin))
        {
            await SendOnceAsync($"deploy:{symbol}:grant-admin", token.GrantRoleCall(_issuer, SharemintToken.DefaultAdminRole, admin));
        }
        if (!await token.HasRoleAsync(SharemintToken.PauserRole, admin))
        {
            await SendOnceAsync($"deploy:{symbol}:grant-pauser", token.GrantRoleCall(_issuer, SharemintToken.PauserRole, admin));
        }
        if (await token.HasRoleAsync(SharemintToken.DefaultAdminRole, _issuer))
        {
            await SendOnceAsync($"deploy:{symbol}:renounce-admin", token.RenounceRoleCall(_issuer, SharemintToken.DefaultAdminRole));
        }
    }

    /// <summary>
    /// Simulates the call (a revert throws its typed error before anything is signed), then signs, saves and broadcasts it
    /// under <paramref name="key"/> and waits until it is final. A saved transaction is rebroadcast, never re-signed, until
    /// it has provably expired; one that failed on chain is signed again once per call.
    /// </summary>
    private async Task SendOnceAsync(string key, TronTrigger call)
    {
        var deadline = DateTime.UtcNow + Lifetime + TimeSpan.FromSeconds(60);
        var signedHere = false;
        while (DateTime.UtcNow < deadline)
        {
            var attempts = await _store.GetAttemptsAsync(key);
            var status = attempts.Count == 0 ? null : await _client.GetStatusAsync(attempts[^1].TxId, attempts[^1].Expiration);
            switch (status?.State)
            {
                case null or TronTxState.Expired:
                case TronTxState.Failed when !signedHere:
                    signedHere = true;
                    await _client.CallAsync(_issuer, call.Contract, call.Data, _artifact.Abi);
                    var signed = await SignAsync(await _client.BuildAsync(call, _options.FeeLimit, Lifetime));
                    await _store.SaveAsync(key, attempts.Count + 1, signed);
                    await BroadcastPendingAsync(signed);
                    break;
                case TronTxState.Succeeded:
                    return;
                case TronTxState.Pending:
                    await BroadcastPendingAsync(attempts[^1]);
                    break;
                default:
                    throw new TronTransactionFailedException(status!.TxId, status.Result ?? "FAILED", status.ContractResult ?? []);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
        throw new TronException(TronErrorCode.ConfirmationTimeout, $"{key} is not final yet; deploying again resumes it");
    }
}
